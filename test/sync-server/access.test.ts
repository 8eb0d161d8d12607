import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { basic, couch, provision, type Provisioned } from './helpers'

let hub: RunningHub
let p: Provisioned
let other: Provisioned

beforeAll(async () => {
  hub = await startHub({ BODY_LIMIT: '256k' })
  p = await provision(hub, { township: 'tsa', villages: ['va', 'vb'] })
  other = await provision(hub, { township: 'tsb', villages: ['vc'] })
})
afterAll(async () => { await hub?.stop({ removeData: true }) })

const alive = async () => expect((await couch(hub, '_up', { auth: null })).status).toBe(200)

describe('authentication', () => {
  it('answers 401 without credentials, on every data route, and keeps answering', async () => {
    for (const [path, method, body] of [
      ['village-va', 'GET'], ['village-va/_changes?feed=longpoll&timeout=50', 'GET'], ['village-va/_all_docs', 'POST', { keys: [] }],
      ['village-va/_bulk_docs', 'POST', { docs: [] }], ['newdb', 'PUT'], ['_all_dbs', 'GET'], ['village-va/x', 'PUT', {}],
    ] as [string, string, unknown?][]) {
      const r = await couch(hub, path, { method, auth: null, ...(body ? { body } : {}) })
      expect(r.status, `${method} ${path}`).toBe(401)
      expect(r.body.error).toBe('unauthorized')
    }
    await alive()
  })

  it('refuses a wrong password with 401 and rate-limits repeated failures with 429', async () => {
    const wrong = basic('nobody-here', 'not-the-password')
    expect((await couch(hub, 'village-vc', { auth: wrong })).status).toBe(401)
    expect((await couch(hub, 'village-vc', { auth: basic(other.staff.name, 'wrong-password') })).status).toBe(401)
    let last = 0
    for (let i = 0; i < 12; i++) last = (await couch(hub, 'village-vc', { auth: wrong })).status
    expect(last).toBe(429)
    await alive()
  })

  it('keeps a CouchDB-style cookie session', async () => {
    const login = await couch(hub, '_session', { auth: null, body: { name: p.clerk.name, password: p.clerk.password } })
    expect(login.status).toBe(200)
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
    expect(cookie).toMatch(/^AuthSession=/)
    const me = await couch(hub, '_session', { auth: null, headers: { cookie } })
    expect(me.body.userCtx.name).toBe(p.clerk.name)
    expect((await couch(hub, 'village-va', { auth: null, headers: { cookie } })).status).toBe(200)
    expect((await couch(hub, 'village-vb', { auth: null, headers: { cookie } })).status).toBe(403)
    const forged = cookie.slice(0, -3) + 'xyz'
    expect((await couch(hub, 'village-va', { auth: null, headers: { cookie: forged } })).status).toBe(401)
  })

  it('stops a revoked device at once, and an enrollment code works only once', async () => {
    const e = await couch(hub, '_hub/enrollments', { auth: basic(p.staff.name, p.staff.password), body: { village: 'vb' } })
    expect(e.status).toBe(201)
    expect(e.body.qr).toContain('<svg')
    const d = await couch(hub, '_hub/enroll', { auth: null, body: { code: e.body.code, label: '平板' } })
    expect(d.status).toBe(201)
    const again = await couch(hub, '_hub/enroll', { auth: null, body: { code: e.body.code } })
    expect(again.status).toBe(403)
    const auth = basic(d.body.device, d.body.secret)
    expect((await couch(hub, 'village-vb', { auth })).status).toBe(200)
    // staff of another township cannot revoke it
    expect((await couch(hub, `_hub/devices/${d.body.device}/revoke`, { method: 'POST', auth: basic(other.staff.name, other.staff.password) })).status).toBe(404)
    expect((await couch(hub, `_hub/devices/${d.body.device}/revoke`, { method: 'POST', auth: basic(p.staff.name, p.staff.password) })).status).toBe(200)
    expect((await couch(hub, 'village-vb', { auth })).status).toBe(401)
  })

  it('stops a disabled account', async () => {
    const auth = basic(other.clerk.name, other.clerk.password)
    expect((await couch(hub, 'village-vc', { auth })).status).toBe(200)
    expect((await couch(hub, `_hub/users/${other.clerk.name}`, { method: 'PUT', body: { disabled: true } })).status).toBe(200)
    expect((await couch(hub, 'village-vc', { auth })).status).toBe(401)
  })
})

describe('isolation', () => {
  it('keeps devices and clerks in their own village', async () => {
    const [da] = p.devices
    const auth = basic(da!.id, da!.secret)
    expect((await couch(hub, 'village-va', { auth })).status).toBe(200)
    for (const db of ['village-vb', 'village-vc', 'township-tsa']) {
      expect((await couch(hub, `${db}/_changes`, { auth })).status, db).toBe(403)
      const push = await couch(hub, `${db}/_bulk_docs`, { auth, body: { docs: [{ _id: 'x' }] } })
      expect(push.status, db).toBe(403)
      expect(push.body.error).toBe('forbidden')
    }
    expect((await couch(hub, 'village-vb/_all_docs', { auth: basic(p.clerk.name, p.clerk.password) })).status).toBe(403)
  })

  it('lets township staff read their own villages only', async () => {
    const auth = basic(p.staff.name, p.staff.password)
    expect((await couch(hub, 'village-va/_all_docs', { auth })).status).toBe(200)
    expect((await couch(hub, 'village-vb/_all_docs', { auth })).status).toBe(200)
    expect((await couch(hub, 'village-vc/_all_docs', { auth })).status).toBe(403)
  })

  it('lets nobody but the admin create, delete or list databases or touch settings', async () => {
    const auth = basic(p.staff.name, p.staff.password)
    expect((await couch(hub, 'newdb', { method: 'PUT', auth })).status).toBe(403)
    expect((await couch(hub, 'village-va', { method: 'DELETE', auth })).status).toBe(403)
    expect((await couch(hub, '_all_dbs', { auth })).status).toBe(403)
    expect((await couch(hub, 'village-va/_security', { method: 'PUT', auth, body: {} })).status).toBe(403)
    expect((await couch(hub, 'village-va/_design/x', { method: 'PUT', auth, body: {} })).status).toBe(403)
    expect((await couch(hub, '_hub/villages', { auth, body: { id: 'vz', township: 'tsa' } })).status).toBe(403)
    // the hub's own databases are out of reach of every route, the admin's too
    expect((await couch(hub, 'hub-accounts/_all_docs')).status).toBe(403)
    const dbs = await couch(hub, '_all_dbs')
    expect(dbs.body).toEqual(expect.arrayContaining(['village-va', 'village-vb', 'village-vc']))
    expect(dbs.body.some((n: string) => n.startsWith('hub-'))).toBe(false)
    await alive()
  })
})

describe('request limits', () => {
  it('answers malformed JSON with 400 and an oversized body with 413, in CouchDB shape', async () => {
    const bad = await couch(hub, 'village-va/_bulk_docs', { raw: '{"docs":[{"_id":' })
    expect(bad.status).toBe(400)
    expect(bad.body).toEqual({ error: 'bad_request', reason: expect.any(String) })
    const big = await couch(hub, 'village-va/_bulk_docs', { body: { docs: [{ _id: 'big', pad: 'x'.repeat(300 * 1024) }] } })
    expect(big.status).toBe(413)
    expect(big.body.error).toBe('too_large')
    expect((await couch(hub, 'village-va/nothing-here')).body).toEqual({ error: 'not_found', reason: 'missing' })
    await alive()
  })
})
