import type { Db, Engine } from '../engine'

type Row = { id?: string; key: string; value?: { rev: string; deleted?: boolean }; doc?: unknown; error?: string }

/**
 * `_all_docs` with `keys`, answered with one point read per key. PouchDB's LevelDB
 * adapter opens an iterator per key for this query, which made it the slowest call of
 * RxDB's push (it asks for every id of a batch before pushing it). Deleted documents,
 * rare here, fall back to PouchDB's own query so their rows keep CouchDB's shape.
 */
export async function rowsByKeys(db: Db, keys: unknown[], opts: { include_docs?: boolean; conflicts?: boolean }, known?: Set<string>): Promise<{ total_rows: number; offset: number; rows: Row[] }> {
  const rows = await Promise.all(keys.map(async (key): Promise<Row> => {
    if (typeof key !== 'string' || key.startsWith('_local/') || (known && !known.has(key))) return { key: String(key), error: 'not_found' }
    try {
      const doc = await db.get(key, opts.conflicts ? { conflicts: true } : {})
      return { id: key, key, value: { rev: doc._rev }, ...(opts.include_docs ? { doc } : {}) }
    } catch (e) {
      const err = e as { status?: number; reason?: string; message?: string }
      if (err.status !== 404) throw e
      if (err.reason === 'deleted' || err.message === 'deleted') {
        const res = await db.allDocs({ keys: [key], include_docs: opts.include_docs ?? false })
        return res.rows[0] as unknown as Row
      }
      return { key, error: 'not_found' }
    }
  }))
  const info = await db.info()
  return { total_rows: info.doc_count, offset: 0, rows }
}

const knownSets = new Map<string, Promise<Set<string>>>()

/**
 * Every id a local (PouchDB) database holds, deleted ones included, kept in memory and
 * followed through the change feed: RxDB asks for each id of a batch before pushing it, and
 * ids the hub has never seen are answered without touching LevelDB (whose read queue the
 * long-polls share). Null for an Apache CouchDB engine, where others may write directly.
 */
export function knownIds(engine: Engine, name: string): Promise<Set<string>> | null {
  if (engine.kind !== 'pouchdb') return null
  let known = knownSets.get(name)
  if (!known) {
    const set = new Set<string>()
    engine.onChange(name, (id) => { set.add(id) }) // before the scan, so nothing slips between
    known = engine.db(name).changes({ since: 0, return_docs: true, style: 'main_only' }).then((r) => {
      for (const row of r.results) set.add(row.id)
      return set
    })
    knownSets.set(name, known)
    known.catch(() => knownSets.delete(name))
  }
  return known
}

/** Ids just written through the hub (the change feed confirms them a moment later). */
export function noteIds(name: string, ids: string[]): void {
  const known = knownSets.get(name)
  if (known) void known.then((set) => { for (const id of ids) set.add(id) })
}

/** A deleted database's ids are forgotten. */
export function forgetIds(name: string): void { knownSets.delete(name) }
