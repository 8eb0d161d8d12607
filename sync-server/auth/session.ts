import { createHash, createHmac } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { sameSecret, type Accounts, type Principal } from './accounts'
import { Attempts } from './attempts'
import type { Counters } from '../limits'
import { CouchError, unauthorized } from '../couch/errors'

export const COOKIE = 'AuthSession'
const SESSION_MS = 30 * 24 * 3600_000
const BASIC_CACHE_MS = 10 * 60_000

/** A session the hub signed: who, when it began (ms) and when it ends. */
export interface Session { name: string; issued: number; principal: Principal }

/**
 * Authentication: CouchDB-style `AuthSession` cookies (HMAC-signed name, start and expiry) and
 * HTTP basic auth. A cookie is good only while its account is, and only if it began after the
 * account's sessions were last ended (logout, password change: Accounts.endSessions), so ending a
 * session is the hub's decision, not the browser's. Basic auth results are cached briefly by
 * header hash so a syncing tablet does not pay the slow password hash on every request; the
 * cache is checked against the account's current credential, so a revoked device or changed
 * password stops working at once. Guessing is limited (attempts.ts).
 */
export class Sessions {
  private basicCache = new Map<string, { name: string; stamp: string; at: number }>()
  readonly attempts: Attempts

  constructor(private readonly accounts: Accounts, counters: Counters) {
    this.attempts = new Attempts(counters)
  }

  /** Checks a name and password for `POST _session` or basic auth, with rate limiting. */
  async login(name: string, password: string, ip: string): Promise<Principal> {
    const p = await this.attempts.login(name, ip, () => this.accounts.verify(name, password))
    if (!p) throw new CouchError(401, 'unauthorized', 'Name or password is incorrect.')
    return p
  }

  cookieFor(name: string): string {
    // strictly after the last end of this account's sessions, even within the same millisecond
    const issued = Math.max(Date.now(), this.accounts.sessionsEndedAt(name) + 1)
    const payload = `${Buffer.from(name).toString('base64url')}:${issued.toString(16)}:${(issued + SESSION_MS).toString(16)}`
    return `${payload}:${this.sign(payload)}`
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.accounts.secret).update(payload).digest('base64url')
  }

  /** The session a cookie carries, if the hub signed it and it has not ended. */
  session(value: string): Session | null {
    const parts = value.split(':')
    if (parts.length !== 4) return null
    const [n, issuedHex, exp, mac] = parts as [string, string, string, string]
    if (!sameSecret(this.sign(`${n}:${issuedHex}:${exp}`), mac)) return null
    const issued = parseInt(issuedHex, 16)
    if (parseInt(exp, 16) < Date.now()) return null
    const name = Buffer.from(n, 'base64url').toString()
    if (!(issued > this.accounts.sessionsEndedAt(name))) return null
    const principal = this.accounts.principal(name)
    return principal ? { name, issued, principal } : null
  }

  /** Who is asking: null for anonymous; throws 401 for bad credentials, 429 when rate-limited. */
  async identify(req: FastifyRequest): Promise<Principal | null> {
    const header = req.headers.authorization
    if (header?.startsWith('Basic ')) {
      const key = createHash('sha256').update(header).digest('base64')
      const hit = this.basicCache.get(key)
      if (hit && Date.now() - hit.at < BASIC_CACHE_MS && this.accounts.credentialStamp(hit.name) === hit.stamp) {
        return this.accounts.principal(hit.name)
      }
      const decoded = Buffer.from(header.slice(6), 'base64').toString()
      const colon = decoded.indexOf(':')
      if (colon < 0) throw unauthorized('Malformed basic authorization header.')
      const name = decoded.slice(0, colon)
      const p = await this.login(name, decoded.slice(colon + 1), req.ip)
      if (this.basicCache.size > 10_000) this.basicCache.clear()
      this.basicCache.set(key, { name, stamp: this.accounts.credentialStamp(name), at: Date.now() })
      return p
    }
    const cookie = req.cookies?.[COOKIE]
    if (cookie) return this.session(cookie)?.principal ?? null
    return null
  }

  setCookie(reply: FastifyReply, name: string, secure: boolean): void {
    reply.setCookie(COOKIE, this.cookieFor(name), { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_MS / 1000 })
  }

  clearCookie(reply: FastifyReply): void {
    reply.setCookie(COOKIE, '', { path: '/', httpOnly: true, sameSite: 'lax', maxAge: 0 })
  }
}

export function userCtx(p: Principal | null): { name: string | null; roles: string[] } {
  if (!p) return { name: null, roles: [] }
  switch (p.kind) {
    case 'admin': return { name: p.name, roles: ['_admin'] }
    case 'device': return { name: p.name, roles: ['device', `village:${p.village}`] }
    case 'user': return { name: p.name, roles: p.village ? [p.role, `village:${p.village}`] : [p.role, `township:${p.township}`] }
  }
}
