/**
 * How much work one request, one client or one village may ask of the hub: every cap in one place.
 * A request past a cap is answered in CouchDB's shape with a reason a client can act on — 413
 * `too_large` (ask for less), 429 `too_many_requests` with `Retry-After` (wait) — before the work
 * is done, never half-way. The caps sit well above what the app's own clients ask for: RxDB's
 * CouchDB plugin pushes and reads 200 records a request and pulls 500 (src/data/replication.ts),
 * PouchDB replicates 100–200, couchbackup restores 500 at a time.
 */
import { KEYS_WAITING_PER_VILLAGE } from '../src/shared/villagesigning'

export const LIMITS = {
  /** Documents in one `_bulk_docs` (and records in one carried export file). */
  docsPerBatch: 1000,
  /** Keys in one read: `_all_docs` keys, `_bulk_get` docs, `_revs_diff` ids, `_changes` doc_ids. */
  keysPerRead: 1000,
  /**
   * Records in one `_changes` answer with documents. Never cut shorter than asked below this:
   * RxDB's pull (500 a page) and the township view stop at a short page.
   */
  changesPerPage: 1000,
  /**
   * JSON of the records in one answer. A council year's page stops there (its client follows
   * `next`); a read that must answer every key it was given is refused with 413. The largest
   * record a village holds (a 512 KB body) always fits.
   */
  responseBytes: 8 * 1024 * 1024,
  /** A replication checkpoint (`_local` document). */
  localDocBytes: 64 * 1024,
  /** Records one account or tablet may have quarantined per window (each is also a notice every tablet pulls). */
  quarantinePerWindow: 1000,
  /** Bytes of refused records one account or tablet may have quarantined per window. */
  quarantineBytesPerWindow: 32 * 1024 * 1024,
  quarantineWindowMs: 3_600_000,
  /**
   * Quarantined records of a village judged again in one pass, after a push stores what they may rest
   * on (a person, a person key, a seal key, a vote: src/shared/rejudge.ts, couch/push.ts `retake`), the
   * newest first. The pass runs before the push is answered; 200 entries that stay refused cost it
   * about as much as judging a 200-record push (bench/personacts.ts).
   */
  quarantineRetakePerPass: 200,
  /** Requests one account or tablet may have in flight at once (a browser holds at most 6 per origin). */
  inFlightPerPrincipal: 16,
  /** Failed logins per window: per account from one address, per account in all, per address in all. */
  loginFailures: { perAccountAndAddress: 10, perAccount: 30, perAddress: 100, windowMs: 5 * 60_000 },
  /** Password checks (scrypt) running at once; more are asked to wait. Leaves libuv's pool to LevelDB. */
  passwordChecksInFlight: 2,
  /** Wrong enrollment codes per window: per address, and from everywhere together. */
  enrollFailures: { perAddress: 10, overall: 300, windowMs: 15 * 60_000 },
  /** Unused, unexpired enrollment codes per village (each is one more code a guesser might hit). */
  enrollCodesWaiting: 50,
  /** Body of an anonymous request (login, enrollment): nothing else is read before authentication. */
  anonymousBodyBytes: 4 * 1024,
  /** Unfinished photo uploads older than this are removed. */
  blobPartialTtlMs: 24 * 3_600_000,
  /** Unfinished photo uploads per village at once. */
  blobPartialsPerVillage: 50,
  /**
   * Person keys per village the hub keeps while their witnessing clerk's key has not reached it
   * (src/shared/villagesigning.ts, validate/waitingkeys.ts): each signs nothing until it does, but an
   * enrolled tablet could send many. A village sets up a few keys at a time; beyond this one is
   * refused (`personkey.too-many-waiting`).
   */
  keysWaitingPerVillage: KEYS_WAITING_PER_VILLAGE,
  /**
   * Of those, keys one tablet (or account) wrote: well below the village's room, so that one
   * tablet's keys whose witness never comes cannot fill it (`personkey.device-too-many-waiting`).
   */
  keysWaitingPerDevice: 10,
  /**
   * A waiting key takes room only this long after it reached the hub (the hub's clock, not the
   * time its record claims): junk whose witness never comes stops blocking by itself.
   */
  keysWaitingWindowMs: 14 * 24 * 3_600_000,
} as const

/**
 * Counts per key in fixed windows: failed logins, wrong enrollment codes, quarantined records.
 * Behind this small interface so that several hub processes can share one store (the in-memory
 * one below serves one process).
 */
export interface Counters {
  /**
   * Adds `n` to every key's count in its current window if each stays within its `max`, all or
   * nothing. Resolves 0 when taken, else the milliseconds until the fullest key's window ends.
   */
  take(entries: readonly { key: string; max: number }[], n: number, windowMs: number): Promise<number>
  /** Takes `n` back from each key (a login that succeeded, a write that did not happen). */
  give(keys: readonly string[], n: number): Promise<void>
}

/** Counters of one process. Bounded: expired windows are swept; when full of live ones, new keys wait. */
export class MemoryCounters implements Counters {
  private readonly counts = new Map<string, { count: number; until: number }>()

  constructor(private readonly maxKeys = 100_000, private readonly now: () => number = Date.now) {}

  async take(entries: readonly { key: string; max: number }[], n: number, windowMs: number): Promise<number> {
    const now = this.now()
    let wait = 0
    for (const { key, max } of entries) {
      const c = this.counts.get(key)
      const count = c && c.until > now ? c.count : 0
      if (count + n > max) wait = Math.max(wait, c && c.until > now ? c.until - now : windowMs)
    }
    if (wait > 0) return wait
    if (this.counts.size + entries.length > this.maxKeys) this.sweep(now)
    if (this.counts.size + entries.length > this.maxKeys) return windowMs
    for (const { key } of entries) {
      const c = this.counts.get(key)
      if (c && c.until > now) c.count += n
      else this.counts.set(key, { count: n, until: now + windowMs })
    }
    return 0
  }

  async give(keys: readonly string[], n: number): Promise<void> {
    for (const key of keys) {
      const c = this.counts.get(key)
      if (c) c.count = Math.max(0, c.count - n)
    }
  }

  private sweep(now: number): void {
    for (const [key, c] of this.counts) if (c.until <= now) this.counts.delete(key)
  }
}
