import type { FastifyInstance } from 'fastify'
import { CouchError, badRequest, toCouchError } from './errors'

export const MAX_JSON_DEPTH = 64

/** Deepest nesting of objects and arrays in JSON text (strings skipped), in one pass. */
export function jsonDepth(text: string): number {
  let depth = 0; let max = 0; let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) { if (++depth > max) max = depth }
    else if (c === 125 || c === 93) depth--
  }
  return max
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
    if (jsonDepth(text) > MAX_JSON_DEPTH) return done(badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined)
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
