/**
 * This tablet: its enrollment in a village, the village database it opens (RxDB on IndexedDB via
 * Dexie), replication while online, its clerks' PINs, and what the device screens do (carry a
 * file, archive a year, read an archived one). src/modules/data.ts starts it with the app; the
 * session and sync stores are fed from here. Identity rules: src/data/identity.ts.
 */
import { defineStore, getActivePinia, type Pinia } from 'pinia'
import { debounceTime, startWith, Subscription } from 'rxjs'
import type { PhotoStore, Repositories, VillageDb, VillageSync } from '@/data'
import * as identity from '@/data/identity'
import { useSessionStore } from './session'
import { useSyncStore } from './sync'
import type { PeerTrust } from '@/data/peer/trust'

interface Running { vdb: VillageDb; data: Repositories; sync: VillageSync; photos: PhotoStore; subs: Subscription[] }
interface VillageStore { attach(r: Repositories, opts: { kv: identity.KeyValue; peerTrust?: () => Promise<PeerTrust | null> }): void }

/**
 * The stores that read the open village, each given its repositories once the database is open.
 * Loaded then, not before: they pull in RxDB and the domain, which the home screen must not wait for.
 */
const VILLAGE_STORES: (() => Promise<(pinia?: Pinia) => VillageStore>)[] = [
  () => import('./roster').then((m) => m.useRosterStore),
  () => import('./proposals').then((m) => m.useProposalsStore),
  () => import('./cycle').then((m) => m.useCycleStore),
  () => import('./meetings').then((m) => m.useMeetingsStore),
  () => import('./notices').then((m) => m.useNoticesStore),
  () => import('./votes').then((m) => m.useVotesStore),
  () => import('./conflicts').then((m) => m.useConflictsStore),
  () => import('./seals').then((m) => m.useSealsStore),
  () => import('./accounts').then((m) => m.useAccountsStore),
  () => import('./supervision').then((m) => m.useSupervisionStore),
  () => import('./acting').then((m) => m.useActingStore),
  () => import('./peer').then((m) => m.usePeerStore),
  () => import('./deviceNames').then((m) => m.useDeviceNamesStore),
  () => import('./quarantine').then((m) => m.useQuarantineStore),
]

/** Where this tablet keeps its enrollment and its clerks' PIN hashes. */
const kv: identity.KeyValue = globalThis.localStorage ?? identity.memoryKeyValue()

