import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import PouchDB from 'pouchdb'

export type Db = PouchDB.Database<Record<string, unknown>>

/** CouchDB's database-name rule (without `/`, which our routes do not carry). */
export const DB_NAME = /^[a-z][a-z0-9_$()+-]{0,127}$/

/**
 * The storage engine behind the CouchDB routes: PouchDB 9 on LevelDB files under
 * `<dataDir>/db/`, or an Apache CouchDB reached through PouchDB's HTTP adapter. Both
 * expose the same PouchDB API, so the routes and rules are the same either way.
 */
export interface Engine {
  readonly kind: 'pouchdb' | 'couchdb'
  list(): Promise<string[]>
  exists(name: string): Promise<boolean>
  /** Creates the database; false when it already existed. */
  create(name: string): Promise<boolean>
  /** Deletes the database; false when it did not exist. */
  destroy(name: string): Promise<boolean>
  /** The open database (opened on first use). Call only for a database that exists. */
  db(name: string): Db
  /** Calls `listener` (with the changed id) after every change in `name` until the returned function is called. */
  onChange(name: string, listener: (id: string) => void): () => void
  /**
   * Local engine only (the hub is the only writer): calls `listener` with the documents of each
   * committed write to `name`, as sent, until the returned function is called.
   */
  onWrite?(name: string, listener: (docs: WrittenDoc[]) => void): () => void
  close(): Promise<void>
}

type Feed = { listeners: Set<(id: string) => void>; cancel: () => void }
/** A document as written through the hub (its content as sent; `_rev` may be missing). */
export type WrittenDoc = Record<string, unknown> & { _id: string }

abstract class BaseEngine implements Engine {
  abstract readonly kind: 'pouchdb' | 'couchdb'
  protected readonly open = new Map<string, Db>()
  private readonly feeds = new Map<string, Feed>()

  abstract list(): Promise<string[]>
  abstract exists(name: string): Promise<boolean>
  abstract create(name: string): Promise<boolean>
  abstract destroy(name: string): Promise<boolean>
  protected abstract openDb(name: string): Db

  db(name: string): Db {
    let db = this.open.get(name)
    if (!db) {
      db = this.openDb(name)
      // every concurrent changes() call listens on the database: many long-polls are normal here
      ;(db as unknown as { setMaxListeners?: (n: number) => void }).setMaxListeners?.(0)
      this.open.set(name, db)
    }
    return db
  }

  onChange(name: string, listener: (id: string) => void): () => void {
    let feed = this.feeds.get(name)
    if (!feed) {
      // One feed per database, shared by every waiting long-poll.
      const listeners = new Set<(id: string) => void>()
      const cancel = this.follow(name, (id) => { for (const l of [...listeners]) l(id) }, () => { this.feeds.delete(name) })
      feed = { listeners, cancel }
      this.feeds.set(name, feed)
    }
    const f = feed
    f.listeners.add(listener)
    return () => { f.listeners.delete(listener) }
  }

  /**
   * Follows the changes of `name`, calling `emit` with each changed id, until the returned
   * function is called: PouchDB's live changes feed (which reads every change back from storage).
   */
  protected follow(name: string, emit: (id: string) => void, failed: () => void): () => void {
    const changes = this.db(name).changes({ since: 'now', live: true, return_docs: false })
    changes.on('change', (c: { id: string }) => emit(c.id))
    changes.on('error', failed)
    return () => changes.cancel()
  }

  protected async forget(name: string): Promise<void> {
    this.feeds.get(name)?.cancel()
    this.feeds.delete(name)
    const db = this.open.get(name)
    this.open.delete(name)
    if (db) await db.close().catch(() => undefined)
  }

  async close(): Promise<void> {
    for (const feed of this.feeds.values()) feed.cancel()
    this.feeds.clear()
    await Promise.all([...this.open.values()].map((db) => db.close().catch(() => undefined)))
    this.open.clear()
  }
}

class PouchEngine extends BaseEngine {
  readonly kind = 'pouchdb' as const
  private readonly dir: string
  private names: Set<string>

  constructor(dataDir: string) {
    super()
    this.dir = join(dataDir, 'db')
    mkdirSync(this.dir, { recursive: true })
    this.names = new Set(readdirSync(this.dir).filter((n) => DB_NAME.test(n)))
  }

  async list(): Promise<string[]> { return [...this.names].sort() }
  async exists(name: string): Promise<boolean> { return this.names.has(name) }

  async create(name: string): Promise<boolean> {
    if (this.names.has(name)) return false
    await this.db(name).info() // opens (and so creates) the LevelDB folder
    this.names.add(name)
    return true
  }

  async destroy(name: string): Promise<boolean> {
    if (!this.names.has(name)) return false
    this.names.delete(name)
    const db = this.db(name)
    this.open.delete(name)
    await db.destroy().catch(() => undefined)
    await this.forget(name)
    const path = join(this.dir, name)
    if (existsSync(path)) rmSync(path, { recursive: true, force: true })
    return true
  }

