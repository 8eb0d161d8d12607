import { gzipSync } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Sends a JSON answer compressed here, in one synchronous gzip, when the client takes gzip and
 * it is worth it. @fastify/compress streams answers above its sync threshold (8 KB on two cores)
 * through zlib's thread pool, which added ~1.5 ms to each of RxDB's `_all_docs` and `_bulk_docs`
 * answers (10–20 KB for a batch of 200) for a compression that takes ~0.1 ms. The plugin leaves
 * an answer that already has a content-encoding alone. Above SYNC_GZIP_MAX the plugin does it
 * (in zlib's thread pool): gzipping an 8 MB page here held every other request for a second.
 */
/** Largest answer gzipped synchronously here, characters of JSON. */
export const SYNC_GZIP_MAX = 1024 * 1024

export function sendJson(req: FastifyRequest, reply: FastifyReply, body: unknown, json = JSON.stringify(body)): FastifyReply {
  reply.header('content-type', 'application/json; charset=utf-8')
  if (json.length > 1024 && json.length <= SYNC_GZIP_MAX && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    return reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').send(gzipSync(json, { level: 4 }))
  }
  return reply.send(json)
}
