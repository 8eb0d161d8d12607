import { gzipSync } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ChangesOptions, ChangesResult, Db, Engine, FeedMark } from '../engine'
import { badRequest } from './errors'
import { SYNC_GZIP_MAX } from './send'
import { pickQuery, relay, relayStream } from './forward'
import { streamContinuous } from './continuous'

type Query = Record<string, string | undefined>

type ChangesParams = ChangesOptions & { include_docs: boolean; style: 'all_docs' | 'main_only'; conflicts: boolean }

/** What a `_changes` read may ask of CouchDB (anything else, like filters by view, is not passed on). */
const FORWARDED = ['since', 'limit', 'include_docs', 'style', 'conflicts', 'seq_interval', 'filter', 'doc_ids'] as const

const bool = (v: unknown) => v === true || v === 'true'

function intParam(q: Query, key: string): number | undefined {
  const raw = q[key]
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) throw badRequest(`${key} must be a non-negative number`)
  return Math.floor(n)
}

function parseSince(raw: string | undefined): string | number {
  if (raw === undefined || raw === '' || raw === '0') return 0
  if (raw === 'now') return 'now'
  return /^\d+$/.test(raw) ? Number(raw) : raw
}

/** Open long-polls, so shutdown can answer them and the bench can count them. */
export const openLongPolls = new Set<() => void>()

/**
 * Reads shared by the long-polls of one database that wake on the same change with the same
 * parameters (a village's tablets all follow the same feed): one query, one JSON text, one
 * gzip per wave instead of one per tablet. A change clears the database's shared reads.
 */
const sharedReads = new Map<string, Map<string, Promise<SharedResult>>>()
/** `mark`: where the hub's CouchDB feed stood before the read; `next`: where an answer from the feed ends. */
interface SharedResult { result: ChangesResult; json?: string; gzip?: Buffer; mark?: FeedMark | null; next?: FeedMark }

function readsOf(engine: Engine, name: string): Map<string, Promise<SharedResult>> {
  let reads = sharedReads.get(name)
  if (!reads) {
    const created = new Map<string, Promise<SharedResult>>()
    sharedReads.set(name, created)
    engine.onChange(name, () => created.clear()) // registered before any waiter: runs first
    reads = created
  }
  return reads
}

function sharedRead(engine: Engine, name: string, db: Db, p: ChangesParams): Promise<SharedResult> {
  const reads = readsOf(engine, name)
  const key = JSON.stringify(p)
  let read = reads.get(key)
  if (!read) {
    // from the local engine's memory of its latest writes when it holds them all, else from storage
    const memory = engine.recentChanges?.(name, p)
    // on CouchDB, where the hub's feed stands before the read: a poll that then waits takes what the feed brings after it
    const mark = engine.feedMark?.(name) ?? null
    const created = memory ? Promise.resolve({ result: memory }) : db.changes(p).then((result) => {
      if (mark && result.pending === 0) engine.feedRead?.(name, result.last_seq, mark)
      return { result, mark }
    })
    read = created
    reads.set(key, created)
    const m = reads
    // kept briefly: long enough for a wave of tablets, not to hold memory
    const forget = () => { if (m.get(key) === created) m.delete(key) }
    created.then(() => setTimeout(forget, 2000).unref(), forget)
  }
  return read
}

/** On CouchDB, the changes the hub's feed brought after `mark` (engine/feed.ts), shared as reads are; null when CouchDB must be read. */
async function sharedFeed(engine: Engine, name: string, mark: FeedMark, p: ChangesParams): Promise<SharedResult | null> {
  const reads = readsOf(engine, name)
  const key = `@${mark.gen}:${mark.index}:${JSON.stringify({ ...p, since: mark.seq })}`
  const hit = reads.get(key)
  if (hit) return hit
  const fed = engine.feedChanges?.(name, mark, p)
  if (!fed) return null
  const answer: SharedResult = { result: fed.result, next: fed.next }
  reads.set(key, Promise.resolve(answer)) // until the next change clears it
  return answer
}

/** Sends a woken long-poll's answer, serialised and compressed once for all who share it. */
function sendShared(req: FastifyRequest, reply: FastifyReply, shared: SharedResult): FastifyReply {
  shared.json ??= JSON.stringify(shared.result)
  reply.header('content-type', 'application/json; charset=utf-8')
  // a large page is left to @fastify/compress, which gzips it off the event loop (send.ts)
  if (shared.json.length > 1024 && shared.json.length <= SYNC_GZIP_MAX && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    shared.gzip ??= gzipSync(shared.json, { level: 4 })
    return reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').send(shared.gzip)
  }
  return reply.send(shared.json)
}

/**
 * `GET|POST {db}/_changes` with `feed=normal|longpoll|continuous`, `since` (number, CouchDB string or
 * `now`), `limit`, `style=all_docs`, `include_docs`, `heartbeat`, `timeout`, `filter=_doc_ids`.
 * A quiet long-poll ends at `timeout`; with `heartbeat` it stays open and sends a newline
 * every `heartbeat` ms (on an uncompressed stream, so the newlines really leave). A client
 * that goes away is noticed through the socket's close and its waiter is dropped.
 */
