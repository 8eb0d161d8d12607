/**
 * Live replication of a village's one collection with the hub's `/couch/village-<id>/`.
 * One collection = one long-poll per tab (the browser allows 6 HTTP/1.1 connections per origin;
 * at 6 live long-polls nothing syncs). Stopping cancels the replication and aborts in-flight
 * requests; starting again resumes from the checkpoints RxDB keeps locally. Errors back off
 * exponentially (1 s → 60 s). Deletions are never pushed (archiving a year removes it locally only).
 * On a thin link (wire.ts, link.ts): request bodies go gzipped, one push batch at a time, and batch
 * sizes follow the link's measured speed; the state tells what is left to receive and what the tablet
 * knows of its link, for the sync screen's estimate.
 */
import { BehaviorSubject, type Observable } from 'rxjs'
import { replicateCouchDB, type RxCouchDBReplicationState } from 'rxdb/plugins/replication-couchdb'
import type { VillageDb } from './db'
import { abandonSilentRequests } from './longpoll'
import { catchUpPages } from './pages'
import { hubFetch, type HubCredentials, type HubError } from './hub'
import { LinkMeter, NO_FIGURES, type LinkFigures } from './link'
import { thinLinkFetch } from './wire'
import type { YishiDoc } from '@/shared/schemas'
import type { WithDeleted } from 'rxdb'

export { HubError, basicAuth, hubFetch, plainReason, type HubCredentials } from './hub'

export interface SyncOptions {
  /** Hub origin ('' for same origin in the browser), e.g. http://127.0.0.1:8080 */
  hubUrl: string
  credentials: HubCredentials
  /** documents per push request, fixed (default: from the link's measured speed, link.ts) */
  batchSize?: number
  /** documents per pull request, fixed (default: from the link's measured speed) */
  pullBatchSize?: number
  /** ms of long-poll heartbeat; default 20 s */
  heartbeat?: number
  /** a request that gets no answer (or no next chunk) for this long is given up and retried; default 60 s */
  requestTimeoutMs?: number
  /** underlying fetch (tests and the bench count requests and bytes through it) */
  fetch?: typeof fetch
  /** device clock (tests pass a wrong one) */
  now?: () => number
}

export type SyncPhase = 'stopped' | 'syncing' | 'idle' | 'error'
export interface SyncState {
  phase: SyncPhase
  /** last time push and pull were both complete (ms, device clock), persisted */
  lastSyncAt: number | null
  /** plain-words reason of the last failure, null when the last attempt worked */
  lastError: string | null
  /** the hub's answer to the failed request (0: not reached), for the screens to word the failure; null when it worked */
  lastErrorStatus?: number | null
  /** highest seq of this device the hub has confirmed */
  ackedSeq: number
  /** device clock minus the hub's clock (from the hub's Date header), null until known */
  clockSkewMs: number | null
  /** what the tablet measured of its link to the hub (link.ts), persisted */
  link: LinkFigures
  /** records the hub still had for this tablet at the last page of the pull; null until a page came */
  toReceive: number | null
}

/** More than this between the tablet's clock and the hub's: warn the clerk. */
export const SKEW_WARNING_MS = 5 * 60_000

const STATE_KEY = 'sync-state'
/** Local document listing the years archived off this tablet (written by carry.ts archiveYear). */
export const ARCHIVED_YEARS_KEY = 'archived-years'
const MIN_RETRY = 1_000
const MAX_RETRY = 60_000

export class VillageSync {
  private replication: RxCouchDBReplicationState<YishiDoc> | null = null
  private abort: AbortController | null = null
  private readonly subject: BehaviorSubject<SyncState>
  private subs: { unsubscribe(): void }[] = []
  private retryTime = MIN_RETRY
  /** Years archived off this tablet (carry.ts): their records must not come back through the pull. */
  private archived = new Set<number>()
  private archivedSub: { unsubscribe(): void } | null = null