/** Whether this tablet has been enrolled in a village (its credential is kept on the device). */
export function isEnrolled(): boolean {
  return identity.loadEnrollment(kv) !== null
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

export const useDeviceStore = defineStore('device', () => {
  let running: Running | null = null
  /** The village being opened at start-up (screens opened first thing wait for it). */
  let opening: Promise<Running | null> = Promise.resolve(null)
  /** The app's Pinia: the village stores are attached in it, after the awaits that open the database. */
  const pinia = getActivePinia()
  const session = useSessionStore()
  const syncStore = useSyncStore()

  async function attachStores(data: Repositories, peerTrust: () => Promise<PeerTrust | null>): Promise<void> {
    for (const use of await Promise.all(VILLAGE_STORES.map((load) => load()))) use(pinia).attach(data, { kv, peerTrust })
  }

  async function openVillage(e: identity.DeviceEnrollment): Promise<Running> {
    if (running) return running
    quietStorageAdvert()
    const { openVillageDatabase, createRepositories, createSync, refusalLines, indexedDbPhotoStore, uploadPhotosAfterRecords, photoResolver, deviceSigner, noteUnsignedUpTo } = await import('@/data')
    const { usePhotosStore } = await import('./support/photos')
    const { getRxStorageDexie } = await import('rxdb/plugins/storage-dexie')
    const vdb = await openVillageDatabase({ villageId: e.village, storage: getRxStorageDexie() })
    // every record is signed with the device key (made now for a tablet enrolled before keys existed)
    const data = await createRepositories(vdb, { villageId: e.village, deviceId: e.device, actor: () => session.personId || e.device, signer: deviceSigner(kv, e.device) })
    noteUnsignedUpTo(kv, e.device, data.writer.initialSeq)
    const sync = await createSync(vdb, e.device, { hubUrl: e.hubUrl, credentials: { device: e.device, secret: e.secret } })
    const subs: Subscription[] = []
    const refreshPending = async () => { syncStore.pending = await sync.pendingCount() }
    subs.push(sync.state$.subscribe((s) => { syncStore.update(s); void refreshPending() }))
    subs.push(vdb.docs.$.pipe(debounceTime(300), startWith(null)).subscribe(() => { void refreshPending() }))
    subs.push(data.rejections.list$().subscribe((r) => { syncStore.refusals = refusalLines(r, e.device) }))
    subs.push(data.ballotBox.count$().subscribe((n) => { syncStore.boxed = n }))
    subs.push(data.unsaved$.subscribe((n) => { syncStore.unsaved = n }))
    subs.push(data.villages.get$(e.village).subscribe((v) => {
      session.setEnrollment({ villageId: e.village, villageName: v?.name ?? e.villageName ?? e.village, townshipName: e.townshipName ?? v?.townshipId ?? '', deviceId: e.device })
    }))
    syncStore.connect(() => sync.syncNow(60_000))
    // Photos wait in IndexedDB until the hub's blob route has them; uploaded whenever sync goes quiet
    // with no record of this tablet waiting (records first, on a thin link above all).
    // Photos taken on other tablets are fetched from the hub when shown (one resolver for every
    // screen); those not found yet are tried again after each sync and when the network returns.
    const photos = indexedDbPhotoStore(e.village)
    const credentials = { device: e.device, secret: e.secret }
    const photoStore = usePhotosStore(pinia)
    photoStore.connect(photoResolver(photos, { hubUrl: e.hubUrl, villageId: e.village, credentials, online: () => navigator.onLine }))
    const uploads = uploadPhotosAfterRecords(sync, { hubUrl: e.hubUrl, villageId: e.village, credentials, store: photos }, () => photoStore.retry())
    subs.push(new Subscription(() => uploads.stop()))
    let keysCheckedAt = 0
    subs.push(sync.state$.subscribe((s) => {
      if (s.phase !== 'idle' || Date.now() - keysCheckedAt < 10 * 60_000) return
      keysCheckedAt = Date.now()
      void refreshKeys(e)
    }))
    running = { vdb, data, sync, photos, subs }
    // pairing with another tablet checks it, and its records, with this tablet's device trust
    await attachStores(data, async () => (await import('@/data/peer/deviceTrust')).deviceTrust(kv, vdb, e.device))
    if (navigator.onLine) sync.start()
    return running
  }

  /**
   * Registers this tablet's key once (enrolled before keys existed) and fetches the village's list of
   * device keys with revocations (after a sync, at most every 10 minutes): what peers and imported files
   * are checked against. Failures wait for the next time.
   */
  async function refreshKeys(e: identity.DeviceEnrollment): Promise<void> {
    const { registerDeviceKey, refreshTrust } = await import('@/data')
    const link = { device: e.device, secret: e.secret, village: e.village, hubUrl: e.hubUrl }
    await registerDeviceKey(kv, link).then(() => refreshTrust(kv, link)).catch((err: unknown) => { console.warn('device keys not refreshed', err) })
  }

  /** Opens the enrolled village, if this tablet is enrolled (the app calls it once, at start). */
  function start(): void {
    const e = identity.loadEnrollment(kv)
    if (!e) return
    // Enrolled is known at once (the credential is on the device): home never says "not enrolled" while the database opens.
    session.setEnrollment({ villageId: e.village, villageName: e.villageName ?? '', townshipName: e.townshipName ?? '', deviceId: e.device })
    opening = openVillage(e).catch((err: unknown) => { console.error('could not open the village database', err); return null })
  }

  /** Replication follows the network: on when the browser is online, off when not. */
  function online(on: boolean): void {
    if (on) running?.sync.start()
    else { running?.sync.linkLost(); void running?.sync.stop() }
  }

  /** Redeems an enrollment code at the hub (same origin unless `hubUrl`), then opens the village. */
  async function enroll(code: string, label: string, hubUrl = ''): Promise<void> {
    const e = await identity.enrollDevice(kv, { hubUrl, code, label })
    await openVillage(e)
  }

  /** A clerk's PIN typed on the unlock screen: they act (./acting.ts) until their window passes or they lock. */
  async function unlock(pin: string): Promise<identity.UnlockResult> {
    const r = await identity.unlockWithPin(kv, pin)
    if (r.ok) {
      const { useActingStore } = await import('./acting')
      const acting = useActingStore(pinia)
      acting.begin({ id: r.personId, name: acting.nameOf(r.personId) || r.name, roles: ['clerk'] })
    }
    return r
  }

  async function setClerkPin(clerk: { personId: string; name: string }, pin: string): Promise<void> {
    await identity.setClerkPin(kv, clerk, pin)
  }

  const clerks = () => identity.clerks(kv)

  /** This tablet's changes the hub has not confirmed, as a signed JSON file (for carrying by hand). */
  async function exportUnsyncedFile(): Promise<{ name: string; blob: Blob; count: number } | null> {
    const e = identity.loadEnrollment(kv)
    if (!running || !e) return null
    const { exportUnsynced, deviceSigner, myCertificate } = await import('@/data')
    const bundle = await exportUnsynced(running.vdb, running.data.writer, { signer: deviceSigner(kv, e.device), certificate: myCertificate(kv) }, running.sync.state.ackedSeq)
    const stamp = new Date(bundle.createdAt).toISOString().slice(0, 16).replace(/[-:T]/g, '')
    return { name: `yishi-${e.village}-${e.device}-${stamp}.json`, blob: new Blob([JSON.stringify(bundle)], { type: 'application/json' }), count: bundle.docs.length }
  }

  /** Imports another tablet's export file: same checks as a push; importing twice changes nothing. */
  async function importFile(file: Blob) {
    if (!running) return null
    const { importBundle, loadTrust, keepCertificate } = await import('@/data')
    const raw = JSON.parse(await file.text()) as { certificate?: unknown }
    const report = await importBundle(running.vdb, raw, await loadTrust(kv, running.vdb.villageId))
    // the file's tablet, once checked, is known from now on (and its certificate handed on to peers)
    if (raw.certificate) await keepCertificate(kv, running.vdb.villageId, raw.certificate)
    return report
  }

  /** The council years this tablet holds (newest first, with record counts) and those archived off it. */
  async function tabletYears() {
    await opening
    if (!running) return null
    const { yearsOnTablet, archivedYears } = await import('@/data')
    return { years: await yearsOnTablet(running.vdb), archived: await archivedYears(running.vdb) }
  }

  /** Archives a closed year off this tablet (it stays on the hub); throws DataError with the reason. */
  async function archiveTabletYear(year: number): Promise<number> {
    await opening
    if (!running) throw new Error('This tablet has no village database open yet')
    const { archiveYear } = await import('@/data')
    return archiveYear(running.vdb, running.data.writer, year, running.sync.state.ackedSeq)
  }

  /** Fetches an archived year from the hub, read-only, kept in memory until closed. Needs the network. */
  async function openArchive(year: number) {
    const e = identity.loadEnrollment(kv)
    if (!e) throw new Error('This tablet is not enrolled')
    const { openArchivedYear, HubError, plainReason } = await import('@/data')
    if (!navigator.onLine) throw new HubError(0, plainReason(0))
    const { getRxStorageMemory } = await import('rxdb/plugins/storage-memory')
    return openArchivedYear({ villageId: e.village, year, hubUrl: e.hubUrl, credentials: { device: e.device, secret: e.secret }, storage: getRxStorageMemory() })
  }

  /** The hub keys this tablet pinned (null before it reached the hub): they certify the clerks' keys. */
  async function hubKeys() {
    const { pinnedHubKeys } = await import('@/data/devicekeys')
    return pinnedHubKeys(kv)
  }

  /** Asks the hub to certify a clerk's new key, signed in with the clerk's or the township's account (src/data/personkeys.ts). */
  async function certifyClerkKey(account: { name: string; password: string }, key: { personId: string; publicKey: string }) {
    const e = identity.loadEnrollment(kv)
    if (!e) throw new Error('This tablet is not enrolled')
    const { certifyClerkKey: certify } = await import('@/data/personkeys')
    return certify({ hubUrl: e.hubUrl, village: e.village, hubKeys: await hubKeys() }, account, key)
  }

  return { start, online, enroll, unlock, setClerkPin, clerks, exportUnsyncedFile, importFile, tabletYears, archiveTabletYear, openArchive, hubKeys, certifyClerkKey }
})
