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
 * Counts kept in CouchDB (`hub-limits`), shared by every hub process in front of it: guesses
 * spread over N hubs behind a load balancer meet one limit. One read per login attempt (a
 * tablet's basic auth is remembered, so that is rare), a write per failure (retried against
 * another hub's concurrent one). Keys are stored hashed.
 */
export class SharedLimits implements LoginLimits {
  constructor(private readonly db: Db) {}

  private id(key: string): string { return `limit:${createHash('sha256').update(key).digest('hex').slice(0, 40)}` }

  async check(keys: string[]): Promise<void> {
    const now = Date.now()
    const rows = (await this.db.byKeys(keys.map((k) => this.id(k)), { include_docs: true })).rows
    if (keys.some((k, i) => blocked(k, (rows[i]?.doc ?? undefined) as Count | undefined, now))) throw tooMany()
  }

  async fail(keys: string[]): Promise<void> {
    const now = Date.now()
    let pending = keys
    for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
      const rows = (await this.db.byKeys(pending.map((k) => this.id(k)), { include_docs: true })).rows
      const docs = pending.map((k, i) => {
        const cur = rows[i]?.doc as (Doc & Count) | null | undefined
        return { _id: this.id(k), ...(cur?._rev ? { _rev: cur._rev } : {}), ...bumped(cur ?? undefined, now) }
      })
      const res = await this.db.bulkDocs(docs)
      pending = pending.filter((_, i) => { const r = res[i]; return r !== undefined && 'error' in r && r.error === 'conflict' })
    }
  }

  async succeed(keys: string[]): Promise<void> {
    const rows = (await this.db.byKeys(keys.map((k) => this.id(k)), {})).rows
    const gone = rows.filter((r) => r.value && !r.value.deleted).map((r) => ({ _id: r.key, _rev: r.value!.rev, _deleted: true }))
    if (gone.length > 0) await this.db.bulkDocs(gone)
  }
}

/** Shared counts when other hub processes share the engine (CouchDB), this process's own otherwise. */
export async function loginLimits(engine: Engine): Promise<LoginLimits> {
  if (engine.soleWriter) return new MemoryLimits()
  await engine.create(LIMITS_DB)
  return new SharedLimits(engine.db(LIMITS_DB))
}
