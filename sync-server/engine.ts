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
  close(): Promise<void>
}

type Feed = { listeners: Set<(id: string) => void>; cancel: () => void }

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
      // One live feed per database, shared by every waiting long-poll.
      const listeners = new Set<(id: string) => void>()
      const changes = this.db(name).changes({ since: 'now', live: true, return_docs: false })
      changes.on('change', (c: { id: string }) => { for (const l of [...listeners]) l(c.id) })
      changes.on('error', () => { this.feeds.delete(name) })
      feed = { listeners, cancel: () => changes.cancel() }
      this.feeds.set(name, feed)
    }
    const f = feed
    f.listeners.add(listener)
    return () => { f.listeners.delete(listener) }
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

  protected openDb(name: string): Db {
    return new PouchDB<Record<string, unknown>>(name, { prefix: this.dir + '/', adapter: 'leveldb' } as PouchDB.Configuration.DatabaseConfiguration)
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
