import { createVNode, defineComponent, getCurrentInstance, h, onBeforeUnmount, reactive, readonly, render, watch, type App, type WatchSource } from 'vue'
import type { RouteLocationNormalized, Router } from 'vue-router'
import type { Workbox } from 'workbox-window'
import { holdUpdates, updateHolds, updatesHeld } from '@/stores/support/updateHolds'

export { holdUpdates, updatesHeld }

/**
 * The service worker, safe updates and the install hint.
 *
 * A new version is downloaded in the background and then WAITS. It is announced
 * ("a new version is ready") and applied only when a person
 * taps "update" and nothing holds updates. Ballots, meetings and unsaved forms hold them:
 *
 *   const release = holdUpdates('ballot')   // …
 *   release()                               // when the ballot is cast or abandoned
 *
 * or, in a component, `useUpdateHold('form', () => dirty.value)`. Screens listed in
 * HOLDING_SCREENS (or with route meta `holdsUpdates`) hold by themselves, and an update is
 * refused while any text field on screen has unsaved input.
 */

declare module 'vue-router' {
  interface RouteMeta {
    /** This screen holds app updates while it is open (a ballot, a meeting, a form). */
    holdsUpdates?: boolean
  }
}

interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>
}

export interface PwaState {
  /** The app shell is cached: the app will start without a network. */
  offlineReady: boolean
  /** A new version is installed and waiting to be applied. */
  updateReady: boolean
  /** Why updates are held right now (empty: an update may be applied). */
  holds: string[]
  /** The browser offers installing the app (Chromium's beforeinstallprompt). */
  canInstall: boolean
  /** Running as an installed app (standalone window). */
  installed: boolean
  /** The person closed the install hint. */
  installHintDismissed: boolean
  /** An update was asked for while a form on screen had unsaved input. */
  unsavedInput: boolean
}

const HINT_KEY = 'yishi.installHintDismissed'
const UPDATE_CHECK_MS = 60 * 60 * 1000

const state = reactive<PwaState>({
  offlineReady: false,
  updateReady: false,
  holds: updateHolds,
  canInstall: false,
  installed: false,
  installHintDismissed: false,
  unsavedInput: false,
})

/** Read-only view of the PWA state for components. */
export const pwaState = readonly(state)

let workbox: Workbox | null = null
let installEvent: BeforeInstallPromptEvent | null = null
let reloadRequested = false
let newVersionControls = false

/** Holds updates while the component is mounted and `active` (default: always) is true. */
export function useUpdateHold(reason: string, active: WatchSource<boolean> = () => true): void {
  let release: (() => void) | null = null
  const stop = watch(active, (on) => {
    if (on && !release) release = holdUpdates(reason)
    else if (!on && release) { release(); release = null }
  }, { immediate: true })
  if (getCurrentInstance()) {
    onBeforeUnmount(() => { stop(); release?.() })
  }
}

/**
 * Screens where a reload would cut a ballot, a meeting or a form short: updates are held
 * while one is open. A feature can also mark a route with `meta: { holdsUpdates: true }`.
 */
export const HOLDING_SCREENS: ReadonlySet<string> = new Set(['meeting', 'vote-kiosk', 'vote-paper', 'vote-new', 'proposal-new', 'roster-import'])

/** Holds updates while the router shows a holding screen. */
export function holdOnScreens(router: Router): void {
  let release: (() => void) | null = null
  const follow = (to: RouteLocationNormalized) => {
    release?.()
    release = null
    state.unsavedInput = false
    const name = typeof to.name === 'string' ? to.name : ''
    if (to.meta.holdsUpdates || HOLDING_SCREENS.has(name)) release = holdUpdates(`screen:${name || to.path}`)
  }
  router.afterEach(follow)
  if (router.currentRoute.value.matched.length) follow(router.currentRoute.value)
}

const NOT_TEXT = new Set(['button', 'submit', 'reset', 'checkbox', 'radio', 'hidden', 'file', 'range', 'color', 'image'])

