import type { FastifyInstance } from 'fastify'
import { LIMITS } from '../limits'
import { CouchError, badRequest, toCouchError, tooLarge } from './errors'

export const MAX_JSON_DEPTH = 64

/**
 * In one pass over JSON text (strings skipped): its deepest nesting of objects and arrays, and the
 * most entries of a list at the top of the body (the body itself, or a field of it: `docs`, `keys`,
 * `doc_ids`) — every one of which the hub takes at most 1000 of, so a longer one is refused before
 * it is parsed (1.3 million empty documents in 8 MB took seconds to parse alone).
 */
export function jsonShape(text: string, stopAt = { depth: Number.POSITIVE_INFINITY, list: Number.POSITIVE_INFINITY }): { depth: number; longestList: number } {
  let depth = 0; let max = 0; let inString = false
  let longest = 0
  // entries so far of the lists at levels 1 and 2 (-1: an object; deeper levels are only counted)
  const entries = [-1, -1]
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
      continue
    }
    if (c === 32 || c === 10 || c === 13 || c === 9) continue
    // the first character of a value in a top list starts its first entry
    if (depth > 0 && depth <= 2 && entries[depth - 1] === 0 && c !== 93) entries[depth - 1] = 1
    if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (depth < 2) entries[depth] = c === 91 ? 0 : -1
      if (++depth > max) { max = depth; if (max > stopAt.depth) break }
    } else if (c === 125 || c === 93) {
      if (depth <= 2 && entries[depth - 1]! > longest) longest = entries[depth - 1]!
      depth--
    } else if (c === 44 && depth <= 2 && entries[depth - 1]! > 0) {
      if (++entries[depth - 1]! > stopAt.list) return { depth: max, longestList: entries[depth - 1]! }
    }
  }
  return { depth: max, longestList: longest }
}

/** Set on a body that stopped arriving (see guard.ts): answered 408, and the connection is closed. */
export const BODY_TIMEOUT = 'HUB_BODY_TIMEOUT'

/**
 * JSON bodies, the only kind of body the CouchDB routes take (a form or plain text gets 415: no page
 * elsewhere can post one with a cookie; the blob route takes bytes of its own). An empty body is no body (CouchDB clients send POSTs without one).
 * Invalid UTF-8 is refused (Node would silently turn it into U+FFFD and store it), and so is
 * nesting deeper than any record of ours needs (it overflowed the stack later: a 500 that a syncing
 * tablet would retry forever). Then Fastify's own parser, which refuses `__proto__` and
 * `constructor.prototype` keys (test/proof/hostile) — each refusal with its own reason.
 */
export function jsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  const utf8 = new TextDecoder('utf-8', { fatal: true })
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string
    try { text = utf8.decode(body as Buffer) } catch { return done(badRequest('the body is not valid UTF-8'), undefined) }
    if (text.trim() === '') return done(null, undefined)
    const most = Math.max(LIMITS.docsPerBatch, LIMITS.keysPerRead)
    const shape = jsonShape(text, { depth: MAX_JSON_DEPTH, list: most })
    if (shape.depth > MAX_JSON_DEPTH) return done(badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined)
    if (shape.longestList > most) return done(tooLarge(`a list of more than ${most} entries: the hub takes at most ${most} documents or keys per request`), undefined)
    parseJson(req, text, (err, parsed) => {
      if (!err) return done(null, parsed)
      let valid = false
      try { JSON.parse(text); valid = true } catch { /* not JSON at all */ }
      done(badRequest(valid ? 'keys named __proto__ (or constructor.prototype) are not accepted' : 'the body is not valid JSON'), undefined)
    })
  })
}

/** Every error in CouchDB's shape, with its status and headers (Retry-After, Connection: close). */
export function couchErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, _req, reply) => {
    let e: CouchError
    const code = (err as { code?: string }).code
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = new CouchError(413, 'too_large', 'the request entity is too large')
    else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') e = new CouchError(415, 'bad_content_type', 'Content-Type must be application/json')
    else if (code === BODY_TIMEOUT) e = new CouchError(408, 'request_timeout', 'the request body did not arrive in time', { connection: 'close' })
    else if (code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError) e = badRequest('the body is not valid JSON')
    else if (!(err instanceof CouchError) && typeof (err as { statusCode?: number }).statusCode === 'number' && (err as { statusCode: number }).statusCode < 500) {
      e = new CouchError((err as { statusCode: number }).statusCode, 'bad_request', (err as Error).message)
    } else e = toCouchError(err)
    if (e.status >= 500) reply.log.error({ err }, 'request failed')
    return reply.code(e.status).headers(e.headers).send(e.toJSON())
  })
}