  /** Who hears of each write, by database (see openDb). */
  private readonly writeListeners = new Map<string, Set<(docs: WrittenDoc[]) => void>>()

  /**
   * Only this process writes these LevelDB folders (LevelDB locks them), and every write goes
   * through the adapter's `_bulkDocs` (put, post, remove, bulkDocs, replication): the ids are
   * heard there, once the batch is committed, instead of reading each change back from LevelDB
   * through a live changes feed (one metadata read per written document, on the push's path).
   */
  protected override follow(name: string, emit: (id: string) => void): () => void {
    return this.onWrite(name, (docs) => { for (const d of docs) emit(d._id) })
  }

  onWrite(name: string, listener: (docs: WrittenDoc[]) => void): () => void {
    let set = this.writeListeners.get(name)
    if (!set) { set = new Set(); this.writeListeners.set(name, set) }
    const s = set
    s.add(listener)
    return () => { s.delete(listener) }
  }

  protected openDb(name: string): Db {
    const db = new PouchDB<Record<string, unknown>>(name, { prefix: this.dir + '/', adapter: 'leveldb' } as PouchDB.Configuration.DatabaseConfiguration)
    type BulkDocs = (req: { docs: Record<string, unknown>[] }, opts: unknown, callback: (err: unknown, res?: unknown) => void) => void
    const adapter = db as unknown as { _bulkDocs?: BulkDocs }
    const inner = adapter._bulkDocs
    if (typeof inner !== 'function') throw new Error('PouchDB leveldb adapter without _bulkDocs')
    adapter._bulkDocs = (req, opts, callback) => {
      const docs = [...req.docs] // the adapter may consume the array
      inner.call(db, req, opts, (err, res) => {
        const listeners = err ? undefined : this.writeListeners.get(name)
        if (listeners && listeners.size > 0) {
          // the adapter's results line up with the documents; a refused one (conflict) is left out
          const rows = Array.isArray(res) ? res as ({ id?: unknown; error?: unknown } | undefined)[] : []
          const written: WrittenDoc[] = []
          docs.forEach((d, i) => {
            const r = rows[i]
            if (r?.error) return
            const id = typeof d._id === 'string' ? d._id : typeof r?.id === 'string' ? r.id : null // a post without an id: the adapter's
            if (id && !id.startsWith('_local/')) written.push(id === d._id ? d as WrittenDoc : { ...d, _id: id })
          })
          if (written.length > 0) {
            for (const l of [...listeners]) {
              try { l(written) } catch { /* a listener's failure is not the write's */ }
            }
          }
        }
        callback(err, res)
      })
    }
    return db
  }
}

class CouchEngine extends BaseEngine {
  readonly kind = 'couchdb' as const
  private readonly base: string
  private readonly auth: string | null

  constructor(url: string) {
    super()
    const u = new URL(url)
    this.auth = u.username ? 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64') : null
    u.username = ''
    u.password = ''
    this.base = u.toString().replace(/\/+$/, '')
  }

  private async request(method: string, path: string): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.auth) headers.authorization = this.auth
    return fetch(`${this.base}/${path}`, { method, headers })
  }

  async list(): Promise<string[]> {
    const res = await this.request('GET', '_all_dbs')
    if (!res.ok) throw new Error(`CouchDB at COUCHDB_URL answered ${res.status} to _all_dbs`)
    return ((await res.json()) as string[]).filter((n) => !n.startsWith('_'))
  }

  async exists(name: string): Promise<boolean> {
    const res = await this.request('HEAD', encodeURIComponent(name))
    return res.ok
  }

  async create(name: string): Promise<boolean> {
    const res = await this.request('PUT', encodeURIComponent(name))
    if (res.status === 412) return false
    if (!res.ok) throw new Error(`CouchDB answered ${res.status} creating ${name}`)
    return true
  }

  async destroy(name: string): Promise<boolean> {
    const res = await this.request('DELETE', encodeURIComponent(name))
    await this.forget(name)
    if (res.status === 404) return false
    if (!res.ok) throw new Error(`CouchDB answered ${res.status} deleting ${name}`)
    return true
  }

  protected openDb(name: string): Db {
    const auth = this.auth
    return new PouchDB<Record<string, unknown>>(`${this.base}/${encodeURIComponent(name)}`, {
      skip_setup: true,
      fetch: (url: string | Request, opts?: RequestInit) => {
        const headers = new Headers(opts?.headers)
        if (auth) headers.set('authorization', auth)
        return PouchDB.fetch(url, { ...opts, headers })
      },
    } as PouchDB.Configuration.DatabaseConfiguration)
  }
}

export function createEngine(opts: { dataDir: string; couchdbUrl: string | null }): Engine {
  return opts.couchdbUrl ? new CouchEngine(opts.couchdbUrl) : new PouchEngine(opts.dataDir)
}
