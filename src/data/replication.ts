/**
 * Live replication of a village's one collection with the hub's `/couch/village-<id>/`.
 * One collection = one long-poll per tab (the browser allows 6 HTTP/1.1 connections per origin;
 * at 6 live long-polls nothing syncs). Stopping cancels the replication and aborts in-flight
 * requests; starting again resumes from the checkpoints RxDB keeps locally. Errors back off
 * exponentially (1 s → 60 s). Deletions are never pushed (archiving a year removes it locally only).
 */
import { BehaviorSubject, type Observable } from 'rxjs'
import { replicateCouchDB, type RxCouchDBReplicationState } from 'rxdb/plugins/replication-couchdb'
import type { VillageDb } from './db'
import { abandonSilentRequests, pinLongPollStart } from './longpoll'
import type { YishiDoc } from '../shared/schemas'
import type { WithDeleted } from 'rxdb'

export interface HubCredentials { device: string; secret: string }

export interface SyncOptions {
  /** Hub origin ('' for same origin in the browser), e.g. http://127.0.0.1:8080 */
  hubUrl: string
  credentials: HubCredentials
  /** documents per push request (default 200) */
  batchSize?: number
  /** documents per pull request (default 500: fewer round trips on slow, high-latency links) */
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
  /** highest seq of this device the hub has confirmed */
  ackedSeq: number
  /** device clock minus the hub's clock (from the hub's Date header), null until known */
  clockSkewMs: number | null
}

/** More than this between the tablet's clock and the hub's: warn the clerk. */
export const SKEW_WARNING_MS = 5 * 60_000

/** An HTTP failure the replication retries; `message` is written for a person. */
export class HubError extends Error {
  override readonly name = 'HubError'
  constructor(readonly status: number, message: string) { super(message) }
}

export function plainReason(status: number, detail = ''): string {
  if (status === 0) return 'cannot reach the hub (no network, or the hub is off)'
  if (status === 401) return 'the hub does not accept this tablet\'s key (enrollment revoked or expired): enroll the tablet again'
  if (status === 403) return 'this tablet may not use this village on the hub'
  if (status === 404) return 'the village is not set up on the hub'
  if (status === 413) return 'a record is too large for the hub'
  if (status === 429) return 'the hub asks to wait (too many attempts)'
  if (status >= 500) return `the hub had a problem${detail ? `: ${detail}` : ''}`
  return `the hub answered ${status}${detail ? `: ${detail}` : ''}`
}

export function basicAuth(c: HubCredentials): string {
  const raw = `${c.device}:${c.secret}`
  const bytes = new TextEncoder().encode(raw)
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return `Basic ${btoa(bin)}`
}

/**
 * fetch with the device's credentials that throws on non-OK answers (RxDB's long-poll dies on a
 * 401/404 otherwise) and on network errors, and can abort everything in flight.
 */
export function hubFetch(credentials: HubCredentials, base: typeof fetch, signal: AbortSignal, onError: (e: HubError) => void, onResponse: (res: Response) => void = () => {}): typeof fetch {
  const auth = basicAuth(credentials)
  return async (input, init = {}) => {
    const headers = new Headers(init.headers)
    headers.set('Authorization', auth)
    headers.set('Accept', 'application/json')
    let res: Response
    try {
      res = await base(input, { ...init, headers, signal, credentials: 'omit' })
    } catch {
      const err = new HubError(0, signal.aborted ? 'sync stopped' : plainReason(0))
      if (!signal.aborted) onError(err)
      throw err
    }
    onResponse(res)
    if (!res.ok) {
      let detail = ''
      try { detail = String(((await res.json()) as { reason?: string }).reason ?? '') } catch { /* not json */ }
      const err = new HubError(res.status, plainReason(res.status, detail))
      onError(err)
      throw err
    }
    return res
  }
}

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

  constructor(readonly vdb: VillageDb, readonly deviceId: string, private readonly opts: SyncOptions) {
    this.now = opts.now ?? Date.now
    this.subject = new BehaviorSubject<SyncState>({ phase: 'stopped', lastSyncAt: null, lastError: null, ackedSeq: 0, clockSkewMs: null })
  }

  get state$(): Observable<SyncState> { return this.subject.asObservable() }
  get state(): SyncState { return this.subject.value }
  get running(): boolean { return this.replication !== null }

  /** Loads the persisted last-sync time and acknowledged seq. */
  async init(): Promise<this> {
    const saved = await this.vdb.db.getLocal<{ lastSyncAt: number | null; ackedSeq: number }>(STATE_KEY)
    if (saved) this.patch({ lastSyncAt: saved.get('lastSyncAt'), ackedSeq: saved.get('ackedSeq') })
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
          const { lastSyncAt, ackedSeq } = this.subject.value
          await this.vdb.db.upsertLocal(STATE_KEY, { lastSyncAt, ackedSeq }).catch(() => undefined)
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
    const onError = (e: HubError) => {
      this.retryTime = Math.min(MAX_RETRY, this.retryTime * 2)
      if (this.replication) this.replication.retryTime = this.retryTime
      this.patch({ phase: 'error', lastError: e.message })
    }
    const batchSize = this.opts.batchSize ?? 200
    const heartbeat = this.opts.heartbeat ?? 20_000
    const replication = replicateCouchDB<YishiDoc>({
      replicationIdentifier: `yishi-${this.vdb.villageId}-hub`,
      collection: this.vdb.docs,
      url,
      live: true,
      retryTime: this.retryTime,
      waitForLeadership: false,
      autoStart: true,
      fetch: pinLongPollStart(hubFetch(this.opts.credentials, abandonSilentRequests(this.opts.fetch ?? globalThis.fetch.bind(globalThis), 2 * heartbeat + 5_000, this.opts.requestTimeoutMs ?? 60_000), abort.signal, onError, (res) => this.noteHubTime(res)), abort.signal),
      // A record of an archived year that arrives anyway (the hub's echo of this tablet's own last
      // push, landing after the archive) is taken as deleted: the year stays off the tablet.
      pull: {
        batchSize: this.opts.pullBatchSize ?? 500, heartbeat,
        modifier: (d: WithDeleted<YishiDoc>) => (this.archived.has(d.year) && !d._deleted ? { ...d, _deleted: true } : d),
      },
      // Never push deletions: archiving a year removes it from this tablet only. (A modifier that
      // also dropped other devices' records would break updates: RxDB passes each row's assumed
      // master state through the same modifier.)
      push: { batchSize, modifier: (d: YishiDoc & { _deleted?: boolean }) => (d._deleted ? null : d) as YishiDoc },
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
        this.patch({ phase: 'idle', lastError: null, lastSyncAt: Date.now() })
        void this.persist()
      }
    })
    this.subs.push(sub)
  }

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
    const done = await Promise.race([
      r.awaitInSync().then(() => true, () => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs)),
    ])
    if (done && this.replication === r && this.subject.value.phase !== 'error') {
      this.patch({ phase: 'idle', lastError: null, lastSyncAt: Date.now(), ackedSeq: Math.max(this.subject.value.ackedSeq, mine) })
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