/** Is any text field on screen holding something typed that a reload would lose? */
export function hasUnsavedInput(root: ParentNode = document): boolean {
  return [...root.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')]
    .some((el) => !el.disabled && !el.readOnly && !NOT_TEXT.has(el.type) && el.value !== el.defaultValue)
}

/**
 * Applies a waiting update: the new service worker takes over and the page reloads.
 * Refuses (returns false) while anything holds updates, while a form has unsaved input,
 * or when no update is waiting.
 */
export function applyUpdate(): boolean {
  if (updatesHeld()) return false
  if (typeof document !== 'undefined' && hasUnsavedInput()) {
    state.unsavedInput = true
    return false
  }
  if (newVersionControls) {
    window.location.reload()
    return true
  }
  if (!state.updateReady || !workbox) return false
  reloadRequested = true
  workbox.messageSkipWaiting()
  return true
}

/** Asks the hub whether a new version exists (also done hourly and when the network returns). */
export async function checkForUpdate(): Promise<void> {
  if (!workbox || !navigator.onLine) return
  try { await workbox.update() } catch { /* offline or hub unreachable: try later */ }
}

/** Shows the browser's install dialog, when it offers one. */
export async function promptInstall(): Promise<'accepted' | 'dismissed' | 'unavailable'> {
  const event = installEvent
  if (!event) return 'unavailable'
  installEvent = null
  state.canInstall = false
  await event.prompt()
  const { outcome } = await event.userChoice
  return outcome
}

export function dismissInstallHint(): void {
  state.installHintDismissed = true
  globalThis.localStorage?.setItem(HINT_KEY, '1')
}

async function registerServiceWorker(): Promise<void> {
  const { Workbox } = await import('workbox-window')
  const wb = new Workbox('/sw.js', { scope: '/' })
  workbox = wb
  wb.addEventListener('installed', (event) => {
    if (!event.isUpdate) state.offlineReady = true
  })
  wb.addEventListener('waiting', () => { state.updateReady = true })
  let controlled = navigator.serviceWorker.controller !== null
  wb.addEventListener('controlling', () => {
    // The first worker taking over a fresh page is not an update.
    if (!controlled) { controlled = true; return }
    // Reload only the tab that asked for the update, and never while it holds updates.
    if (reloadRequested && !updatesHeld()) { window.location.reload(); return }
    // Another tab applied the update: this page keeps running the old version until the
    // person taps "update" (applyUpdate then only reloads).
    newVersionControls = true
    state.updateReady = true
  })
  const registration = await wb.register()
  if (registration?.active) state.offlineReady = true
  if (registration?.waiting && navigator.serviceWorker.controller) state.updateReady = true
  window.addEventListener('online', () => void checkForUpdate())
  setInterval(() => void checkForUpdate(), UPDATE_CHECK_MS)
}

/** Mounts the update banner and install hint (loaded only when there is something to show). */
function mountNotices(app: App): void {
  let mounted = false
  watch(() => state.updateReady || (state.canInstall && !state.installHintDismissed), async (show) => {
    if (!show || mounted) return
    mounted = true
    const { default: PwaNotices } = await import('@/features/pwa/PwaNotices.vue')
    const Notices = defineComponent(() => () => h(PwaNotices, {
      updateReady: state.updateReady,
      held: state.holds.length > 0 || state.unsavedInput,
      voting: state.holds.includes('ballot'),
      canInstall: state.canInstall && !state.installHintDismissed && !state.installed,
      onUpdate: () => { applyUpdate() },
      onInstall: () => { void promptInstall() },
      onDismissInstall: dismissInstallHint,
    }))
    const host = document.createElement('div')
    host.id = 'yishi-pwa'
    document.body.appendChild(host)
    const vnode = createVNode(Notices)
    vnode.appContext = app._context
    render(vnode, host)
  }, { immediate: true })
}

export function installPwa(app: App): void {
  if (typeof window === 'undefined') return
  state.installHintDismissed = globalThis.localStorage?.getItem(HINT_KEY) === '1'
  state.installed = window.matchMedia?.('(display-mode: standalone)').matches ?? false
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault()
    installEvent = event as BeforeInstallPromptEvent
    state.canInstall = true
  })
  window.addEventListener('appinstalled', () => {
    installEvent = null
    state.canInstall = false
    state.installed = true
  })
  mountNotices(app)
  const router = app.config.globalProperties.$router as Router | undefined
  if (router) holdOnScreens(router)
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') void checkForUpdate() })
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  // Register after the first screen has loaded, so the precache download never competes with it.
  const start = () => void registerServiceWorker().catch((error: unknown) => console.warn('service worker not registered', error))
  if (document.readyState === 'complete') start()
  else window.addEventListener('load', start, { once: true })
}