export async function handleChanges(engine: Engine, name: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const q = { ...(req.query as Query) }
  const body = (req.body ?? {}) as { doc_ids?: unknown }
  const feed = q.feed ?? 'normal'
  // continuous: CouchDB's replicator pulls a continuous replication with it
  if (!['normal', 'longpoll', 'continuous'].includes(feed)) throw badRequest('feed must be normal, longpoll or continuous (eventsource is not served)')
  let doc_ids: string[] | undefined
  if (q.filter !== undefined && q.filter !== '') {
    if (q.filter !== '_doc_ids') throw badRequest('only filter=_doc_ids is supported')
    const raw = Array.isArray(body.doc_ids) ? body.doc_ids : (q.doc_ids ? JSON.parse(q.doc_ids) as unknown : [])
    if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string')) throw badRequest('doc_ids must be a JSON array of strings')
    doc_ids = raw as string[]
  }
  const params: ChangesParams = {
    since: parseSince(q.since),
    include_docs: bool(q.include_docs),
    style: q.style === 'all_docs' ? 'all_docs' : 'main_only',
    conflicts: bool(q.conflicts),
  }
  const limit = intParam(q, 'limit')
  if (limit !== undefined) params.limit = Math.max(limit, 1)
  if (doc_ids) params.doc_ids = doc_ids
  const heartbeat = intParam(q, 'heartbeat')
  const timeout = intParam(q, 'timeout') ?? (heartbeat ? undefined : 60_000)
  if (engine.forward && feed !== 'longpoll') {
    // A read CouchDB answers as it stands: passed on as it came. (A long-poll waits here, below:
    // one feed per database tells every waiting tablet at once, whichever hub process wrote.)
    const body = doc_ids ? { doc_ids } : null
    const method = doc_ids ? 'POST' : 'GET'
    if (feed === 'normal') return void await relay(req, reply, engine, name, method, `_changes${pickQuery(q, FORWARDED)}`, body)
    // continuous (CouchDB's replicator pulls with it): streamed back as it comes
    const wait = heartbeat !== undefined ? `&heartbeat=${Math.max(heartbeat, 1000)}` : `&timeout=${timeout}`
    const path = `_changes${pickQuery(q, FORWARDED) || '?'}&feed=continuous${wait}`
    return relayStream(req, reply, engine, name, path, body, (end) => { openLongPolls.add(end); return () => openLongPolls.delete(end) })
  }
  const db = engine.db(name)
  // On CouchDB a long-poll from 'now', or from where an answer of the hub's feed ended, waits on the feed without a read.
  let mark = feed === 'longpoll' ? engine.feedMark?.(name, params.since) ?? null : null
  if (mark) params.since = mark.seq
  if (params.since === 'now') params.since = (await db.info()).update_seq
  if (feed === 'continuous') {
    const { limit: _limit, ...p } = params
    return streamContinuous(engine, name, db, p, { ...(limit !== undefined ? { limit: Math.max(limit, 1) } : {}), ...(heartbeat ? { heartbeat } : {}), ...(timeout !== undefined ? { timeout } : {}) }, reply,
      (end) => { openLongPolls.add(end); return () => openLongPolls.delete(end) })
  }
  const first = (mark && await sharedFeed(engine, name, mark, params)) || await sharedRead(engine, name, db, { ...params })
  if (feed === 'normal' || first.result.results.length > 0) return sendShared(req, reply, first)

  params.since = first.result.last_seq
  mark = first.next ?? first.mark ?? null

  let streaming = false
  const result = await new Promise<SharedResult>((resolve) => {
    let done = false
    let beat: NodeJS.Timeout | undefined
    let timer: NodeJS.Timeout | undefined
    let running = false
    let again = false
    const finish = (r: SharedResult) => {
      if (done) return
      done = true
      stop()
      clearInterval(beat)
      clearTimeout(timer)
      openLongPolls.delete(endNow)
      reply.raw.off('close', gone)
      resolve(r)
    }
    const endNow = () => finish({ result: { results: [], last_seq: params.since, pending: 0 } })
    const gone = () => finish({ result: { results: [], last_seq: params.since, pending: 0 } })
    const check = async () => {
      if (running) { again = true; return }
      running = true
      try {
        do {
          again = false
          const r = (mark && await sharedFeed(engine, name, mark, params)) || await sharedRead(engine, name, db, { ...params })
          if (r.result.results.length > 0) return finish(r)
          params.since = r.result.last_seq
          mark = r.next ?? r.mark ?? null
        } while (again && !done)
      } catch {
        endNow()
      } finally {
        running = false
      }
    }
    // woken once the rows that arrived together are all in (a feed delivers a batch row by row)
    let scheduled = false
    const stop = engine.onChange(name, () => {
      if (scheduled) return
      scheduled = true
      setImmediate(() => { scheduled = false; if (!done) void check() })
    })
    openLongPolls.add(endNow)
    reply.raw.once('close', gone)
    if (timeout !== undefined) timer = setTimeout(endNow, timeout)
    if (heartbeat) {
      beat = setInterval(() => {
        if (!streaming) {
          streaming = true
          reply.hijack()
          reply.raw.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'must-revalidate' })
        }
        reply.raw.write('\n')
      }, Math.max(heartbeat, 1000))
    }
    // A change may have landed between the first read and the subscription.
    void check()
  })
  if (streaming) {
    if (!reply.raw.destroyed) reply.raw.end(JSON.stringify(result.result) + '\n')
    return
  }
  return sendShared(req, reply, result)
}
