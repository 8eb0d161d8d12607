import type { FastifyReply } from 'fastify'
import type { ChangesOptions, Db, Engine } from '../engine'

/** Changes read per page while the feed catches up. */
const PAGE = 500

/**
 * `_changes?feed=continuous` on the local engine, as CouchDB streams it (CouchDB's replicator pulls
 * a continuous replication this way): one change a line as they come, a newline every `heartbeat`
 * ms while quiet, and `{"last_seq":…}` when it ends — after `limit` changes, after `timeout` ms
 * without a heartbeat, at shutdown (`register`), or never while the client stays and beats.
 * The client going away ends it. Bounded: at most PAGE changes are read at a time, and the next
 * page is read only once the client has taken the last one (the socket drained).
 */
export async function streamContinuous(engine: Engine, name: string, db: Db, p: ChangesOptions & { since: string | number },
  opts: { limit?: number; heartbeat?: number; timeout?: number }, reply: FastifyReply, register: (end: () => void) => () => void): Promise<void> {
  reply.hijack()
  const raw = reply.raw
  raw.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'must-revalidate' })
  let since = p.since
  let left = opts.limit ?? Infinity
  let ended = false
  let wake: (() => void) | null = null
  /** a change landed since the last read (it may land between a read and the wait) */
  let dirty = false
  const sleep = () => new Promise<void>((resolve) => { wake = resolve })
  const poke = () => { dirty = true; const w = wake; wake = null; w?.() }
  const end = () => { ended = true; poke() }
  const stop = engine.onChange(name, poke)
  const unregister = register(end)
  raw.once('close', end)
  const beat = opts.heartbeat ? setInterval(() => { if (!ended) raw.write('\n') }, Math.max(opts.heartbeat, 1000)) : undefined
  // without heartbeats, `timeout` ms without a change ends the feed
  let timer: NodeJS.Timeout | undefined
  const quiet = () => { clearTimeout(timer); if (!opts.heartbeat && opts.timeout !== undefined) timer = setTimeout(end, opts.timeout) }
  quiet()
  try {
    while (!ended && left > 0) {
      dirty = false
      const page = await db.changes({ ...p, since, limit: Math.min(PAGE, left) })
      for (const row of page.results) {
        if (ended) break
        left--
        since = row.seq
        quiet()
        if (!raw.write(JSON.stringify(row) + '\n')) await new Promise<void>((resolve) => { raw.once('drain', resolve); raw.once('close', resolve) })
      }
      if (page.results.length === 0) {
        since = page.last_seq
        if (!ended && !dirty) await Promise.race([sleep(), new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref())])
      }
    }
  } finally {
    clearInterval(beat)
    clearTimeout(timer)
    stop()
    unregister()
    raw.off('close', end)
    if (!raw.destroyed) raw.end(JSON.stringify({ last_seq: since, pending: 0 }) + '\n')
  }
}