  private readonly now: () => number
  private meter = new LinkMeter()

  constructor(readonly vdb: VillageDb, readonly deviceId: string, private readonly opts: SyncOptions) {
    this.now = opts.now ?? Date.now
    this.subject = new BehaviorSubject<SyncState>({ phase: 'stopped', lastSyncAt: null, lastError: null, ackedSeq: 0, clockSkewMs: null, link: NO_FIGURES, toReceive: null })
  }

  get state$(): Observable<SyncState> { return this.subject.asObservable() }
  get state(): SyncState { return this.subject.value }
  get running(): boolean { return this.replication !== null }

  /** Loads the persisted last-sync time, acknowledged seq and link figures. */
  async init(): Promise<this> {
    const saved = await this.vdb.db.getLocal<{ lastSyncAt: number | null; ackedSeq: number; link?: LinkFigures }>(STATE_KEY)
    if (saved) {
      this.meter = new LinkMeter(saved.get('link') ?? null)
      this.patch({ lastSyncAt: saved.get('lastSyncAt'), ackedSeq: saved.get('ackedSeq'), link: this.meter.figures })
    }
    this.archivedSub = this.vdb.db.getLocal$<{ years: number[] }>(ARCHIVED_YEARS_KEY).subscribe((d) => { this.archived = new Set(d?.get('years') ?? []) })
    this.vdb.db.onClose.push(() => { this.archivedSub?.unsubscribe(); this.archivedSub = null })
    return this
  }

  private patch(p: Partial<SyncState>): void {
    this.subject.next({ ...this.subject.value, ...p })
  }

  private persistRun: Promise<void> | null = null
  private persistDirty = false

  /**
   * Saves the last-sync time and acknowledged seq. Calls while a save is running coalesce into
   * one more save of the latest state (a push of 10,000 records acknowledged each one: 940
   * writes of this one local document competed with the replication's own storage writes).
   * The promise resolves once the state as of the call is saved.
   */
  private persist(): Promise<void> {
    this.persistDirty = true
    this.persistRun ??= (async () => {
      try {
        while (this.persistDirty) {
          this.persistDirty = false
          const { lastSyncAt, ackedSeq, link } = this.subject.value
          await this.vdb.db.upsertLocal(STATE_KEY, { lastSyncAt, ackedSeq, link }).catch(() => undefined)
        }
      } finally { this.persistRun = null }
    })()
    return this.persistRun
  }

  private ackQueued = 0

  /** A record of this device reached the hub: one state update per push batch (RxDB reports each record). */
  private noteSent(seq: number): void {
    if (seq <= Math.max(this.subject.value.ackedSeq, this.ackQueued)) return
    const first = this.ackQueued === 0
    this.ackQueued = seq
    if (!first) return
    queueMicrotask(() => {
      const acked = this.ackQueued
      this.ackQueued = 0
      if (acked > this.subject.value.ackedSeq) { this.patch({ ackedSeq: acked }); void this.persist() }
    })
  }

