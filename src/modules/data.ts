/**
 * App wiring of the data layer: opens the enrolled village's database (RxDB on IndexedDB via
 * Dexie), gives every feature store its repositories (`attach`), runs replication while the
 * browser is online, and feeds the sync and session stores. Identity rules: src/data/identity.ts.
 */
import type { App } from 'vue'
import type { Pinia } from 'pinia'
import { debounceTime, startWith, type Subscription } from 'rxjs'
import type { PhotoStore, Repositories, VillageDb, VillageSync } from '@/data'
import * as identity from '@/data/identity'
import { useSessionStore } from '@/stores/session'
import { useSyncStore } from '@/stores/sync'

interface Running { vdb: VillageDb; data: Repositories; sync: VillageSync; photos: PhotoStore; subs: Subscription[] }
let running: Running | null = null
/** The village being opened at start-up (screens opened first thing wait for it). */
let opening: Promise<Running | null> = Promise.resolve(null)
let pinia: Pinia | null = null
const kv: identity.KeyValue = globalThis.localStorage ?? identity.memoryKeyValue()

type StoreWithAttach = { attach?: (r: Repositories, opts?: Record<string, unknown>) => void }
// Lazy: the stores pull in RxDB and the domain, which the home screen must not wait for.
// (session and sync are fed directly and imported statically by the home screen.)
const storeLoaders = import.meta.glob<Record<string, unknown>>(['../stores/*.ts', '!../stores/session.ts', '!../stores/sync.ts'])

async function attachStores(data: Repositories): Promise<void> {
  const storeModules = Object.fromEntries(await Promise.all(Object.entries(storeLoaders).map(async ([path, load]) => [path, await load()] as const)))
  for (const mod of Object.values(storeModules)) {
    for (const [name, value] of Object.entries(mod)) {
      if (!/^use\w+Store$/.test(name) || typeof value !== 'function') continue
      const store = (value as (p?: Pinia | null) => StoreWithAttach)(pinia)
      if (typeof store.attach === 'function') store.attach(data, { kv })
    }
  }
}

/** Whether this tablet has been enrolled in a village (its credential is kept on the device). */
export function isEnrolled(): boolean {
  return identity.loadEnrollment(kv) !== null
}

/** The open village's repositories and sync, or null before enrollment. */
export function dataRuntime(): Readonly<Running> | null {
  return running
}

/**
 * RxDB's Dexie storage prints an advertisement for its paid storages on the console at the first write
 * (nothing a clerk or a developer can act on). Only that one message is held back; every other warning passes.
 */
function quietStorageAdvert(): void {
  const warn = console.warn.bind(console)
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('-------------- RxDB Open Core RxStorage')) return
    warn(...args)
  }
}

async function openVillage(e: identity.DeviceEnrollment): Promise<Running> {
  if (running) return running
  quietStorageAdvert()
  const { openVillageDatabase, createRepositories, createSync, refusalLines, indexedDbPhotoStore, uploadPendingPhotos, photoResolver } = await import('@/data')
  const { usePhotosStore } = await import('@/stores/support/photos')
  const { getRxStorageDexie } = await import('rxdb/plugins/storage-dexie')
  const session = useSessionStore(pinia ?? undefined)
  const syncStore = useSyncStore(pinia ?? undefined)
  const vdb = await openVillageDatabase({ villageId: e.village, storage: getRxStorageDexie() })
  const data = await createRepositories(vdb, { villageId: e.village, deviceId: e.device, actor: () => session.personId || e.device })
  const sync = await createSync(vdb, e.device, { hubUrl: e.hubUrl, credentials: { device: e.device, secret: e.secret } })
  const subs: Subscription[] = []
  const refreshPending = async () => { syncStore.pending = await sync.pendingCount() }
  subs.push(sync.state$.subscribe((s) => { syncStore.update(s); void refreshPending() }))
  subs.push(vdb.docs.$.pipe(debounceTime(300), startWith(null)).subscribe(() => { void refreshPending() }))
  subs.push(data.rejections.list$().subscribe((r) => { syncStore.refusals = refusalLines(r, e.device) }))
  subs.push(data.ballotBox.count$().subscribe((n) => { syncStore.boxed = n }))
  subs.push(data.villages.get$(e.village).subscribe((v) => {
    session.setEnrollment({ villageId: e.village, villageName: v?.name ?? e.villageName ?? e.village, townshipName: e.townshipName ?? v?.townshipId ?? '', deviceId: e.device })
  }))
  syncStore.connect(() => sync.syncNow(60_000))
  // Photos wait in IndexedDB until the hub's blob route has them; uploaded whenever sync goes quiet.
  // Photos taken on other tablets are fetched from the hub when shown (one resolver for every
  // screen); those not found yet are tried again after each sync and when the network returns.
  const photos = indexedDbPhotoStore(e.village)
  const credentials = { device: e.device, secret: e.secret }
  const photoStore = usePhotosStore(pinia ?? undefined)
  photoStore.connect(photoResolver(photos, { hubUrl: e.hubUrl, villageId: e.village, credentials, online: () => navigator.onLine }))
  let uploading = false
  subs.push(sync.state$.subscribe((s) => {
    if (s.phase !== 'idle' || uploading) return
    uploading = true
    void uploadPendingPhotos({ hubUrl: e.hubUrl, villageId: e.village, credentials, store: photos })
      .catch(() => undefined).finally(() => { uploading = false; photoStore.retry() })
  }))
  running = { vdb, data, sync, photos, subs }
  await attachStores(data)
  if (navigator.onLine) sync.start()
  return running
}

