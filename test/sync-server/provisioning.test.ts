import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ADMIN, startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { basic, couch } from './helpers'

const run = promisify(execFile)
let hub: RunningHub


/** The provisioning CLI, as `npm run -s hub -- …` runs it, against the running hub. */
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'sync-server/cli.ts', ...args], {
    env: { ...process.env, HUB_URL: hub.url, HUB_ADMIN_USER: ADMIN.user, HUB_ADMIN_PASSWORD: ADMIN.password }, timeout: 30_000,
  })
  return stdout
}

describeEngines('demo seed and provisioning', (engine) => {
  beforeAll(async () => { hub = await startHub({ SEED_DEMO: 'true', ...engine().env }) })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  it('seeds the demo township on first run and prints the URL, logins and enrollment codes', async () => {
    const out = hub.output()
    expect(out).toContain(hub.url)
    expect(out).toMatch(/huayuan-staff \/ \S+/)
    expect(out).toMatch(/qingbo-clerk \/ \S+/)
    expect(out).toMatch(/mingyue\s+\d{12}/)
    const staff = basic('huayuan-staff', 'yishi-demo')
    const people = await couch(hub, 'village-qingbo/_all_docs?startkey="person:"&endkey="person:\ufff0"', { auth: staff })
    const others = await couch(hub, 'village-mingyue/_all_docs?startkey="person:"&endkey="person:\ufff0"', { auth: staff })
    expect(people.body.rows.length + others.body.rows.length).toBeGreaterThanOrEqual(40)
    const proposals = await couch(hub, 'village-qingbo/_all_docs?include_docs=true&startkey="proposal:"&endkey="proposal:\ufff0"', { auth: staff })
    expect(proposals.body.rows[0].doc.body.title).toMatch(/[\u4e00-\u9fff]/)
    // each demo proposal in its own category and from the courtyard it speaks of (not all 其他)
    const seeded = proposals.body.rows.map((r: { doc: { body: { title: string; category: string; unitId: string } } }) => [r.doc.body.title, r.doc.body.category, r.doc.body.unitId])
    expect(seeded).toEqual([['院落路灯', 'lighting', 'unit:qingbo-u1'], ['饮水管网改造', 'water', 'unit:qingbo-u3'], ['老年活动室', 'elderly', 'unit:qingbo-u2']])
    // a code printed at start enrolls a tablet
    const code = /qingbo\s+(\d{12})/.exec(out)![1]
    expect((await couch(hub, '_hub/enroll', { auth: null, body: { code } })).status).toBe(201)
  })

  it('provisions a village and its clerk through the CLI', async () => {
    expect(await cli('township', 'add', 'xinmin', '新民镇')).toContain('xinmin')
    expect(await cli('village', 'add', 'taoyuan', '--township', 'xinmin', '--name', '桃园村')).toContain('village-taoyuan')
    const added = await cli('user', 'add', 'taoyuan-clerk', '--role', 'clerk', '--village', 'taoyuan')
    const password = /password: (\S+)/.exec(added)![1]!
    expect((await couch(hub, 'village-taoyuan', { auth: basic('taoyuan-clerk', password) })).status).toBe(200)
    expect(await cli('enroll', 'taoyuan')).toMatch(/Enrollment code for taoyuan: \d{12}/)
    await expect(cli('village', 'add', 'nowhere')).rejects.toThrow(/--township/)
  })

  it('rotates the hub\'s key through the CLI; with --compromised it says rotation is not enough and what to do', async () => {
    const before = (await couch(hub, '_hub/hub-keys')).body.hubKey
    const planned = await cli('rotate-key')
    const after = (await couch(hub, '_hub/hub-keys')).body
    expect(after.hubKey).not.toBe(before)
    expect(planned).toContain(`key 2 (${after.hubKey})`)
    expect(planned).not.toMatch(/Enroll every tablet again/)
    const leaked = await cli('rotate-key', '--compromised')
    expect(leaked).toMatch(/key 3 /)
    expect(leaked).toMatch(/rotating is NOT enough[\s\S]*Enroll every tablet again/)
  })
})
