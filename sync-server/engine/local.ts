import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import PouchDB from 'pouchdb'
import { ChangesTail } from './tail'
import { DB_NAME, EngineError, type AllDocsOptions, type AllDocsResult, type ChangesOptions, type ChangesResult, type Db, type DbInfo, type Doc, type Engine, type Row, type WriteResult, type WrittenDoc } from './types'
import { WriteListeners } from './listeners'

export type Pouch = PouchDB.Database<Record<string, unknown>>

/** A PouchDB error (or anything thrown) in CouchDB's terms. */
function engineError(e: unknown): unknown {
  const err = e as { status?: number; name?: string; reason?: string; message?: string }
  if (typeof err?.status !== 'number') return e
  return new EngineError(err.status, err.name ?? 'error', err.reason ?? err.message ?? 'error')
}
const wrap = <T>(p: Promise<T>): Promise<T> => p.catch((e: unknown) => { throw engineError(e) })

function writeResult(r: PouchDB.Core.Response | PouchDB.Core.Error, id: string): WriteResult {
  if ('ok' in r && r.ok) return { ok: true, id: r.id, rev: r.rev }
  const e = r as PouchDB.Core.Error
  const error = e.status === 409 ? 'conflict' : typeof e.name === 'string' && e.name !== 'Error' ? e.name : 'bad_request'
  return { id, error, reason: e.message ?? error }
}

/** PouchDB on LevelDB, in the hub's Db terms. */
class LocalDb implements Db {
  constructor(readonly pouch: Pouch) {}

  async info(): Promise<DbInfo> {
    const i = await wrap(this.pouch.info())
    // PouchDB's typings leave out the count of deleted documents its LevelDB adapter gives
    const deleted = 'doc_del_count' in i && typeof i.doc_del_count === 'number' ? i.doc_del_count : 0
    return { doc_count: i.doc_count, doc_del_count: deleted, update_seq: i.update_seq }
  }

  allDocs(opts: AllDocsOptions = {}): Promise<AllDocsResult> {
    return wrap(this.pouch.allDocs(opts as PouchDB.Core.AllDocsOptions))
  }

  /**
   * One point read per key: PouchDB's LevelDB adapter opens an iterator per key for `_all_docs`
   * with `keys`, which made it the slowest call of RxDB's push. Deleted documents, rare here,
   * fall back to PouchDB's own query so their rows keep CouchDB's shape.
   */
  async byKeys(keys: unknown[], opts: { include_docs?: boolean; conflicts?: boolean } = {}, known?: Set<string>): Promise<AllDocsResult> {
    const rows = await Promise.all(keys.map(async (key): Promise<Row> => {
      if (typeof key !== 'string' || key.startsWith('_local/') || (known && !known.has(key))) return { key: String(key), error: 'not_found' }
      try {
        const doc = await this.pouch.get(key, opts.conflicts ? { conflicts: true } : {}) as Doc
        return { id: key, key, value: { rev: String(doc._rev) }, ...(opts.include_docs ? { doc } : {}) }
      } catch (e) {
        const err = e as { status?: number; reason?: string; message?: string }
        if (err.status !== 404) throw engineError(e)
        if (err.reason === 'deleted' || err.message === 'deleted') {
          const res = await this.pouch.allDocs({ keys: [key], include_docs: opts.include_docs ?? false })
          return res.rows[0] ?? { key, error: 'not_found' }
        }
        return { key, error: 'not_found' }
      }
    }))
    const info = await this.info()
    return { total_rows: info.doc_count, offset: 0, rows }
  }

  get(id: string, opts: Record<string, unknown> = {}): Promise<Doc> {
    return wrap(this.pouch.get(id, opts as PouchDB.Core.GetOptions)) as Promise<Doc>
  }

  async put(doc: Doc): Promise<{ ok: true; id: string; rev: string }> {
    const r = await wrap(this.pouch.put(doc as PouchDB.Core.PutDocument<Record<string, unknown>>))
    return { ok: true, id: r.id, rev: r.rev }
  }