  /** Starts live replication (idempotent). Resumes from the local checkpoints. */
  start(): void {
    if (this.replication) return
    const abort = new AbortController()
    this.abort = abort
    const url = `${this.opts.hubUrl.replace(/\/$/, '')}/couch/village-${this.vdb.villageId}/`
    // Backs off once per failed round, not per failed request: a drop failed every request under way
    // (a push batch, its queued successors, a pull page and the long-poll) and each doubled the wait,
    // so the replication slept up to a minute after the link was back.
    let backedOffAt = -Infinity
    const onError = (e: HubError) => {
      if (Date.now() - backedOffAt >= this.retryTime) {
        backedOffAt = Date.now()
        this.retryTime = Math.min(MAX_RETRY, this.retryTime * 2)
        if (this.replication) this.replication.retryTime = this.retryTime
      }
      this.patch({ phase: 'error', lastError: e.message, lastErrorStatus: e.status })
    }
    const heartbeat = this.opts.heartbeat ?? 20_000
    const meter = this.meter
    // the measured figures of an earlier start are a guess until this one has measured the link again
    meter.newSession()
    const patient = abandonSilentRequests(this.opts.fetch ?? globalThis.fetch.bind(globalThis), 2 * heartbeat + 5_000, this.opts.requestTimeoutMs ?? 60_000, (bytes) => meter.uploadAllowanceMs(bytes))
    const base = thinLinkFetch(patient, meter)
    const authed = hubFetch(this.opts.credentials, base, abort.signal, onError, (res) => this.noteHubTime(res))
    // the size of each pull page is decided as it goes out, and RxDB's "was it full?" check is told
    const paged = catchUpPages(authed, {
      signal: abort.signal,
      ...(this.opts.pullBatchSize ? {} : { size: () => meter.pullBatchSize() }),
      sized: (n) => { const input = this.replication?.internalReplicationState?.input; if (input) input.pullBatchSize = n },
      onPage: (page) => { meter.page(page.records); this.patch({ toReceive: page.pending }) },
    })
    meter.changed = () => {
      const input = this.replication?.internalReplicationState?.input
      if (input && !this.opts.batchSize) input.pushBatchSize = meter.pushBatchSize()
      this.patch({ link: meter.figures })
    }
    const replication = replicateCouchDB<YishiDoc>({
      replicationIdentifier: `yishi-${this.vdb.villageId}-hub`,
      collection: this.vdb.docs,
      url,
      live: true,
      retryTime: this.retryTime,
      waitForLeadership: false,
      autoStart: true,
      fetch: paged,
      // A record of an archived year that arrives anyway (the hub's echo of this tablet's own last
      // push, landing after the archive) is taken as deleted: the year stays off the tablet.
      pull: {
        batchSize: this.opts.pullBatchSize ?? meter.pullBatchSize(), heartbeat,
        modifier: (d: WithDeleted<YishiDoc>) => (this.archived.has(d.year) && !d._deleted ? { ...d, _deleted: true } : d),
      },
      // Never push deletions: archiving a year removes it from this tablet only. (A modifier that
      // also dropped other devices' records would break updates: RxDB passes each row's assumed
      // master state through the same modifier.)
      push: { batchSize: this.opts.batchSize ?? meter.pushBatchSize(), modifier: (d: YishiDoc & { _deleted?: boolean }) => (d._deleted ? null : d) as YishiDoc },
    })
    this.replication = replication
    this.patch({ phase: 'syncing' })
    this.subs.push(replication.sent$.subscribe((d) => {
      if (d.device === this.deviceId) this.noteSent(d.seq)
    }))
    this.subs.push(replication.active$.subscribe((active) => {
      if (active) { if (this.subject.value.phase !== 'error') this.patch({ phase: 'syncing' }) }
    }))
    void this.markInSyncLoop(replication)
  }

  /** Waits for each quiet moment of the replication and records it as a successful sync. */
  private async markInSyncLoop(replication: RxCouchDBReplicationState<YishiDoc>): Promise<void> {
    try {
      await replication.awaitInitialReplication()
    } catch { return }
    const sub = replication.active$.subscribe((active) => {
      if (!active && this.replication === replication) {
        this.retryTime = MIN_RETRY
        replication.retryTime = MIN_RETRY
        this.patch({ phase: 'idle', lastError: null, lastErrorStatus: null, lastSyncAt: Date.now() })
        void this.persist()
      }
    })
    this.subs.push(sub)
  }

  /** The network went away (the browser says it is offline): how long the link had been up is remembered. */
  linkLost(): void { this.meter.dropped() }

  /** Stops cleanly: cancels the replication and aborts requests in flight (long-poll included). */
  async stop(): Promise<void> {
    const r = this.replication
    if (!r) return
    this.replication = null
    for (const s of this.subs) s.unsubscribe()
    this.subs = []
    this.abort?.abort()
    await r.cancel().catch(() => undefined)
    this.patch({ phase: 'stopped' })
  }

