import { PassThrough } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Principal } from '../auth/accounts'
import { COOKIE, type Sessions } from '../auth/session'
import { LIMITS } from '../limits'
import { BODY_TIMEOUT } from './body'
import { CouchError, forbidden, tooMany } from './errors'

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null }
  interface FastifyContextConfig {
    /** Served to anonymous clients too (welcome, health, login, enrollment); every other route needs credentials. */
    anonymous?: boolean
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'DELETE', 'PATCH'])

/** Whether the request carries a body (read or not). */
export const hasBody = (req: FastifyRequest) =>
  Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined

/** `host[:port]` of an Origin header, or null. */
function originHost(origin: string): string | null {
  try { return new URL(origin).host } catch { return null }
}

/**
 * What every request under /couch meets before its body is read:
 * - who is asking (basic auth or session cookie); anonymous requests are refused with 401 unless
 *   the route is marked `anonymous`, and a body they carry is never read (the connection closes);
 * - a write authenticated by a cookie is refused when it comes from a page elsewhere: an `Origin`
 *   other than the hub's own host and port (another port of the same host included, and `null`) is
 *   403. Browsers send `Origin` on every cross-origin write and every POST form; a request without
 *   one is a tool (couchbackup's SDK logs in with a session too), and its body must be JSON or a
 *   blob anyway — no form parser exists, and a cross-origin JSON or PUT needs a CORS preflight the
 *   hub never grants;
 * - an account or tablet has at most LIMITS.inFlightPerPrincipal requests in flight;
 * - a body must arrive within `bodyTimeoutMs` (408, connection closed).
 */
export function guardRequests(app: FastifyInstance, opts: { sessions: Sessions; bodyTimeoutMs: number }): void {
  const inFlight = new Map<string, number>()
  app.decorateRequest('principal', null)

  app.addHook('onRequest', async (req, reply) => {
    const p = req.principal = await opts.sessions.identify(req)
    if (!p) {
      if (req.routeOptions.config?.anonymous) return
      throw new CouchError(401, 'unauthorized', 'You are not authorized to access this db.', hasBody(req) ? { connection: 'close' } : {})
    }
    const byCookie = !req.headers.authorization && req.cookies?.[COOKIE] !== undefined
    if (byCookie && UNSAFE.has(req.method)) {
      const origin = req.headers.origin
      const host = req.headers.host ?? (req.headers[':authority'] as string | undefined)
      if (origin !== undefined && (!host || originHost(origin) !== host)) throw forbidden('A change made with a session cookie must come from a page of this hub (Origin).')
    }
    if (p.kind === 'admin') return
    const n = inFlight.get(p.name) ?? 0
    if (n >= LIMITS.inFlightPerPrincipal) throw tooMany(`at most ${LIMITS.inFlightPerPrincipal} requests at once per account or tablet`, 1000)
    inFlight.set(p.name, n + 1)
    reply.raw.once('close', () => {
      const left = (inFlight.get(p.name) ?? 1) - 1
      if (left > 0) inFlight.set(p.name, left)
      else inFlight.delete(p.name)
    })
  })

  app.addHook('preParsing', async (req, _reply, payload) => {
    if (!hasBody(req)) return payload
    const body = new PassThrough()
    const timer = setTimeout(() => {
      payload.unpipe(body)
      body.destroy(Object.assign(new Error('the request body did not arrive in time'), { code: BODY_TIMEOUT, statusCode: 408 }))
    }, opts.bodyTimeoutMs)
    timer.unref()
    const stop = () => clearTimeout(timer)
    payload.once('end', stop).once('close', stop).once('error', (e) => { stop(); body.destroy(e) })
    payload.pipe(body)
    return body
  })
}
