import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import QRCode from 'qrcode'
import { AccountError, type Accounts, type Principal, type Role } from '../auth/accounts'
import { requireAdmin } from '../auth/access'
import type { Sessions } from '../auth/session'
import type { Pusher } from '../couch/push'
import { CouchError, badRequest, forbidden, unauthorized } from '../couch/errors'
import { openLongPolls } from '../couch/changes'
import { LIMITS } from '../limits'

export interface AdminDeps { accounts: Accounts; sessions: Sessions; pusher: Pusher }

const str = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || v === '') throw badRequest(`${field} is required`)
  return v
}

function wrap<T>(fn: () => Promise<T>): Promise<T> {
  return fn().catch((e: unknown) => {
    if (e instanceof AccountError) throw new CouchError(e.status, e.status === 409 ? 'conflict' : e.status === 404 ? 'not_found' : e.status === 403 ? 'forbidden' : e.status === 429 ? 'too_many_requests' : 'bad_request', e.message)
    throw e
  })
}

/** May `p` manage village `village` (enroll or revoke its devices)? Admin, its township's staff. */
function mayManage(accounts: Accounts, p: Principal, village: string): boolean {
  if (p.kind === 'admin') return true
  if (p.kind === 'user' && p.role === 'township') return accounts.villages.get(village)?.township === p.township
  return false
}

/**
 * The hub's own API under /couch/_hub: provisioning (admin), device enrollment (township
 * staff or clerks make a code or QR; a tablet redeems it), revocation, quarantine.
 */
