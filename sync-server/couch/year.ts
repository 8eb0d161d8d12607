import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Accounts } from '../auth/accounts'
import { requireDb } from '../auth/access'
import { DB_NAME, type Db, type Engine } from '../engine'
import { badRequest, notFound } from './errors'
import { LIMITS } from '../limits'

export interface YearDeps { accounts: Accounts; engine: Engine }

type Doc = Record<string, unknown> & { _id: string; year?: unknown }

/**
 * Which ids belong to which council year, per database: built once from the database's change
 * feed, then brought up to date from where it stopped (only the changes since the last query).
 * Works the same on both engines (the PouchDB API). ~100 bytes per document in memory.
 */
class YearIndex {
  private readonly yearOf = new Map<string, number>()
  private readonly byYear = new Map<number, Set<string>>()
  private since: string | number = 0
  private running: Promise<void> = Promise.resolve()

  constructor(private readonly db: Db) {}

  /** The sorted ids of `year`, after reading whatever changed since the last call. */
  async ids(year: number): Promise<string[]> {
    this.running = this.running.catch(() => undefined).then(() => this.catchUp())
    await this.running
    return [...(this.byYear.get(year) ?? [])].sort()
  }

  private async catchUp(): Promise<void> {
    for (let page = 0; page < 100_000; page++) {
      const res = await this.db.changes({ since: this.since, include_docs: true, limit: 1000, style: 'main_only' })
      for (const row of res.results) {
        const doc = row.doc as Doc | undefined
        this.drop(row.id)
        if (!row.deleted && doc && typeof doc.year === 'number' && !row.id.startsWith('_')) this.add(row.id, doc.year)
      }
      this.since = res.last_seq
      if (res.results.length < 1000) return
    }
  }

  private add(id: string, year: number): void {
    this.yearOf.set(id, year)
    let ids = this.byYear.get(year)
    if (!ids) { ids = new Set(); this.byYear.set(year, ids) }
    ids.add(id)
  }

  private drop(id: string): void {
    const year = this.yearOf.get(id)
    if (year === undefined) return
    this.yearOf.delete(id)
    this.byYear.get(year)?.delete(id)
  }
}

const indexes = new Map<string, { db: Db; index: YearIndex }>()
function indexOf(engine: Engine, name: string): YearIndex {
  const db = engine.db(name)
  let entry = indexes.get(name)
  // a deleted and re-created database is a new Db object: start over
  if (!entry || entry.db !== db) { entry = { db, index: new YearIndex(db) }; indexes.set(name, entry) }
  return entry.index
}

const MAX_LIMIT = 1000

/**
 * One council year of a village database, for a tablet that archived it and wants to look at it
 * again: `GET /couch/{db}/_year/{year}?limit=500&after=<last id of the previous page>` →
 * `{ year, total, docs, next }` (docs in id order, CouchDB form; `next` is the `after` of the next
 * page, null on the last). Who may read the database may read its years (401 / 403 otherwise).
 * Answers are compressed like every JSON answer of the hub.
 */
export const yearRoutes: FastifyPluginAsync<YearDeps> = async (app, { accounts, engine }) => {
  app.get('/:db/_year/:year', async (req: FastifyRequest) => {
    const { db: name, year: rawYear } = req.params as { db: string; year: string }
    if (!DB_NAME.test(name)) throw badRequest('bad database name')
    requireDb(accounts, req.principal, name)
    if (!/^\d{4}$/.test(rawYear)) throw badRequest('the year is four digits, e.g. 2025')
    const q = req.query as Record<string, string | undefined>
    const limit = q.limit === undefined ? 500 : Number(q.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}`)
    const after = q.after ?? ''
    if (!(await engine.exists(name))) throw notFound('Database does not exist.')

    const year = Number(rawYear)
    const ids = await indexOf(engine, name).ids(year)
    // first id after `after` (binary search: ids are sorted)
    let start = 0; let end = ids.length
    while (start < end) { const mid = (start + end) >> 1; if (ids[mid]! <= after) start = mid + 1; else end = mid }
    const wanted = ids.slice(start, start + limit)
    // one point read per id (PouchDB's allDocs with keys opens a LevelDB iterator per key: slower),
    // a slice at a time; the page ends early once it holds LIMITS.responseBytes of records
    const db = engine.db(name)
    const docs: unknown[] = []
    let read = 0
    let bytes = 0
    while (read < wanted.length && bytes < LIMITS.responseBytes) {
      const slice = wanted.slice(read, read + 50)
      for (const d of await Promise.all(slice.map((id) => db.get(id).catch(() => null)))) {
        if (d !== null) { docs.push(d); bytes += JSON.stringify(d).length }
      }
      read += slice.length
    }
    const more = start + read < ids.length
    return { year, total: ids.length, docs, next: more ? wanted[read - 1]! : null }
  })
}
