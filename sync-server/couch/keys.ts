import type { Db } from '../engine'

type Row = { id?: string; key: string; value?: { rev: string; deleted?: boolean }; doc?: unknown; error?: string }

/**
 * `_all_docs` with `keys`, answered with one point read per key. PouchDB's LevelDB
 * adapter opens an iterator per key for this query, which made it the slowest call of
 * RxDB's push (it asks for every id of a batch before pushing it). Deleted documents,
 * rare here, fall back to PouchDB's own query so their rows keep CouchDB's shape.
 */
export async function rowsByKeys(db: Db, keys: unknown[], opts: { include_docs?: boolean; conflicts?: boolean }): Promise<{ total_rows: number; offset: number; rows: Row[] }> {
  const rows = await Promise.all(keys.map(async (key): Promise<Row> => {
    if (typeof key !== 'string' || key.startsWith('_local/')) return { key: String(key), error: 'not_found' }
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