export const adminRoutes: FastifyPluginAsync<AdminDeps> = async (app, { accounts, sessions, pusher }) => {
  const who = (req: FastifyRequest): Principal => {
    if (!req.principal) throw unauthorized()
    return req.principal
  }

  app.get('/stats', async (req) => {
    requireAdmin(req.principal)
    const m = process.memoryUsage()
    return { longPolls: openLongPolls.size, rssBytes: m.rss, heapUsedBytes: m.heapUsed, uptimeSeconds: Math.round(process.uptime()) }
  })

  app.get('/townships', async (req) => {
    const p = who(req)
    const all = [...accounts.townships.values()]
    const visible = p.kind === 'admin' ? all : all.filter((t) => t.id === p.township)
    return visible.map((t) => ({ ...t, villages: [...accounts.villages.values()].filter((v) => v.township === t.id) }))
  })
  app.post('/townships', async (req, reply) => {
    requireAdmin(req.principal)
    const b = (req.body ?? {}) as Record<string, unknown>
    const t = await wrap(() => accounts.addTownship(str(b.id, 'id'), String(b.name ?? b.id)))
    return reply.code(201).send(t)
  })
  app.post('/villages', async (req, reply) => {
    requireAdmin(req.principal)
    const b = (req.body ?? {}) as Record<string, unknown>
    const v = await wrap(() => accounts.addVillage(str(b.id, 'id'), str(b.township, 'township'), String(b.name ?? b.id)))
    return reply.code(201).send({ ...v, db: `village-${v.id}` })
  })
  app.post('/users', async (req, reply) => {
    requireAdmin(req.principal)
    const b = (req.body ?? {}) as Record<string, unknown>
    const u = await wrap(() => accounts.addUser({
      name: str(b.name, 'name'), password: str(b.password, 'password'), role: str(b.role, 'role') as Role,
      ...(typeof b.township === 'string' ? { township: b.township } : {}),
      ...(typeof b.village === 'string' ? { village: b.village } : {}),
    }))
    return reply.code(201).send({ name: u.name, role: u.role, township: u.township, village: u.village })
  })
  app.get('/users', async (req) => {
    requireAdmin(req.principal)
    return [...accounts.users.values()].map((u) => ({ name: u.name, role: u.role, township: u.township, village: u.village, disabled: u.disabled }))
  })
  app.put('/users/:name', async (req, reply) => {
    const p = who(req)
    const name = (req.params as { name: string }).name
    const b = (req.body ?? {}) as Record<string, unknown>
    // People may change their own password, saying their current one; only the admin changes others' or disables accounts.
    if (p.kind !== 'admin' && !(p.name === name && b.disabled === undefined)) throw forbidden('Only the admin manages other accounts.')
    if (typeof b.password === 'string') {
      if (p.kind !== 'admin') {
        if (typeof b.currentPassword !== 'string' || b.currentPassword === '') throw badRequest('currentPassword is required to change your own password')
        await sessions.login(name, b.currentPassword, req.ip).catch((e: unknown) => {
          throw e instanceof CouchError && e.status === 401 ? forbidden('The current password is not right.') : e
        })
      }
      await wrap(() => accounts.setPassword(name, b.password as string))
      // every session of the account has ended; whoever changed their own password by cookie gets a new one
      if (p.name === name && !req.headers.authorization) sessions.setCookie(reply, name, req.protocol === 'https')
    }
    if (typeof b.disabled === 'boolean') await wrap(() => accounts.setDisabled(name, b.disabled as boolean))
    return { ok: true }
  })

  // ---- devices ----
  app.post('/enrollments', async (req, reply) => {
    const p = who(req)
    const b = (req.body ?? {}) as Record<string, unknown>
    const village = str(b.village, 'village')
    const clerkOfVillage = p.kind === 'user' && p.role === 'clerk' && p.village === village
    if (!mayManage(accounts, p, village) && !clerkOfVillage) throw forbidden(`${p.name} may not enroll devices for ${village}.`)
    const ttl = typeof b.ttlMinutes === 'number' && b.ttlMinutes > 0 ? Math.min(b.ttlMinutes, 7 * 24 * 60) * 60_000 : undefined
    const e = await wrap(() => accounts.createEnrollment(village, p.name, ttl))
    const payload = JSON.stringify({ yishi: 'enroll', code: e.code, village })
    const qr = await QRCode.toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 })
    return reply.code(201).send({ code: e.code, village, expiresAt: e.expiresAt, qr, qrPayload: payload })
  })
  app.post('/enroll', { bodyLimit: LIMITS.anonymousBodyBytes, config: { anonymous: true } }, async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>
    const code = str(b.code, 'code').replace(/[\s-]+/g, '')
    // the tablet's device key (made on the tablet) is certified with the hub's key: see validate/signature.ts
    const publicKey = typeof b.publicKey === 'string' ? b.publicKey : undefined
    // Guessing codes has a limit of its own (auth/attempts.ts), counted before the code is looked up.
    const enrolled = await sessions.attempts.enroll(req.ip, () => wrap(() => accounts.enroll(code, String(b.label ?? ''), publicKey)))
    if (!enrolled) throw forbidden('enrollment code unknown, used or expired')
    const { device, secret } = enrolled
    const villageName = accounts.villages.get(device.village)?.name ?? device.village
    const townshipName = accounts.townships.get(device.township)?.name ?? device.township
    const certificate = pusher.provenance && device.publicKey ? await pusher.provenance.certificate(device) : null // first: it reads the key as stored
    const keys = pusher.provenance && certificate ? { hubKey: pusher.provenance.hubKey, hubKeys: pusher.provenance.history, certificate } : {}
    return reply.code(201).send({ device: device.id, secret, village: device.village, villageName, townshipName, db: `village-${device.village}`, ...keys })
  })
  app.get('/devices', async (req) => {
    const p = who(req)
    return [...accounts.devices.values()]
      .filter((d) => mayManage(accounts, p, d.village))
      .map(({ secretHash: _s, ...d }) => d)
  })
  app.post('/devices/:id/revoke', async (req) => {
    const p = who(req)
    const id = (req.params as { id: string }).id
    const d = accounts.devices.get(id)
    if (!d || !mayManage(accounts, p, d.village)) throw new CouchError(404, 'not_found', 'missing')
    const r = await wrap(() => accounts.revokeDevice(id))
    return { ok: true, id: r.id, revoked: r.revoked }
  })

  // ---- quarantine ----
  app.get('/quarantine', async (req) => {
    requireAdmin(req.principal)
    const q = req.query as Record<string, string | undefined>
    return pusher.quarantine.list({ ...(q.db ? { db: q.db } : {}), includeReleased: q.all === 'true', ...(q.limit ? { limit: Number(q.limit) } : {}) })
  })
  app.post('/quarantine/:id/release', async (req) => {
    const p = requireAdmin(req.principal)
    const r = await pusher.release((req.params as { id: string }).id, p.name)
    if ('error' in r) throw new CouchError(r.error === 'not_found' ? 404 : 409, r.error, r.reason)
    return r
  })
}
