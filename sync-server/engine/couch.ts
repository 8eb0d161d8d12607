import type { IncomingMessage } from 'node:http'
import { CouchHttp } from './http'
import { EngineError, type AllDocsOptions, type AllDocsResult, type ChangesOptions, type ChangesResult, type Db, type DbInfo, type Doc, type Engine, type FeedMark, type WriteResult, type WrittenDoc } from './types'
import { WriteListeners } from './listeners'
import { CouchFeed } from './feed'

const q = (params: Record<string, unknown>): string => {
  const parts: string[] = []
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue
    parts.push(`${k}=${encodeURIComponent(typeof v === 'string' && !['startkey', 'endkey', 'key', 'open_revs'].includes(k) ? v : JSON.stringify(v))}`)
  }
  return parts.length ? `?${parts.join('&')}` : ''
}

/** A document id in a URL path: `_local/` and `_design/` keep their slash. */
export function docPath(id: string): string {
  const m = /^(_local|_design)\/(.+)$/.exec(id)
  return m ? `${m[1]}/${encodeURIComponent(m[2]!)}` : encodeURIComponent(id)
}

/** One database of an Apache CouchDB, in the hub's Db terms: one HTTP request per call. */
class CouchDb implements Db {
  constructor(private readonly http: CouchHttp, private readonly path: string, private readonly written: (docs: WrittenDoc[]) => void) {}

  async info(): Promise<DbInfo> {
    const i = await this.http.json<{ doc_count: number; doc_del_count: number; update_seq: string }>('GET', this.path)
    return { doc_count: i.doc_count, doc_del_count: i.doc_del_count, update_seq: i.update_seq }
  }

  allDocs(opts: AllDocsOptions = {}): Promise<AllDocsResult> {
    const { keys, ...rest } = opts
    if (keys) return this.http.json('POST', `${this.path}/_all_docs${q(rest)}`, { keys })
    return this.http.json('GET', `${this.path}/_all_docs${q(rest)}`)
  }

  byKeys(keys: unknown[], opts: { include_docs?: boolean; conflicts?: boolean } = {}): Promise<AllDocsResult> {
    return this.allDocs({ ...opts, keys })
  }

  get(id: string, opts: Record<string, unknown> = {}): Promise<Doc> {
    return this.http.json('GET', `${this.path}/${docPath(id)}${q(opts)}`)
  }

  async put(doc: Doc): Promise<{ ok: true; id: string; rev: string }> {
    const r = await this.http.json<{ ok: true; id: string; rev: string }>('PUT', `${this.path}/${docPath(String(doc._id))}`, doc)
    if (!String(doc._id).startsWith('_local/')) this.written([doc as WrittenDoc])
    return r
  }

  async remove(id: string, rev: string): Promise<{ ok: true; id: string; rev: string }> {
    const r = await this.http.json<{ ok: true; id: string; rev: string }>('DELETE', `${this.path}/${docPath(id)}?rev=${encodeURIComponent(rev)}`)
    if (!id.startsWith('_local/')) this.written([{ _id: id, _rev: r.rev, _deleted: true }])
    return r
  }

  async bulkDocs(docs: Doc[], opts: { new_edits?: boolean } = {}): Promise<WriteResult[]> {
    const newEdits = opts.new_edits !== false
    const res = await this.http.json<WriteResult[]>('POST', `${this.path}/_bulk_docs`, newEdits ? { docs } : { docs, new_edits: false })
    if (newEdits) {
      const written = docs.filter((d, i) => { const r = res[i]; return r !== undefined && 'ok' in r && typeof d._id === 'string' })
      if (written.length > 0) this.written(written as WrittenDoc[])
    } else {
      const failed = new Set(res.map((r) => r.id))
      const written = docs.filter((d) => typeof d._id === 'string' && !failed.has(d._id))
      if (written.length > 0) this.written(written as WrittenDoc[])
    }
    return res
  }

  async changes(p: ChangesOptions): Promise<ChangesResult> {
    const { doc_ids, ...rest } = p
    const params = { ...rest, since: String(p.since) }
    const r = doc_ids
      ? await this.http.json<ChangesResult>('POST', `${this.path}/_changes${q({ ...params, filter: '_doc_ids' })}`, { doc_ids })
      : await this.http.json<ChangesResult>('GET', `${this.path}/_changes${q(params)}`)
    return { results: r.results, last_seq: r.last_seq, pending: r.pending ?? 0 }
  }

  bulkGet(docs: { id: string; rev?: string }[], opts: { revs?: boolean; attachments?: boolean; latest?: boolean }): Promise<unknown> {
    return this.http.json('POST', `${this.path}/_bulk_get${q(opts)}`, { docs })
  }

  revsDiff(body: Record<string, string[]>): Promise<unknown> { return this.http.json('POST', `${this.path}/_revs_diff`, body) }
}

