import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Db, Engine } from '../engine'
import { badRequest } from './errors'

type Query = Record<string, string | undefined>

interface ChangesParams {
  since: string | number
  limit?: number
  include_docs: boolean
  style: 'all_docs' | 'main_only'
  doc_ids?: string[]
  conflicts: boolean
}

export interface ChangesResult { results: unknown[]; last_seq: string | number; pending: number }

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
 * `GET|POST {db}/_changes` with `feed=normal|longpoll`, `since` (number, CouchDB string or
 * `now`), `limit`, `style=all_docs`, `include_docs`, `heartbeat`, `timeout`, `filter=_doc_ids`.
 * A quiet long-poll ends at `timeout`; with `heartbeat` it stays open and sends a newline
 * every `heartbeat` ms (on an uncompressed stream, so the newlines really leave). A client
 * that goes away is noticed through the socket's close and its waiter is dropped.
 */
export async function handleChanges(engine: Engine, name: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const q = { ...(req.query as Query) }
  const body = (req.body ?? {}) as { doc_ids?: unknown }
  const feed = q.feed ?? 'normal'
  if (!['normal', 'longpoll'].includes(feed)) throw badRequest('feed must be normal or longpoll (continuous and eventsource are not served)')
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
  const db = engine.db(name)

  if (params.since === 'now') params.since = (await db.info()).update_seq
  const first = await readChanges(db, params)
  if (feed === 'normal' || first.results.length > 0) return reply.send(first)

  const heartbeat = intParam(q, 'heartbeat')
  const timeout = intParam(q, 'timeout') ?? (heartbeat ? undefined : 60_000)
  params.since = first.last_seq

  let streaming = false
  const result = await new Promise<ChangesResult>((resolve) => {
    let done = false
    let beat: NodeJS.Timeout | undefined
    let timer: NodeJS.Timeout | undefined
    let running = false
    let again = false
    const finish = (r: ChangesResult) => {
      if (done) return
      done = true
      stop()
      clearInterval(beat)
      clearTimeout(timer)
      openLongPolls.delete(endNow)
      reply.raw.off('close', gone)
      resolve(r)
    }
    const endNow = () => finish({ results: [], last_seq: params.since, pending: 0 })
    const gone = () => finish({ results: [], last_seq: params.since, pending: 0 })
    const check = async () => {
      if (running) { again = true; return }
      running = true
      try {
        do {
          again = false
          const r = await readChanges(db, params)
          if (r.results.length > 0) return finish(r)
          params.since = r.last_seq
        } while (again && !done)
      } catch {
        endNow()
      } finally {
        running = false
      }
    }
    const stop = engine.onChange(name, () => void check())
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
    if (!reply.raw.destroyed) reply.raw.end(JSON.stringify(result) + '\n')
    return
  }
  return reply.send(result)
}

async function readChanges(db: Db, p: ChangesParams): Promise<ChangesResult> {
  const opts: PouchDB.Core.ChangesOptions = {
    since: p.since as number, include_docs: p.include_docs, style: p.style, conflicts: p.conflicts, return_docs: true,
  }
  if (p.limit !== undefined) opts.limit = p.limit
  if (p.doc_ids) opts.doc_ids = p.doc_ids
  const r = await db.changes(opts)
  // CouchDB's `pending` (tools page until it is 0). PouchDB does not count it: when the
  // page was full, estimate from the update sequence; otherwise nothing is pending.
  let pending = 0
  if (p.limit !== undefined && r.results.length >= p.limit) {
    const update = (await db.info()).update_seq
    pending = typeof update === 'number' && typeof r.last_seq === 'number' ? Math.max(1, update - r.last_seq) : 1
  }
  return { results: r.results, last_seq: r.last_seq, pending }
}