  async remove(id: string, rev: string): Promise<{ ok: true; id: string; rev: string }> {
    const r = await wrap(this.pouch.remove(id, rev))
    return { ok: true, id: r.id, rev: r.rev }
  }

  async bulkDocs(docs: Doc[], opts: { new_edits?: boolean } = {}): Promise<WriteResult[]> {
    const newEdits = opts.new_edits !== false
    const res = await wrap(this.pouch.bulkDocs(docs as PouchDB.Core.PutDocument<Record<string, unknown>>[], { new_edits: newEdits }))
    const mapped = res.map((r, i) => writeResult(r, String(docs[i]?._id ?? '')))
    return newEdits ? mapped : mapped.filter((r) => 'error' in r)
  }

  async changes(p: ChangesOptions): Promise<ChangesResult> {
    const opts: PouchDB.Core.ChangesOptions = {
      since: p.since as number, include_docs: p.include_docs ?? false, style: p.style ?? 'main_only', conflicts: p.conflicts ?? false, return_docs: true,
    }
    if (p.limit !== undefined) opts.limit = p.limit
    if (p.doc_ids) opts.doc_ids = p.doc_ids
    const r = await wrap(this.pouch.changes(opts))
    // CouchDB's `pending` (tools page until it is 0). PouchDB does not count it: when the
    // page was full, estimate from the update sequence; otherwise nothing is pending.
    let pending = 0
    if (p.limit !== undefined && r.results.length >= p.limit) {
      const update = (await this.info()).update_seq
      pending = typeof update === 'number' && typeof r.last_seq === 'number' ? Math.max(1, update - r.last_seq) : 1
    }
    return { results: r.results, last_seq: r.last_seq, pending }
  }

  bulkGet(docs: { id: string; rev?: string }[], opts: { revs?: boolean; attachments?: boolean; latest?: boolean }): Promise<unknown> {
    return wrap(this.pouch.bulkGet({ docs, ...opts } as PouchDB.Core.BulkGetOptions))
  }

  revsDiff(body: Record<string, string[]>): Promise<unknown> { return wrap(this.pouch.revsDiff(body)) }
}

/**
 * PouchDB 9 on LevelDB files under `<dataDir>/db/`. Only this process writes these folders
 * (LevelDB locks them), and every write goes through the adapter's `_bulkDocs` (put, post,
 * remove, bulkDocs, replication): writes are heard there, once a batch is committed, instead of
 * reading each change back from LevelDB through a live changes feed.
 */
