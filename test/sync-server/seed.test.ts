/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub, read field by field */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { newSigningKeyPair } from '../../src/shared/signature'
import { basic, couch } from './helpers'

/**
 * What README.md ("The demo") promises of the seeded hub, held to what the hub seeds and prints.
 * (provisioning.test.ts checks the seed's mechanics: codes, proposals' categories, the CLI.)
 */
let hub: RunningHub
const PASSWORD = 'yishi-demo'
const README = readFileSync('README.md', 'utf8')
const demo = /\*\*The demo\.\*\*[\s\S]*?seed\.test\.ts/.exec(README)?.[0] ?? ''

const docs = async (village: string, kind: string): Promise<any[]> =>
  (await couch(hub, `village-${village}/_all_docs?include_docs=true&startkey="${kind}:"&endkey="${kind}:\ufff0"`, { auth: basic('huayuan-staff', PASSWORD) })).body.rows.map((r: any) => r.doc)

describe('the demo the README describes', () => {
  beforeAll(async () => { hub = await startHub({ SEED_DEMO: 'true' }) })
  afterAll(async () => { await hub?.stop({ removeData: true }) })

  it('README has the paragraph this test holds the seed to', () => {
    expect(demo).toContain('`qingbo-clerk`')
    expect(demo).toContain('`yishi-demo`')
  })

  it('two villages of 花园镇, each with 20 adults in 10 households, the ¥200,000 fund and its proposals', async () => {
    for (const [id, name, units, proposals, clerk, supervisor] of [['qingbo', '清波村', 3, 3, '赵玉兰', '杨明'], ['mingyue', '明月村', 2, 2, '董建军', '于淑华']] as const) {
      expect(demo).toContain(`${name} (\`${id}\``)
      const [village] = await docs(id, 'village')
      expect(village.body).toMatchObject({ townshipId: 'huayuan', name })
      const [fund] = await docs(id, 'fund')
      expect(fund.body).toMatchObject({ year: 2026, amount: 20_000_000 })
      expect((await docs(id, 'unit')).length).toBe(units)
      expect((await docs(id, 'proposal')).length).toBe(proposals)
      const people = await docs(id, 'person')
      expect(people.length).toBe(20)
      expect(people.every((p) => p.body.adult && p.body.eligible)).toBe(true)
      expect(new Set(people.map((p) => p.body.householdId))).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `household:${i + 1}`)))
      // five council members, the supervisor and the clerk README names, every role signed by the hub
      const holding = (role: string) => people.filter((p) => p.body.roles.includes(role)).map((p) => p.body.name)
      expect(holding('council-member')).toHaveLength(5)
      expect(holding('supervisor')).toEqual([supervisor])
      expect(holding('clerk')).toEqual([clerk])
      expect(demo).toContain(`${name} ${supervisor}`)
      expect(demo).toContain(`${name} ${clerk}`)
      for (const p of people.filter((x) => x.body.roles.length > 0)) expect(p.body.rolesSig, p.body.name).toMatchObject({ keyId: 'hub' })
    }
    expect(demo).toContain('¥200,000')
    expect(demo).toContain('20 adults in 10 households')
  })

  it('every account README lists signs in with yishi-demo, and is printed at start', async () => {
    const accounts = [...demo.matchAll(/`([a-z]+-(?:staff|clerk|supervisor))`/g)].map((m) => m[1]!)
    expect(new Set(accounts)).toEqual(new Set(['huayuan-staff', 'qingbo-clerk', 'mingyue-clerk', 'qingbo-supervisor', 'mingyue-supervisor']))
    for (const name of accounts) {
      expect(hub.output()).toContain(`${name} / ${PASSWORD}`)
      const session = await couch(hub, '_session', { auth: null, body: { name, password: PASSWORD } })
      expect(session.status, name).toBe(200)
    }
  })

  it('the clerk account, typed once, has the hub certify the key of the clerk the roster names, as README and the banner say', async () => {
    const [zhao] = (await docs('qingbo', 'person')).filter((p) => p.body.name === '赵玉兰')
    const key = newSigningKeyPair()
    const c = await couch(hub, '_hub/clerk-key', { auth: basic('qingbo-clerk', PASSWORD), body: { village: 'qingbo', personId: zhao._id, publicKey: key.publicKey } })
    expect(c.status).toBe(200)
    expect(c.body.certificate).toBeTruthy()
    // the staff account may do it for either village, the supervisor account not
    expect((await couch(hub, '_hub/clerk-key', { auth: basic('huayuan-staff', PASSWORD), body: { village: 'qingbo', personId: zhao._id, publicKey: newSigningKeyPair().publicKey } })).status).toBe(200)
    expect((await couch(hub, '_hub/clerk-key', { auth: basic('qingbo-supervisor', PASSWORD), body: { village: 'qingbo', personId: zhao._id, publicKey: newSigningKeyPair().publicKey } })).status).toBe(403)
    // one story everywhere: README, and the banner the hub prints at start
    expect(demo).toMatch(/typed once on a tablet\*\*: on 本人口令 \(`\/seal-keys`\) → 设置文书钥匙/)
    expect(README).not.toMatch(/never typed on a tablet/)
    const banner = hub.output()
    expect(banner).toContain('The clerk account (qingbo-clerk, mingyue-clerk) is typed on a tablet once')
    expect(banner).toContain('本人口令 -> 设置文书钥匙')
    expect(banner).toContain('(清波村 赵玉兰, 明月村 董建军)')
    expect(banner).not.toMatch(/never typed on a tablet/)
  })
})
