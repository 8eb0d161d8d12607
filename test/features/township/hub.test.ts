// @vitest-environment node
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ADMIN, startHub, type RunningHub } from '../../support/hub'
import { describeEngines } from '../../support/couchdb'
import type { TownshipSummary } from '@/shared/township/types'
import { enrollTablet, proposal } from '../../sync-server/helpers'

const basic = (user: string, password: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') })
const STAFF = basic('huayuan-staff', 'yishi-demo')
const ADMIN_AUTH = basic(ADMIN.user, ADMIN.password)

describeEngines('hub: township summaries (/hub/township/summary)', (engine) => {
  let hub: RunningHub

  async function call(path: string, headers: Record<string, string>, init: RequestInit = {}) {
    const res = await fetch(`${hub.url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...headers } })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  beforeAll(async () => {
    hub = await startHub({ SEED_DEMO: 'true', ...engine().env })
    // A second township with its own village and staff: never visible to 花园镇's staff.
    expect((await call('/couch/_hub/townships', ADMIN_AUTH, { method: 'POST', body: JSON.stringify({ id: 'other', name: '别的镇' }) })).status).toBe(201)
    expect((await call('/couch/_hub/villages', ADMIN_AUTH, { method: 'POST', body: JSON.stringify({ id: 'faraway', township: 'other', name: '远村' }) })).status).toBe(201)
    expect((await call('/couch/_hub/users', ADMIN_AUTH, { method: 'POST', body: JSON.stringify({ name: 'other-staff', password: 'other-password', role: 'township', township: 'other' }) })).status).toBe(201)
  }, 60_000)
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  it('answers 401 without credentials, 403 to a clerk and to staff asking for another township', async () => {
    expect((await call('/hub/township/summary', {})).status).toBe(401)
    expect((await call('/hub/township/summary', basic('qingbo-clerk', 'yishi-demo'))).status).toBe(403)
    expect((await call('/hub/township/summary?township=other', STAFF)).status).toBe(403)
    expect((await call('/hub/township/summary', basic('huayuan-staff', 'wrong-password'))).status).toBe(401)
  }, 30_000)

  it('gives staff their own villages only, and an admin the township asked for', async () => {
    const mine = (await call('/hub/township/summary', STAFF)).body as unknown as TownshipSummary
    expect(mine.townshipName).toBe('花园镇')
    expect(mine.villages.map((v) => v.villageId)).toEqual(['mingyue', 'qingbo'])
    const other = (await call('/hub/township/summary', basic('other-staff', 'other-password'))).body as unknown as TownshipSummary
    expect(other.villages.map((v) => v.villageId)).toEqual(['faraway'])
    const asAdmin = (await call('/hub/township/summary?township=huayuan', ADMIN_AUTH)).body as unknown as TownshipSummary
    expect(asAdmin.villages).toHaveLength(2)
    // Nothing changed: revalidating costs a 304 and no body.
    const first = await fetch(`${hub.url}/hub/township/summary`, { headers: STAFF })
    const etag = first.headers.get('etag')!
    expect(etag).toMatch(/^"[\w-]+"$/)
    const again = await fetch(`${hub.url}/hub/township/summary`, { headers: { ...STAFF, 'if-none-match': etag } })
    expect([again.status, (await again.text()).length]).toEqual([304, 0])
  }, 30_000)

  it('shows a newly synced problem, and when the tablet’s data reached the hub', async () => {
    const before = (await call('/hub/township/summary', STAFF)).body as unknown as TownshipSummary
    const q0 = before.villages.find((v) => v.villageId === 'qingbo')!
    expect(q0.flags.filter((f) => f.ref === 'ledger:qingbo-e1')).toEqual([])
    const env = (id: string, kind: string, body: Record<string, unknown>, ref: string) =>
      ({ _id: id, kind, v: 1, village: 'qingbo', year: 2026, author: 'person:qingbo-7', device: 'dev-qingbo-a', deviceTime: Date.UTC(2026, 5, 1), seq: 1, ref, body })
    const pushedAt = Date.now()
    const res = await call('/couch/village-qingbo/_bulk_docs', ADMIN_AUTH, {
      method: 'POST',
      body: JSON.stringify({ docs: [env('ledger:qingbo-e1', 'ledger', {
        fundId: 'fund:qingbo-2026', projectId: 'proposal:qingbo-1', kind: 'expense', amount: 1_250_000, payee: '灯具店',
        description: '太阳能路灯', at: Date.UTC(2026, 5, 1), recordedBy: 'person:qingbo-7',
      }, 'fund:qingbo-2026')] }),
    })
    expect(res.status).toBe(201)
    await expect.poll(async () => {
      const s = (await call('/hub/township/summary', STAFF)).body as unknown as TownshipSummary
      const q = s.villages.find((v) => v.villageId === 'qingbo')!
      const tablet = q.tablets.find((t) => t.device === 'dev-qingbo-a')
      return { flags: q.flags.filter((f) => f.ref === 'ledger:qingbo-e1').map((f) => f.code), spent: q.spent - q0.spent, tablet: (tablet?.lastSyncAt ?? 0) >= pushedAt, reached: (q.lastReachedTownship ?? 0) >= pushedAt }
      // no supervisor co-signed it, and no decision of the village was made public before the money went out
    }, { timeout: 10_000, interval: 200 }).toEqual({ flags: ['expense-without-cosign', 'spending-before-publicity'], spent: 1_250_000, tablet: true, reached: true })
  }, 30_000)

  it('names each tablet by the name it was enrolled with, not by its code', async () => {
    const tablet = await enrollTablet(hub, 'qingbo') // enrolled as "tablet qingbo"
    const res = await call('/couch/village-qingbo/_bulk_docs', { authorization: tablet.auth }, { method: 'POST', body: JSON.stringify({ docs: [proposal('qingbo', tablet.id, 1)] }) })
    expect(res.status).toBe(201)
    await expect.poll(async () => {
      const s = (await call('/hub/township/summary', STAFF)).body as unknown as TownshipSummary
      return s.villages.find((v) => v.villageId === 'qingbo')!.tablets.find((t) => t.device === tablet.id)?.label
    }, { timeout: 10_000, interval: 200 }).toBe('tablet qingbo')
  }, 30_000)

  it('counts what the hub refused and keeps in quarantine for the village', async () => {
    const clerk = basic('qingbo-clerk', 'yishi-demo')
    const bad = { _id: 'ledger:qingbo-bad', kind: 'ledger', v: 1, village: 'qingbo', year: 2026, author: 'qingbo-clerk', device: 'dev-x', deviceTime: Date.now(), seq: 1, ref: '', body: { amount: -5 } }
    const res = await call('/couch/village-qingbo/_bulk_docs', clerk, { method: 'POST', body: JSON.stringify({ docs: [bad] }) })
    expect(res.status).toBe(201)
    const s = (await call('/hub/township/summary', STAFF)).body as unknown as TownshipSummary
    expect(s.villages.find((v) => v.villageId === 'qingbo')?.quarantined).toBe(1)
    expect(s.villages.find((v) => v.villageId === 'mingyue')?.quarantined).toBe(0) // nothing refused there
  }, 30_000)

  it('tells when a village’s data reached the district hub through a continuous peer sync', async () => {
    const district = await startHub({}, { timeoutMs: 30_000 })
    try {
      const remote = new URL(`${district.url}/couch/village-qingbo`)
      remote.username = ADMIN.user
      remote.password = ADMIN.password
      const added = await call('/couch/_hub/peers', ADMIN_AUTH, { method: 'POST', body: JSON.stringify({ db: 'village-qingbo', remote: remote.toString(), direction: 'push', continuous: true }) })
      expect(added.status).toBe(202)
      const since = Date.now()
      await expect.poll(async () => {
        const s = (await call('/hub/township/summary', STAFF)).body as unknown as TownshipSummary
        return (s.villages.find((v) => v.villageId === 'qingbo')?.lastReachedDistrict ?? 0) >= since
      }, { timeout: 20_000, interval: 500 }).toBe(true)
      // The district really holds the village's records.
      const info = await fetch(`${district.url}/couch/village-qingbo`, { headers: ADMIN_AUTH }).then((r) => r.json()) as { doc_count: number }
      expect(info.doc_count).toBeGreaterThan(20)
      const mingyue = ((await call('/hub/township/summary', STAFF)).body as unknown as TownshipSummary).villages.find((v) => v.villageId === 'mingyue')
      expect(mingyue?.lastReachedDistrict).toBeNull()
      await call(`/couch/_hub/peers/${String(added.body.id)}`, ADMIN_AUTH, { method: 'DELETE' })
    } finally {
      await district.stop({ removeData: true })
    }
  }, 60_000)

  it('remembers when data reached the township across a hub restart', async () => {
    const before = ((await call('/hub/township/summary', STAFF)).body as unknown as TownshipSummary).villages.find((v) => v.villageId === 'qingbo')!
    expect(before.lastReachedTownship).not.toBeNull()
    await hub.stop()
    hub = await startHub({ SEED_DEMO: 'true', ...engine().env }, { dataDir: hub.dataDir })
    const after = ((await call('/hub/township/summary', STAFF)).body as unknown as TownshipSummary).villages.find((v) => v.villageId === 'qingbo')!
    expect(after.lastReachedTownship).toBe(before.lastReachedTownship)
    expect(after.tablets).toEqual(before.tablets)
    expect(after.lastReachedDistrict).toBe(before.lastReachedDistrict)
  }, 60_000)
})