/**
 * An Apache CouchDB (single node or cluster) as the engine, spoken to directly over HTTP with
 * kept-alive connections: one request per operation, reads handed to the routes unread
 * (`forward`). Other hub processes write the same databases, so nothing here remembers a
 * database's content; the only memory is which databases exist (they are created and deleted
 * only by the hub's provisioning, and a stale answer ends in CouchDB's own 404).
 * `prefix` keeps the databases of one deployment apart from others on the same CouchDB.
 */
export class CouchEngine implements Engine {
  readonly kind = 'couchdb' as const
  readonly soleWriter = false
  private readonly http: CouchHttp
  private readonly known = new Set<string>()
  private readonly dbs = new Map<string, CouchDb>()
  private readonly listeners = new WriteListeners()
  private readonly feeds = new Map<string, CouchFeed>()

  constructor(url: string, readonly prefix: string) {
    this.http = new CouchHttp(url)
  }

  private path(name: string): string { return encodeURIComponent(this.prefix + name) }

  async list(): Promise<string[]> {
    const all = await this.http.json<string[]>('GET', '_all_dbs')
    return all.filter((n) => n.startsWith(this.prefix) && !n.startsWith('_')).map((n) => n.slice(this.prefix.length)).filter((n) => !n.startsWith('_'))
  }

  async exists(name: string): Promise<boolean> {
    if (this.known.has(name)) return true
    const res = await this.http.request('HEAD', this.path(name), null)
    res.resume()
    if (res.statusCode === 200) this.known.add(name)
    else if (res.statusCode !== 404) throw new EngineError(502, 'engine_error', `CouchDB answered ${res.statusCode} about database ${name}`)
    return res.statusCode === 200
  }

  async create(name: string): Promise<boolean> {
    const res = await this.http.request('PUT', this.path(name), null)
    res.resume()
    if (res.statusCode === 412) { this.known.add(name); return false }
    if (res.statusCode !== 201 && res.statusCode !== 202) throw new EngineError(502, 'engine_error', `CouchDB answered ${res.statusCode} creating ${name}`)
    this.known.add(name)
    return true
  }

  async destroy(name: string): Promise<boolean> {
    this.known.delete(name)
    const feed = this.feeds.get(name)
    if (feed) this.unfollow(name, feed)
    const res = await this.http.request('DELETE', this.path(name), null)
    res.resume()
    if (res.statusCode === 404) return false
    if (res.statusCode !== 200 && res.statusCode !== 202) throw new EngineError(502, 'engine_error', `CouchDB answered ${res.statusCode} deleting ${name}`)
    return true
  }

  db(name: string): Db {
    let db = this.dbs.get(name)
    if (!db) {
      db = new CouchDb(this.http, this.path(name), (docs) => this.listeners.notify(name, docs))
      this.dbs.set(name, db)
    }
    return db
  }

  onEveryWrite(listener: (name: string, docs: WrittenDoc[]) => void): () => void { return this.listeners.onEvery(listener) }

  onWrite(name: string, listener: (docs: WrittenDoc[]) => void): () => void { return this.listeners.on(name, listener) }

  /** One continuous `_changes` feed per followed database, shared by its listeners (feed.ts). */
  onChange(name: string, listener: (id: string | null) => void): () => void {
    let feed = this.feeds.get(name)
    if (!feed) {
      feed = new CouchFeed(this.http, this.path(name))
      this.feeds.set(name, feed)
    }
    const f = feed
    f.listeners.add(listener)
    return () => {
      f.listeners.delete(listener)
      if (f.listeners.size === 0) this.unfollow(name, f)
    }
  }

  private unfollow(name: string, feed: CouchFeed): void {
    feed.stop()
    if (this.feeds.get(name) === feed) this.feeds.delete(name)
  }

  feedMark(name: string, since?: string | number): FeedMark | null {
    const feed = this.feeds.get(name)
    if (!feed) return null
    if (since === undefined) return feed.markBeforeRead()
    return since === 'now' ? feed.mark() : feed.markAfter(String(since))
  }

  feedRead(name: string, seq: string | number, mark: FeedMark): void {
    this.feeds.get(name)?.noteRead(String(seq), mark)
  }

  feedChanges(name: string, mark: FeedMark, p: ChangesOptions): { result: ChangesResult; next: FeedMark } | null {
    return this.feeds.get(name)?.read(mark, p) ?? null
  }

  /** A JSON request to the CouchDB server itself (`_replicate`, `_replicator`, `_scheduler`). */
  server<T>(method: string, path: string, body?: unknown): Promise<T> { return this.http.json<T>(method, path, body) }

  /** The full URL of a database, with the hub's credentials: what CouchDB's own replicator is told. */
  dbUrl(name: string): string { return this.http.url(this.path(name)) }

  forward(name: string, method: string, path: string, body: string | Uint8Array | null, signal: AbortSignal, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    return this.http.request(method, `${this.path(name)}/${path}`, body, signal, headers)
  }

  async close(): Promise<void> {
    for (const [name, f] of [...this.feeds]) this.unfollow(name, f)
    this.http.close()
  }
}