  /** "Sync now": starts if needed, asks the hub for changes and waits (bounded) until in sync. */
  async syncNow(timeoutMs = 60_000): Promise<boolean> {
    const fresh = !this.replication
    this.start()
    const r = this.replication!
    // Everything this device wrote before now is on the hub once the replication is in sync —
    // also records whose push answer was lost and that RxDB then settled as "already there"
    // (no `sent$` for those: the pending count stayed stuck above zero).
    const mine = await this.highestOwnSeq(this.subject.value.ackedSeq)
    this.retryTime = MIN_RETRY
    r.retryTime = MIN_RETRY
    // A replication just started runs its first catch-up and push anyway; asking again made it walk
    // the hub's feed a second time after the push (on a first sync, every record it had just sent).
    if (!fresh) r.reSync()
    let timer: ReturnType<typeof setTimeout> | undefined
    const done = await Promise.race([
      r.awaitInSync().then(() => true, () => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs) }),
    ]).finally(() => clearTimeout(timer))
    if (done && this.replication === r && this.subject.value.phase !== 'error') {
      this.patch({ phase: 'idle', lastError: null, lastErrorStatus: null, lastSyncAt: Date.now(), ackedSeq: Math.max(this.subject.value.ackedSeq, mine) })
      await this.persist()
    }
    return done && this.subject.value.phase !== 'error'
  }

  /**
   * The highest seq among this device's records (at least `floor`), found with index counts only:
   * a query sorted by seq descending walked every record of the device through an IndexedDB cursor
   * (1.5 s for 10,000 records on a tablet, at every "sync now"). Seqs are integers that strictly
   * increase, nearly always without gaps, so this usually takes three counts; with gaps (archived
   * years) an exponential then binary search, bounded by the seq range.
   */
  private async highestOwnSeq(floor: number): Promise<number> {
    const above = (x: number) => this.vdb.docs.count({ selector: { device: this.deviceId, seq: { $gt: x } } }).exec()
    const n = await above(floor)
    if (n === 0) return floor
    let lo = floor // above(lo) > 0
    let hi = floor + n // a guess, right when seqs have no gaps
    for (let i = 0; i < 64 && (await above(hi)) > 0; i++) { lo = hi; hi = floor + 2 * (hi - floor) }
    if (hi - lo > 1 && (await above(hi - 1)) > 0) return hi
    for (let i = 0; i < 64 && hi - lo > 1; i++) {
      const mid = Math.floor((lo + hi) / 2)
      if ((await above(mid)) > 0) lo = mid
      else hi = mid
    }
    return hi
  }

  private noteHubTime(res: Response): void {
    const date = res.headers.get('date')
    const hub = date ? Date.parse(date) : NaN
    if (Number.isNaN(hub)) return
    // the Date header has 1 s resolution: keep the estimate to whole seconds
    const skew = Math.round((this.now() - hub) / 1000) * 1000
    if (skew !== this.subject.value.clockSkewMs) this.patch({ clockSkewMs: skew })
  }

  /** True when the tablet's clock is off from the hub's by more than a few minutes. */
  get clockWrong(): boolean {
    const s = this.subject.value.clockSkewMs
    return s !== null && Math.abs(s) > SKEW_WARNING_MS
  }

  /** Local changes of this device the hub has not confirmed yet. */
  async pendingCount(): Promise<number> {
    return this.vdb.docs.count({ selector: { device: this.deviceId, seq: { $gt: this.subject.value.ackedSeq } } }).exec()
  }
}

/** Creates the village's sync controller with its persisted state (does not start it). */
export async function createSync(vdb: VillageDb, deviceId: string, opts: SyncOptions): Promise<VillageSync> {
  return new VillageSync(vdb, deviceId, opts).init()
}
