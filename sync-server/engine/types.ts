import type { IncomingMessage } from 'node:http'

/** CouchDB's database-name rule (without `/`, which our routes do not carry). */
export const DB_NAME = /^[a-z][a-z0-9_$()+-]{0,127}$/

/** A stored document, in CouchDB's JSON form. */
export type Doc = Record<string, unknown> & { _id?: string; _rev?: string; _deleted?: boolean }
/** A document as written through the hub (its content as sent; `_rev` may be missing). */
export type WrittenDoc = Record<string, unknown> & { _id: string }

export interface Row { id?: string; key: string; value?: { rev: string; deleted?: boolean }; doc?: Doc | null; error?: string }
export interface AllDocsResult { total_rows: number; offset: number; rows: Row[] }
export interface AllDocsOptions {
  keys?: unknown[]; include_docs?: boolean; descending?: boolean; conflicts?: boolean; inclusive_end?: boolean
  startkey?: unknown; endkey?: unknown; key?: unknown; limit?: number; skip?: number; update_seq?: boolean
}
export interface ChangesOptions {
  since: string | number; limit?: number; include_docs?: boolean; style?: 'all_docs' | 'main_only'
  conflicts?: boolean; doc_ids?: string[]
}
export interface ChangeRow { id: string; seq: string | number; changes: { rev: string }[]; deleted?: boolean; doc?: Doc }
export interface ChangesResult { results: ChangeRow[]; last_seq: string | number; pending: number }
/** One row of a `_bulk_docs` answer, in CouchDB's shape on both engines. */
export type WriteResult = { ok: true; id: string; rev: string } | { id: string; rev?: string; error: string; reason: string }
/** A place in a CouchDB database's feed as this hub followed it (engine/feed.ts). */
export interface FeedMark { readonly gen: number; readonly index: number; readonly seq: string }
export interface DbInfo { doc_count: number; doc_del_count: number; update_seq: string | number }

/** An engine's error, in CouchDB's terms (`status`, `error`, `reason`). */
export class EngineError extends Error {
  constructor(readonly status: number, readonly error: string, readonly reason: string) {
    super(reason)
    this.name = error
  }
}

/** The operations the hub needs of one database; both engines answer in CouchDB's shapes. */
export interface Db {
  info(): Promise<DbInfo>
  allDocs(opts?: AllDocsOptions): Promise<AllDocsResult>
  /**
   * Rows for these ids (one per key, in order), the cheapest way this engine has. `known`, when
   * given, holds every id the database has: others are answered not_found without a read.
   */
  byKeys(keys: unknown[], opts?: { include_docs?: boolean; conflicts?: boolean }, known?: Set<string>): Promise<AllDocsResult>
  /** Throws EngineError 404 (`reason` missing or deleted) when there is no such document. */
  get(id: string, opts?: Record<string, unknown>): Promise<Doc>
  put(doc: Doc): Promise<{ ok: true; id: string; rev: string }>
  remove(id: string, rev: string): Promise<{ ok: true; id: string; rev: string }>
  /** With new_edits=false the answer holds only the failures (CouchDB's answer). */
  bulkDocs(docs: Doc[], opts?: { new_edits?: boolean }): Promise<WriteResult[]>
  changes(opts: ChangesOptions): Promise<ChangesResult>
  bulkGet(docs: { id: string; rev?: string }[], opts: { revs?: boolean; attachments?: boolean; latest?: boolean }): Promise<unknown>
  revsDiff(body: Record<string, string[]>): Promise<unknown>
}

/**
 * The storage engine behind the CouchDB routes: PouchDB 9 on LevelDB files under
 * `<dataDir>/db/` (this process is its only writer), or an Apache CouchDB spoken to over HTTP
 * (which other hub processes, and CouchDB's own replication, also write).
 */
export interface Engine {
  readonly kind: 'pouchdb' | 'couchdb'
  /**
   * True when every write passes through this process (the local engine): what it remembers of
   * a database (ids, votes) stays true without reading back. False for CouchDB: other hubs write.
   */
  readonly soleWriter: boolean
  list(): Promise<string[]>
  exists(name: string): Promise<boolean>
  /** Creates the database; false when it already existed. */
  create(name: string): Promise<boolean>
  /** Deletes the database; false when it did not exist. */
  destroy(name: string): Promise<boolean>
  /** The database (call only for one that exists). */
  db(name: string): Db
  /**
   * Calls `listener` with the id of every change to `name`, whoever wrote it, until the returned
   * function is called; with null when the engine's feed (re)connected (anything may have changed
   * while it was not listening: look again).
   */
  onChange(name: string, listener: (id: string | null) => void): () => void
  /**
   * Calls `listener` with the documents of each write this process commits to `name` (as sent)
   * until the returned function is called. On the local engine that is every write.
   */
  onWrite(name: string, listener: (docs: WrittenDoc[]) => void): () => void
  /** As onWrite, for every database's writes (also of databases created after the call). */
  onEveryWrite(listener: (name: string, docs: WrittenDoc[]) => void): () => void
  /**
   * Local engine only: the changes after `p.since` from memory, when it holds them all (long-polls
   * woken by a write are answered without reading storage); null when storage must be read.
   */
  recentChanges?(name: string, p: ChangesOptions): ChangesResult | null
  /**
   * CouchDB only: where this hub's feed of `name` stands for a long-poll from 'now'; without
   * `since`, where it stands before a read of CouchDB (null unless each shard has one copy:
   * engine/feed.ts); else the place right after `since` when that is a sequence the feed still
   * holds. Null when it is not following `name` or does not know. A long-poll waits from such a
   * mark and is answered by `feedChanges`.
   */
  feedMark?(name: string, since?: string | number): FeedMark | null
  /** CouchDB only: a read of `name` that started at `mark` ended at `seq` with nothing pending (a poll from `seq` goes on from `mark`). */
  feedRead?(name: string, seq: string | number, mark: FeedMark): void
  /** CouchDB only: the changes the feed delivered from `mark` on (engine/feed.ts), or null when they must be read from CouchDB. */
  feedChanges?(name: string, mark: FeedMark, p: ChangesOptions): { result: ChangesResult; next: FeedMark } | null
  /**
   * CouchDB only: sends a request to the engine as it is and hands back its answer unread: reads
   * the routes stream to the client, and photos' bytes (`path` is below the database, e.g.
   * `_changes?since=0`).
   */
  forward?(name: string, method: string, path: string, body: string | Uint8Array | null, signal: AbortSignal, headers?: Record<string, string>): Promise<IncomingMessage>
  close(): Promise<void>
}
