import { createHash } from 'node:crypto'
import type { Db, Doc, Engine } from '../engine'
import { CouchError } from '../couch/errors'

export const LIMITS_DB = 'hub-limits'
const WINDOW_MS = 5 * 60_000
/** Failures allowed per window: per account name from one address, and per address in all. */
const MAX_PER_NAME = 10
const MAX_PER_ADDRESS = 100

interface Count { count: number; since: number }

const tooMany = () => new CouchError(429, 'too_many_requests', 'Too many failed logins; wait a few minutes and try again.')
const maxFor = (key: string) => (key.startsWith('ip:') ? MAX_PER_ADDRESS : MAX_PER_NAME)
const blocked = (key: string, c: Count | undefined, now: number) => c !== undefined && now - c.since < WINDOW_MS && c.count >= maxFor(key)
const bumped = (c: Count | undefined, now: number): Count => (!c || now - c.since >= WINDOW_MS ? { count: 1, since: now } : { count: c.count + 1, since: c.since })

/** Failed logins (and enrollment-code guesses) per client address and per name from it; too many → 429 for a while. */
export interface LoginLimits {
  /** Throws 429 when any of `keys` has had too many failures in the window. */
  check(keys: string[]): Promise<void>
  fail(keys: string[]): Promise<void>
  succeed(keys: string[]): Promise<void>
}

/** This process's own counts: enough when it is the only hub. */
export class MemoryLimits implements LoginLimits {
  private failures = new Map<string, Count>()

  async check(keys: string[]): Promise<void> {
    const now = Date.now()
    if (keys.some((k) => blocked(k, this.failures.get(k), now))) throw tooMany()
  }

  async fail(keys: string[]): Promise<void> {
    const now = Date.now()
    if (this.failures.size > 100_000) this.failures.clear() // bounded memory under a flood
    for (const key of keys) this.failures.set(key, bumped(this.failures.get(key), now))
  }

  async succeed(keys: string[]): Promise<void> { for (const key of keys) this.failures.delete(key) }
}

/**
 * Counts per key in fixed windows (the shape of issue 12's `Counters`, so its limits can use these
 * when hubs share a CouchDB).
 */
export interface Counters {
  /** Adds `n` to every key's count if each stays within its `max`, all or nothing: 0 when taken, else ms until the fullest key's window ends. */
  take(entries: readonly { key: string; max: number }[], n: number, windowMs: number): Promise<number>
  /** Takes `n` back from each key. */
  give(keys: readonly string[], n: number): Promise<void>
}

/**
 * Counts kept in CouchDB (`hub-limits`), shared by every hub process in front of it: guesses
 * spread over N hubs behind a load balancer meet one limit. One read per check, a write per
 * count (made against the stored revision: another hub's concurrent count is re-read and added
 * to, at most 5 times). Keys are stored hashed.
 */
export class CouchCounters implements Counters {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  private id(key: string): string { return `limit:${createHash('sha256').update(key).digest('hex').slice(0, 40)}` }

  private async read(keys: readonly string[]): Promise<((Doc & { count: number; until: number }) | null)[]> {
    const rows = (await this.db.byKeys(keys.map((k) => this.id(k)), { include_docs: true })).rows
    return keys.map((_, i) => (rows[i]?.doc ?? null) as (Doc & { count: number; until: number }) | null)
  }

  async take(entries: readonly { key: string; max: number }[], n: number, windowMs: number): Promise<number> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.now()
      const docs = await this.read(entries.map((e) => e.key))
      let wait = 0
      entries.forEach(({ max }, i) => {
        const d = docs[i]
        const live = d && d.until > now
        if ((live ? d.count : 0) + n > max) wait = Math.max(wait, live ? d.until - now : windowMs)
      })
      if (wait > 0 || n === 0) return wait
      const next = entries.map(({ key }, i) => {
        const d = docs[i]
        const live = d && d.until > now
        return { _id: this.id(key), ...(d?._rev ? { _rev: d._rev } : {}), count: (live ? d.count : 0) + n, until: live ? d.until : now + windowMs }
      })
      const res = await this.db.bulkDocs(next)
      if (!res.some((r) => 'error' in r && r.error === 'conflict')) return 0
      // another hub counted at the same time: what was written stays; the rest is counted again
      const written = new Set(res.flatMap((r) => ('ok' in r ? [r.id] : [])))
      entries = entries.filter(({ key }) => !written.has(this.id(key)))
    }
    return 0
  }

  async give(keys: readonly string[], n: number): Promise<void> {
    let pending = [...keys]
    for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
      const docs = await this.read(pending)
      const next = docs.flatMap((d) => (d?._rev ? [{ ...d, count: Math.max(0, d.count - n) }] : []))
      if (next.length === 0) return
      const res = await this.db.bulkDocs(next)
      const conflicted = new Set(res.flatMap((r) => ('error' in r && r.error === 'conflict' ? [r.id] : [])))
      pending = pending.filter((k) => conflicted.has(this.id(k)))
    }
  }
}

/** Login limits over shared counters: counted when a guess fails, checked before each. */
export class SharedLimits implements LoginLimits {
  constructor(private readonly counters: Counters) {}
  /** Blocked once a key's failures have reached its max (taking nothing fails only past the max given: hence max - 1). */
  async check(keys: string[]): Promise<void> {
    if (await this.counters.take(keys.map((key) => ({ key, max: maxFor(key) - 1 })), 0, WINDOW_MS) > 0) throw tooMany()
  }
  async fail(keys: string[]): Promise<void> { await this.counters.take(keys.map((key) => ({ key, max: Number.MAX_SAFE_INTEGER })), 1, WINDOW_MS) }
  async succeed(keys: string[]): Promise<void> { await this.counters.give(keys, Number.MAX_SAFE_INTEGER) }
}

/** Shared counts when other hub processes share the engine (CouchDB), this process's own otherwise. */
export async function loginLimits(engine: Engine): Promise<LoginLimits> {
  if (engine.soleWriter) return new MemoryLimits()
  await engine.create(LIMITS_DB)
  return new SharedLimits(new CouchCounters(engine.db(LIMITS_DB)))
}