/** Redeems an enrollment code at the hub (same origin unless `hubUrl`), then opens the village. */
export async function enroll(code: string, label: string, hubUrl = ''): Promise<void> {
  const e = await identity.enrollDevice(kv, { hubUrl, code, label })
  await openVillage(e)
}

/** A clerk's PIN typed on the unlock screen: they act (src/stores/acting.ts) until their window passes or they lock. */
export async function unlock(pin: string): Promise<identity.UnlockResult> {
  const r = await identity.unlockWithPin(kv, pin)
  if (r.ok) {
    const { useActingStore } = await import('@/stores/acting')
    const acting = useActingStore(pinia ?? undefined)
    acting.begin({ id: r.personId, name: acting.nameOf(r.personId) || r.name, roles: ['clerk'] })
  }
  return r
}

export async function setClerkPin(clerk: { personId: string; name: string }, pin: string): Promise<void> {
  await identity.setClerkPin(kv, clerk, pin)
}

export function clerks() { return identity.clerks(kv) }

/** This tablet's changes the hub has not confirmed, as a signed JSON file (for carrying by hand). */
export async function exportUnsyncedFile(): Promise<{ name: string; blob: Blob; count: number } | null> {
  const e = identity.loadEnrollment(kv)
  if (!running || !e) return null
  const { exportUnsynced } = await import('@/data')
  const bundle = await exportUnsynced(running.vdb, running.data.writer, { device: e.device, secret: e.secret }, running.sync.state.ackedSeq)
  const stamp = new Date(bundle.createdAt).toISOString().slice(0, 16).replace(/[-:T]/g, '')
  return { name: `yishi-${e.village}-${e.device}-${stamp}.json`, blob: new Blob([JSON.stringify(bundle)], { type: 'application/json' }), count: bundle.docs.length }
}

/** Imports another tablet's export file: same checks as a push; importing twice changes nothing. */
export async function importFile(file: Blob) {
  if (!running) return null
  const { importBundle } = await import('@/data')
  return importBundle(running.vdb, JSON.parse(await file.text()) as unknown)
}

/** The council years this tablet holds (newest first, with record counts) and those archived off it. */
export async function tabletYears() {
  await opening
  if (!running) return null
  const { yearsOnTablet, archivedYears } = await import('@/data')
  return { years: await yearsOnTablet(running.vdb), archived: await archivedYears(running.vdb) }
}

/** Archives a closed year off this tablet (it stays on the hub); throws DataError with the reason. */
export async function archiveTabletYear(year: number): Promise<number> {
  await opening
  if (!running) throw new Error('This tablet has no village database open yet')
  const { archiveYear } = await import('@/data')
  return archiveYear(running.vdb, running.data.writer, year, running.sync.state.ackedSeq)
}

/** Fetches an archived year from the hub, read-only, kept in memory until closed. Needs the network. */
export async function openArchive(year: number) {
  const e = identity.loadEnrollment(kv)
  if (!e) throw new Error('This tablet is not enrolled')
  const { openArchivedYear, HubError, plainReason } = await import('@/data')
  if (!navigator.onLine) throw new HubError(0, plainReason(0))
  const { getRxStorageMemory } = await import('rxdb/plugins/storage-memory')
  return openArchivedYear({ villageId: e.village, year, hubUrl: e.hubUrl, credentials: { device: e.device, secret: e.secret }, storage: getRxStorageMemory() })
}

async function watchStorage(): Promise<void> {
  const storage = navigator.storage
  if (!storage?.estimate) return
  await storage.persist?.().catch(() => false)
  const check = async () => {
    const { usage = 0, quota = 0 } = await storage.estimate()
    useSyncStore(pinia ?? undefined).storageUsed = quota > 0 ? usage / quota : null
  }
  await check()
  setInterval(() => { void check() }, 10 * 60_000)
}

export function installData(app: App): void {
  pinia = (app.config.globalProperties.$pinia as Pinia | undefined) ?? null
  window.addEventListener('online', () => running?.sync.start())
  window.addEventListener('offline', () => { void running?.sync.stop() })
  void watchStorage()
  const e = identity.loadEnrollment(kv)
  if (!e) return
  // Enrolled is known at once (the credential is on the device): home never says "not enrolled" while the database opens.
  useSessionStore(pinia ?? undefined).setEnrollment({ villageId: e.village, villageName: e.villageName ?? '', townshipName: e.townshipName ?? '', deviceId: e.device })
  opening = openVillage(e).catch((err: unknown) => { console.error('could not open the village database', err); return null })
}
