/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub, read field by field */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { ADMIN_AUTH, basic, couch, provision, type Provisioned } from './helpers'

// Sessions and limits (issue #12): sessions end server-side, failed attempts are counted before the
// slow hash, per account and per address, a success does not wipe others' failures, enrollment codes
// have a limit of their own and enough entropy, and cookie writes need JSON and a same-origin Origin.

let hub: RunningHub
let p: Provisioned

describeEngines('sessions and attempts', (engine) => {
  beforeAll(async () => {
    hub = await startHub(engine().env)
    p = await provision(hub, { township: 'tsx', villages: ['va', 'vb'] })
  })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  /** A request from another loopback address (127.0.0.x), as a client elsewhere on the network would be. */
  function from(address: string, path: string, opts: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }> {
    return new Promise((resolve, reject) => {
      const data = opts.body === undefined ? undefined : JSON.stringify(opts.body)
      const req = request(`${hub.url}/couch/${path}`, {
        method: opts.method ?? (data ? 'POST' : 'GET'), localAddress: address,
        headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...(opts.headers ?? {}) },
      }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => { text += c })
        res.on('end', () => { let body: unknown = text; try { body = JSON.parse(text) } catch { /* text */ } resolve({ status: res.statusCode ?? 0, body, headers: res.headers }) })
      })
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')))
      req.on('error', reject)
      if (data) req.write(data)
      req.end()
    })
  }

  async function login(name: string, password: string, address = '127.0.0.1'): Promise<string> {
    const r = await from(address, '_session', { body: { name, password } })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    return String(r.headers['set-cookie']).split(';')[0]!
  }
  const origin = () => hub.url

  describe('failed attempts', () => {
    it('counts a guess before checking it: of 60 parallel guesses at one password, at most 10 are checked', async () => {
      const guesses = await Promise.all(Array.from({ length: 60 }, (_, i) => from('127.0.0.2', 'village-vb', { headers: { authorization: basic(p.staff.name, `guess-${i}`) } })))
      const checked = guesses.filter((g) => g.status === 401).length
      expect(checked).toBeLessThanOrEqual(10)
      expect(guesses.filter((g) => g.status === 429).length).toBe(60 - checked)
    })

    it("does not let one's own good login wipe the address's failures", async () => {
      const address = '127.0.0.3'
      let limited = false
      for (let i = 0; i < 30 && !limited; i++) {
        // guesses at many names, with the attacker's own good login in between
        for (let k = 0; k < 10; k++) {
          const r = await from(address, 'village-va', { headers: { authorization: basic(`nobody-${i}-${k}`, 'wrong-password') } })
          if (r.status === 429) limited = true
        }
        const own = await from(address, '_session', { body: { name: p.clerk.name, password: p.clerk.password } })
        if (own.status === 429) limited = true
      }
      expect(limited).toBe(true)
    })

    it('limits guesses at one account from many addresses', async () => {
      const target = { name: 'clerk-target', password: 'target-password-1' }
      expect((await couch(hub, '_hub/users', { body: { ...target, role: 'clerk', village: 'va' } })).status).toBe(201)
      const statuses: number[] = []
      for (let i = 0; i < 40; i++) statuses.push((await from(`127.0.1.${i + 1}`, '_session', { body: { name: target.name, password: `wrong-${i}` } })).status)
      expect(statuses).toContain(429)
      expect(statuses.filter((s) => s === 401).length).toBeLessThan(40)
    })

    it("does not let a revoked tablet that keeps retrying lock people out behind the same address", async () => {
      const address = '127.0.0.9'
      for (let i = 0; i < 110; i++) await from(address, 'village-va/_changes', { headers: { authorization: basic('dev-000000000000', 'revoked-secret') } })
      expect((await from(address, '_session', { body: { name: p.clerk.name, password: p.clerk.password } })).status).toBe(200)
    })

    it('gives enrollment codes a limit of their own that a logged-in guesser cannot reset', async () => {
      const address = '127.0.0.4'
      let limited = false
      for (let i = 0; i < 40 && !limited; i++) {
        const r = await from(address, '_hub/enroll', { body: { code: String(100_000_000_000 + i), label: 'x' } })
        if (r.status === 429) limited = true
        await from(address, 'village-va', { headers: { authorization: basic(p.devices[0]!.id, p.devices[0]!.secret) } })
        await from(address, '_session', { body: { name: p.staff.name, password: p.staff.password } })
      }
      expect(limited).toBe(true)
    })

    it('makes enrollment codes long enough that guessing within their lifetime is pointless', async () => {
      const e = await couch(hub, '_hub/enrollments', { body: { village: 'vb' } })
      expect(e.status).toBe(201)
      expect(e.body.code).toMatch(/^\d{12}$/)
      // typed in groups, it still works
      const grouped = e.body.code.replace(/(\d{4})(?=\d)/g, '$1 ')
      expect((await couch(hub, '_hub/enroll', { auth: null, body: { code: grouped, label: '平板' } })).status).toBe(201)
    })
  })

  describe('sessions end on the hub', () => {
    it('logout ends the session: the old cookie no longer works', async () => {
      const cookie = await login(p.clerk.name, p.clerk.password)
      expect((await couch(hub, 'village-va', { auth: null, headers: { cookie } })).status).toBe(200)
      expect((await couch(hub, '_session', { method: 'DELETE', auth: null, headers: { cookie, origin: origin() } })).status).toBe(200)
      expect((await couch(hub, 'village-va', { auth: null, headers: { cookie } })).status).toBe(401)
      expect((await couch(hub, '_session', { auth: null, headers: { cookie } })).body.userCtx.name).toBeNull()
    })

    it('a password change needs the current password and ends every older session', async () => {
      const user = { name: 'clerk-pw', password: 'first-password-1' }
      expect((await couch(hub, '_hub/users', { body: { ...user, role: 'clerk', village: 'va' } })).status).toBe(201)
      const cookie = await login(user.name, user.password)
      const self = basic(user.name, user.password)
      const without = await couch(hub, `_hub/users/${user.name}`, { method: 'PUT', auth: self, body: { password: 'second-password-2' } })
      expect(without.status).toBe(400)
      const wrong = await couch(hub, `_hub/users/${user.name}`, { method: 'PUT', auth: self, body: { password: 'second-password-2', currentPassword: 'not-it-at-all' } })
      expect(wrong.status).toBe(403)
      const ok = await couch(hub, `_hub/users/${user.name}`, { method: 'PUT', auth: self, body: { password: 'second-password-2', currentPassword: user.password } })
      expect(ok.status).toBe(200)
      expect((await couch(hub, 'village-va', { auth: null, headers: { cookie } })).status).toBe(401)
      expect((await couch(hub, 'village-va', { auth: self })).status).toBe(401)
      expect((await couch(hub, 'village-va', { auth: basic(user.name, 'second-password-2') })).status).toBe(200)
      // the admin resets another's password without it, and that ends their sessions too
      const fresh = await login(user.name, 'second-password-2')
      expect((await couch(hub, `_hub/users/${user.name}`, { method: 'PUT', auth: ADMIN_AUTH, body: { password: 'third-password-3' } })).status).toBe(200)
      expect((await couch(hub, 'village-va', { auth: null, headers: { cookie: fresh } })).status).toBe(401)
    })
  })

  describe('cookie writes', () => {
    it('take JSON from the hub\'s own pages only: a form, or a page on another port, cannot mint an enrollment code', async () => {
      const cookie = await login(p.staff.name, p.staff.password)
      const count = async () => (await couch(hub, '_hub/devices')).body.length as number
      const form = await couch(hub, '_hub/enrollments', { auth: null, raw: 'village=va', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: origin() } })
      expect(form.status).toBe(415)
      const otherPort = await couch(hub, '_hub/enrollments', { auth: null, body: { village: 'va' }, headers: { cookie, origin: 'http://127.0.0.1:9' } })
      expect(otherPort.status).toBe(403)
      const opaque = await couch(hub, '_hub/enrollments', { auth: null, body: { village: 'va' }, headers: { cookie, origin: 'null' } })
      expect(opaque.status).toBe(403)
      const plain = await couch(hub, '_hub/enrollments', { auth: null, raw: '{"village":"va"}', headers: { cookie, 'content-type': 'text/plain' } })
      expect(plain.status).toBe(415)
      // a tool without a browser (no Origin at all) may, with JSON
      const tool = await couch(hub, '_hub/enrollments', { auth: null, body: { village: 'va' }, headers: { cookie } })
      expect(tool.status).toBe(201)
      const same = await couch(hub, '_hub/enrollments', { auth: null, body: { village: 'va' }, headers: { cookie, origin: origin() } })
      expect(same.status).toBe(201)
      const before = await count()
      expect((await couch(hub, '_hub/enroll', { auth: null, body: { code: same.body.code } })).status).toBe(201)
      expect(await count()).toBe(before + 1)
    })
  })
})