export class LocalEngine implements Engine {
  readonly kind = 'pouchdb' as const
  readonly soleWriter = true
  private readonly dir: string
  private readonly names: Set<string>
  private readonly open = new Map<string, LocalDb>()
  /** Who hears of each write, by database. */
  private readonly listeners = new WriteListeners()
  /** The latest changes of each database, as they committed (see ChangesTail). */
  private readonly tails = new Map<string, ChangesTail>()

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'db')
    mkdirSync(this.dir, { recursive: true })
    this.names = new Set(readdirSync(this.dir).filter((n) => DB_NAME.test(n)))
  }

  async list(): Promise<string[]> { return [...this.names].sort() }
  async exists(name: string): Promise<boolean> { return this.names.has(name) }

  async create(name: string): Promise<boolean> {
    if (this.names.has(name)) return false
    await this.pouch(name).info() // opens (and so creates) the LevelDB folder
    this.names.add(name)
    return true
  }

  async destroy(name: string): Promise<boolean> {
    if (!this.names.has(name)) return false
    this.names.delete(name)
    const db = this.open.get(name)
    this.open.delete(name)
    if (db) await db.pouch.destroy().catch(() => undefined)
    const path = join(this.dir, name)
    if (existsSync(path)) rmSync(path, { recursive: true, force: true })
    return true
  }

  db(name: string): LocalDb {
    let db = this.open.get(name)
    if (!db) {
      db = new LocalDb(this.openPouch(name))
      this.open.set(name, db)
    }
    return db
  }

  /** The changes after `p.since` from memory, when the database's tail holds them all; else null. */
  recentChanges(name: string, p: ChangesOptions): ChangesResult | null {
    return this.tails.get(name)?.read(p) ?? null
  }

  /** The PouchDB object itself (for PouchDB's replicator). */
  pouch(name: string): Pouch { return this.db(name).pouch }

  onChange(name: string, listener: (id: string | null) => void): () => void {
    return this.onWrite(name, (docs) => { for (const d of docs) listener(d._id) })
  }

  onEveryWrite(listener: (name: string, docs: WrittenDoc[]) => void): () => void { return this.listeners.onEvery(listener) }

  onWrite(name: string, listener: (docs: WrittenDoc[]) => void): () => void { return this.listeners.on(name, listener) }

  private openPouch(name: string): Pouch {
    const db = new PouchDB<Record<string, unknown>>(name, { prefix: this.dir + '/', adapter: 'leveldb' } as PouchDB.Configuration.DatabaseConfiguration)
    // the tail starts where the database is when opened (or at its first write, whichever comes first)
    void db.info().then((i) => { if (!this.tails.has(name) && typeof i.update_seq === 'number') this.tails.set(name, new ChangesTail(i.update_seq)) }, () => undefined)
    // every concurrent changes() call listens on the database: many readers are normal here
    db.setMaxListeners(0)
    type Callback = (err: unknown, res?: unknown) => void
    type BulkDocs = (req: { docs: Record<string, unknown>[] }, opts: { new_edits?: boolean } | undefined, callback: Callback) => void
    // eslint-disable-next-line no-restricted-syntax -- the LevelDB adapter's private methods, which PouchDB's typings do not describe
    const adapter = db as unknown as { _bulkDocs?: BulkDocs; _info?: (cb: (err: unknown, info?: { update_seq?: unknown }) => void) => void }
    const inner = adapter._bulkDocs
    const info = adapter._info
    if (typeof inner !== 'function' || typeof info !== 'function') throw new Error('PouchDB leveldb adapter without _bulkDocs or _info')
    adapter._bulkDocs = (req, opts, callback) => {
      const docs = [...req.docs] // the adapter may consume the array
      inner.call(db, req, opts, (err, res) => {
        if (err) return callback(err, res)
        // The adapter's _info reads the update sequence when called: here, before the next
        // write can start, it is this batch's last sequence (handed over on the next tick).
        info.call(db, (_e, i) => {
          const rows = Array.isArray(res) ? res as ({ ok?: boolean; id?: unknown; error?: unknown } | undefined)[] : []
          const seq = typeof i?.update_seq === 'number' ? i.update_seq : null
          if (seq !== null) {
            let tail = this.tails.get(name)
            if (!tail) { tail = new ChangesTail(seq); this.tails.set(name, tail) } else tail.record(docs as Doc[], rows, opts?.new_edits !== false, seq)
          } else this.tails.delete(name)
          this.heard(name, docs, rows)
          callback(err, res)
        })
      })
    }
    return db
  }

  /** Tells the write listeners of `name` about a committed batch (a refused document, like a conflict, is left out). */
  private heard(name: string, docs: Record<string, unknown>[], rows: ({ id?: unknown; error?: unknown } | undefined)[]): void {
    if (!this.listeners.heard(name)) return
    const written: WrittenDoc[] = []
    docs.forEach((d, i) => {
      const r = rows[i]
      if (r?.error) return
      const id = typeof d._id === 'string' ? d._id : typeof r?.id === 'string' ? r.id : null // a post without an id: the adapter's
      if (id && !id.startsWith('_local/')) written.push(id === d._id ? d as WrittenDoc : { ...d, _id: id })
    })
    if (written.length > 0) this.listeners.notify(name, written)
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((db) => db.pouch.close().catch(() => undefined)))
    this.open.clear()
  }
}
