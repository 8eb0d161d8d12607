import type { IncomingMessage } from 'node:http'
import { PassThrough, Readable } from 'node:stream'
import { createGzip, gzipSync } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Engine } from '../engine'
import { CouchError } from './errors'
import { tooBig } from './reads'

/** Answers up to this size are read whole and gzipped in one call; larger ones stream through gzip. */
const BUFFER_LIMIT = 1024 * 1024

type Query = Record<string, string | undefined>

/** The query parameters of `q` named in `allowed`, as a query string (values as the client sent them). */
export function pickQuery(q: Query, allowed: readonly string[]): string {
  const parts: string[] = []
  for (const k of allowed) {
    const v = q[k]
    if (typeof v === 'string') parts.push(`${k}=${encodeURIComponent(v)}`)
  }
  return parts.length ? `?${parts.join('&')}` : ''
}

const gzipWanted = (req: FastifyRequest) => /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))

/** CouchDB's answer to the hub's own credentials is the hub's problem, not the client's. */
function checkEngineAnswer(res: IncomingMessage): void {
  if (res.statusCode === 401 || res.statusCode === 403) {
    res.resume()
    throw new CouchError(502, 'engine_error', 'the hub could not use its CouchDB (check the credentials in COUCHDB_URL)')
  }
}

/**
 * Sends CouchDB's answer to a read on to the client unparsed: same status and JSON, gzipped for
 * a client that takes it (small answers read whole and compressed in one synchronous call,
 * large ones streamed through gzip). With `maxBytes` (a read of records whose answer is bounded,
 * reads.ts) the answer is read whole and refused with 413 once it passes that size, before
 * anything of it is sent.
 */
export async function relay(req: FastifyRequest, reply: FastifyReply, engine: Engine, name: string, method: string, path: string, body: unknown = null, maxBytes?: number): Promise<FastifyReply> {
  if (!engine.forward) throw new Error('relay needs an engine that forwards')
  const ac = new AbortController()
  const gone = () => ac.abort()
  reply.raw.once('close', gone)
  try {
    const res = await engine.forward(name, method, path, body === null ? null : JSON.stringify(body), ac.signal)
    checkEngineAnswer(res)
    reply.code(res.statusCode ?? 502).header('content-type', 'application/json; charset=utf-8')
    const chunks: Uint8Array[] = []
    let size = 0
    const it = res[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
    for (;;) {
      const next = await it.next()
      if (next.done) {
        const whole = new Uint8Array(Buffer.concat(chunks, size))
        if (size <= 1024 || !gzipWanted(req)) return reply.send(whole)
        reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding')
        // larger than BUFFER_LIMIT only when bounded by maxBytes: gzipped off the event loop
        return reply.send(size <= BUFFER_LIMIT ? gzipSync(whole, { level: 4 }) : Readable.from([whole]).pipe(createGzip({ level: 4 })))
      }
      chunks.push(next.value)
      size += next.value.length
      if (maxBytes !== undefined && res.statusCode === 200) {
        if (size > maxBytes) {
          ac.abort()
          res.destroy()
          throw tooBig()
        }
      } else if (size > BUFFER_LIMIT) break
    }
    // Large: what was read, then the rest as it comes.
    const rest = new PassThrough()
    for (const c of chunks) rest.write(c)
    void (async () => {
      try {
        for (;;) {
          const next = await it.next()
          if (next.done) break
          if (!rest.write(next.value)) await new Promise((r) => rest.once('drain', r))
        }
        rest.end()
      } catch (e) { rest.destroy(e as Error) }
    })()
    let out: Readable = rest
    if (gzipWanted(req)) {
      out = rest.pipe(createGzip({ level: 4 }))
      reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding')
    }
    return reply.send(out)
  } finally {
    reply.raw.off('close', gone)
  }
}

/**
 * A continuous feed handed to CouchDB as it is and streamed back unbuffered and uncompressed (one
 * change a line, heartbeats as newlines). `register` lets shutdown end it.
 */
export async function relayStream(req: FastifyRequest, reply: FastifyReply, engine: Engine, name: string, path: string, body: unknown, register: (end: () => void) => () => void): Promise<void> {
  if (!engine.forward) throw new Error('relayStream needs an engine that forwards')
  const ac = new AbortController()
  reply.hijack()
  const raw = reply.raw
  let ended = false
  const head = (status: number) => { if (!raw.headersSent) raw.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'must-revalidate' }) }
  const end = () => {
    if (ended) return
    ended = true
    ac.abort()
    head(200)
    if (!raw.destroyed) raw.end()
  }
  const unregister = register(end)
  const gone = () => { ended = true; ac.abort() }
  raw.once('close', gone)
  try {
    const res = await engine.forward(name, req.method, path, body === null ? null : JSON.stringify(body), ac.signal)
    if (ended) { res.resume(); return }
    if (res.statusCode === 401 || res.statusCode === 403) {
      res.resume()
      head(502)
      raw.end(JSON.stringify({ error: 'engine_error', reason: 'the hub could not use its CouchDB (check the credentials in COUCHDB_URL)' }))
      return
    }
    head(res.statusCode ?? 502)
    await new Promise<void>((resolve) => {
      res.on('data', (c: Buffer) => { if (!ended) raw.write(c) })
      res.once('end', resolve)
      res.once('error', resolve)
      res.once('close', resolve)
    })
    if (!ended) { ended = true; raw.end() }
  } catch (e) {
    if (ended) return
    ended = true
    const err = e as { status?: number; error?: string; reason?: string; message?: string }
    head(typeof err.status === 'number' ? err.status : 502)
    raw.end(JSON.stringify({ error: err.error ?? 'engine_error', reason: err.reason ?? err.message ?? 'CouchDB could not be reached' }))
  } finally {
    unregister()
    raw.off('close', gone)
  }
}
