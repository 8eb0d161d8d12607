import { createHash } from 'node:crypto'
import type { Db, Doc, Engine, Row } from './engine'
import { MemoryCounters, type Counters } from './limits'

export const LIMITS_DB = 'hub-limits'
/** Writes one count makes against the stored revision before it gives up (another hub kept counting). */
const ATTEMPTS = 5
/** What a count that could not be made answers: wait a moment (never let it through uncounted). */
const BUSY_MS = 1000
/** Documents one page of a sweep reads. */
const SWEEP_PAGE = 500
/** Pages one sweep reads at most (it runs every SWEEP_EVERY_MS, so a backlog clears over a few sweeps). */
const SWEEP_PAGES = 20
const SWEEP_EVERY_MS = 3_600_000

type Stored = Doc & { count: number; until: number }

/**
 * Counts kept in CouchDB (`hub-limits`), shared by every hub process in front of it: guesses or
 * refused records spread over N hubs behind a load balancer meet one limit. One read per take, a
 * write per count, made against the stored revision: another hub's concurrent count is re-read
 * and added to, at most ATTEMPTS times; past that the take is refused (a short wait), so parallel
 * guesses cannot slip through uncounted. Keys are stored hashed.
 */
export class CouchCounters implements Counters {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  private id(key: string): string { return `limit:${createHash('sha256').update(key).digest('hex').slice(0, 40)}` }

  private async read(keys: readonly string[]): Promise<(Stored | null)[]> {
    const rows = (await this.db.byKeys(keys.map((k) => this.id(k)), { include_docs: true })).rows
    return keys.map((_, i) => (rows[i]?.doc ?? null) as Stored | null)
  }

  async take(entries: readonly { key: string; max: number }[], n: number, windowMs: number): Promise<number> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
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
      if (!res.some((r) => 'error' in r)) return 0
      // another hub counted at the same time: what was written stays counted; the rest is counted again
      const written = new Set(res.flatMap((r) => ('ok' in r ? [r.id] : [])))
      entries = entries.filter(({ key }) => !written.has(this.id(key)))
    }
    return BUSY_MS
  }

  /**
   * Deletes counts whose window ended (a key seen once — an address, a guessed name — would
   * otherwise stay forever): reads at most `pages` pages of SWEEP_PAGE documents. A count another
   * hub updates meanwhile is left for the next sweep (its delete meets a conflict).
   */
  async sweep(pages: number): Promise<number> {
    let removed = 0
    let startkey: string | undefined = 'limit:'
    for (let page = 0; page < pages && startkey !== undefined; page++) {
      const rows: Row[] = (await this.db.allDocs({ include_docs: true, startkey, endkey: 'limit:\ufff0', limit: SWEEP_PAGE + 1 })).rows
      startkey = rows.length > SWEEP_PAGE ? rows[SWEEP_PAGE]!.id : undefined
      const now = this.now()
      const ended = rows.slice(0, SWEEP_PAGE).flatMap((r) => {
        const d = r.doc as Stored | null | undefined
        return d?._rev && d.until <= now ? [{ _id: d._id, _rev: d._rev, _deleted: true }] : []
      })
      if (ended.length > 0) removed += (await this.db.bulkDocs(ended)).filter((r) => 'ok' in r).length
    }
    return removed
  }

  async give(keys: readonly string[], n: number): Promise<void> {
    let pending = [...keys]
    for (let attempt = 0; attempt < ATTEMPTS && pending.length > 0; attempt++) {
      const docs = await this.read(pending)
      const next = docs.flatMap((d) => (d?._rev ? [{ ...d, count: Math.max(0, d.count - n) }] : []))
      if (next.length === 0) return
      const res = await this.db.bulkDocs(next)
      const conflicted = new Set(res.flatMap((r) => ('error' in r ? [r.id] : [])))
      pending = pending.filter((k) => conflicted.has(this.id(k)))
    }
  }
}

/**
 * The counts behind the hub's limits (failed logins, enrollment-code guesses, quarantine
 * shares): in CouchDB when other hub processes share the engine, this process's memory when it is
 * the only writer.
 */
export async function countersFor(engine: Engine, log: { warn(o: object, msg: string): void }): Promise<{ counters: Counters; stop: () => void }> {
  if (engine.soleWriter) return { counters: new MemoryCounters(), stop: () => undefined }
  await engine.create(LIMITS_DB)
  const counters = new CouchCounters(engine.db(LIMITS_DB))
  // ended windows are deleted once an hour (every hub sweeps; a conflict just leaves a document to the next)
  const timer = setInterval(() => { void counters.sweep(SWEEP_PAGES).catch((err: unknown) => log.warn({ err }, 'could not sweep ended limit counts')) }, SWEEP_EVERY_MS)
  timer.unref()
  return { counters, stop: () => clearInterval(timer) }
}
