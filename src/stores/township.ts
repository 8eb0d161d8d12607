import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { TownshipSummary } from '@/shared/township/types'
import {
  savedSession, savedSummary, savedVillage, signIn as hubSignIn, signOut as hubSignOut, syncSummary, syncVillage,
  problemOf, type StaffSession, type TownshipProblem, type VillageCopy,
} from '@/data/township/client'

/** Township staff device: who is signed in, the villages' summaries, the village opened in full. */
export const useTownshipStore = defineStore('township', () => {
  const base = ref('')
  const session = ref<StaffSession | null>(null)
  const summary = shallowRef<TownshipSummary | null>(null)
  const syncedAt = ref<number | null>(null)
  const syncing = ref(false)
  /** Why the last request failed (the screens word it), null when it worked. */
  const error = ref<TownshipProblem | null>(null)
  /** The hub's answer to the failed request (401 wrong name or password, 429 too many tries…), 0 when the hub was not reached. */
  const errorStatus = ref<number | null>(null)
  const village = shallowRef<VillageCopy | null>(null)
  const restored = ref(false)
  /** The time the screens judge by (what is closed, overdue): it moves every minute and with every pull, not frozen when a screen opened. */
  const clock = ref(Date.now())
  const ticker = setInterval(() => { clock.value = Date.now() }, 60_000)
  ;(ticker as { unref?: () => void }).unref?.()

  const villages = computed(() => summary.value?.villages ?? [])

  async function restore() {
    if (restored.value) return
    session.value = await savedSession()
    summary.value = await savedSummary()
    syncedAt.value = summary.value?.at ?? null
    restored.value = true
  }

  async function guard<T>(fn: () => Promise<T>): Promise<T | null> {
    syncing.value = true
    error.value = null
    errorStatus.value = null
    try {
      return await fn()
    } catch (e) {
      const { problem, status } = problemOf(e)
      error.value = problem
      errorStatus.value = status
      if (problem === 'device') console.error('township: this device could not keep or read its copy', e)
      // The hub no longer knows this session (expired, password changed): sign in again.
      if (problem === 'signed-out' && session.value) session.value = null
      return null
    } finally {
      syncing.value = false
    }
  }

  async function signIn(name: string, password: string) {
    const s = await guard(() => hubSignIn(base.value, name, password))
    if (s) { session.value = s; await sync() }
    return s !== null
  }

  async function signOut() {
    await hubSignOut(base.value)
    session.value = null
    summary.value = null
    village.value = null
    syncedAt.value = null
  }

  async function sync() {
    const s = await guard(() => syncSummary(base.value))
    if (s) { summary.value = s; syncedAt.value = s.at; clock.value = Date.now() }
    return s !== null
  }

  async function openVillage(villageId: string, refresh = true) {
    village.value = await savedVillage(villageId)
    if (!refresh) return village.value
    const copy = await guard(() => syncVillage(base.value, villageId))
    if (copy) { village.value = copy; clock.value = Date.now() }
    return village.value
  }

  return { clock, base, session, summary, syncedAt, syncing, error, errorStatus, village, villages, restore, signIn, signOut, sync, openVillage }
})
