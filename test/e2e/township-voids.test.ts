import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { createPinia } from 'pinia'
import { read, utils } from 'xlsx'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { provision } from '../sync-server/helpers'
import { eventually, openDoubleVotes, openVote } from '../data/helpers'
import { openSyncedTablet, seedRoster, withCertifiedClerk, type SyncedTablet } from '../data/sync-helpers'
import { CLERK_PASSPHRASE, clerkWitnesses } from '../features/votes/village'
import { useActingStore } from '@/stores/acting'
import { useConflictsStore } from '@/stores/conflicts'
import { useSealsStore } from '@/stores/seals'
import { enrolledTablet, until } from './support/votes'

const VILLAGE = 'qv'
const PASS = { 'person:s1': '第一位监事的口令', 'person:s2': 'second-supervisor' } as const

/**
 * Journey: 王 (person:b) is checked off on two tablets. The council keeps the first ballot, the vote
 * closes, the supervisors open the void seal. The clerk's tablet (Chromium) shows the result; the
 * township's staff device (Chromium) must show the same count, the same funded projects, and export
 * them alike (XLSX, .pb re-tallied by the command-line tool). Counting the voided ballot too would
 * fund 饮水 and 路灯 instead of 步道 and 饮水.
 */
describe('a ballot the council voided, counted by the township as the tablet counts it', () => {
  let hub: RunningHub
  let browser: Browser
  let dir: string
  const nodeTablets: SyncedTablet[] = []
  let staff: { name: string; password: string }
  let clerkAccount: { name: string; password: string }

  beforeAll(async () => {
    hub = await startHub()
    const provisioned = await provision(hub, { township: 'tsv', villages: [VILLAGE] })
    staff = provisioned.staff
    clerkAccount = provisioned.clerk
    browser = await launchChromium()
    dir = mkdtempSync(join(tmpdir(), 'yishi-voids-'))
  })
  afterAll(async () => {
    for (const t of nodeTablets) await t.close().catch(() => undefined)
    await browser?.close()
    await hub?.stop({ removeData: true })
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('shows and exports one count on the tablet and at the township', async () => {
    // Two tablets of the village (real RxDB, synced through the real hub), with the screens' stores.
    const a = await openSyncedTablet(hub, VILLAGE)
    const b = await openSyncedTablet(hub, VILLAGE)
    nodeTablets.push(a, b)
    const pinia = createPinia()
    const seals = useSealsStore(pinia)
    const conflicts = useConflictsStore(pinia)
    const acting = useActingStore(pinia)
    // the clerk's own key, certified by the hub once online: it witnesses the supervisors' keys
    const { kv } = await withCertifiedClerk(hub, a, clerkAccount, CLERK_PASSPHRASE)
    acting.attach(a.data, { kv })
    seals.attach(a.data)
    conflicts.attach(a.data)
    // The clerk has typed their PIN on tablet A: they witness the supervisors' passphrases and record the council's decision.
    acting.begin({ id: 'person:clerk', name: '王文书', roles: ['clerk'] }, 30 * 60_000)
    const syncBoth = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) for (const t of [a, b]) expect(await t.sync.syncNow(20_000)).toBe(true)
    }
    // their roles signed by the hub (roles a tablet writes itself count for nothing)
    await seedRoster(hub, a, ([['person:s1', '李监事'], ['person:s2', '赵监事']] as const).map(([id, name]) => ({ id, name, householdId: `household:${id.slice(7)}`, roles: ['supervisor', 'council-member'] })))
    for (const [id, name] of [['person:a', '刘德华'], ['person:b', '王秀英'], ['person:c', '陈小明']] as const) {
      await a.data.persons.create({ id, name, householdId: `household:${id.slice(7)}`, householdHead: true })
    }
    await eventually(() => seals.supervisors.length === 2, 5_000, 20)
    for (const [id, p] of Object.entries(PASS)) await clerkWitnesses(pinia, () => seals.createKey(id, p, p))
    await eventually(() => seals.currentKeys.length === 2, 5_000, 20)
    const now = Date.now()
    const vote = await a.data.votes.create({ ...openVote(now), sealKeys: seals.currentKeys.map((k) => k.publicKey) })
    await syncBoth(1)
    await a.sync.stop(); await b.sync.stop()

    // Offline: 王 votes on tablet A (步道), then again on tablet B (路灯, 饮水).
    await a.data.recordBallot({ vote, voterId: 'person:a', choices: ['project:path'], recordedBy: 'person:clerk', at: now - 130_000 })
    await a.data.recordBallot({ vote, voterId: 'person:b', choices: ['project:path'], recordedBy: 'person:clerk', at: now - 120_000 })
    const extra = await b.data.recordBallot({ vote, voterId: 'person:b', choices: ['project:lights', 'project:water'], recordedBy: 'person:clerk', at: now - 60_000 })
    await b.data.recordBallot({ vote, voterId: 'person:c', choices: ['project:lights', 'project:water'], recordedBy: 'person:clerk', at: now - 50_000 })
    await a.data.ballotBox.flush(vote.id)
    await b.data.ballotBox.flush(vote.id)
    await syncBoth(3)
    await eventually(async () => (await a.data.ballots.count({ ref: vote.id })) === 4 && (await openDoubleVotes(a.data)).length === 1, 20_000)

    // The council keeps the first ballot; the vote closes; the supervisors open the void seal together.
    await eventually(() => conflicts.open.length === 1, 10_000, 20)
    await conflicts.resolve(conflicts.open[0]!.id, 'keep-earliest', '本人确认先在一号平板投过票', 'person:s2')
    await syncBoth(1)

    // The township's staff device (Chromium): decided, the seal not opened yet — neither open nor dealt with.
    const context = await browser.newContext({ acceptDownloads: true })
    const page = await context.newPage()
    await page.goto(`${hub.url}/`)
    await page.getByTestId('home-township').click()
    await page.getByTestId('township-name').fill(staff.name)
    await page.getByTestId('township-password').fill(staff.password)
    await page.getByTestId('township-signin-submit').click()
    await page.getByTestId(`township-row-${VILLAGE}`).waitFor()
    expect(await page.getByTestId(`township-double-${VILLAGE}`).innerText()).toBe('0（已决定 1 人，等监事开封）')
    // the village's own screen says it under the vote
    await page.getByTestId(`township-open-${VILLAGE}`).click()
    await page.getByTestId('township-village-records').waitFor()
    expect(await page.getByTestId(`township-vote-${vote.id}`).getByTestId('township-vote-awaiting-seals').innerText()).toBe('议事会已经决定 1 人的重复投票，还等监事一起开封，作废多余的选票')
    await page.getByTestId('township-village-back').click()
    await page.getByTestId(`township-row-${VILLAGE}`).waitFor()

    await a.data.votes.update(vote.id, { closedAt: Date.now() })
    await eventually(() => seals.pending(vote.id).length === 1 && seals.isClosed(vote.id), 10_000, 20)
    const [first, second] = seals.sealers(vote.id)
    await seals.unlock(vote.id, first!.publicKey, PASS['person:s1'])
    await seals.unlock(vote.id, second!.publicKey, PASS['person:s2'])
    expect((await seals.openVoids(vote.id)).ballotIds).toEqual([extra.ballotId])
    await syncBoth(2)

    // The clerk's tablet: 3 ballots counted, 步道 and 饮水 funded, 路灯 not.
    const clerk = await enrolledTablet(browser, hub, VILLAGE, { personId: 'person:clerk', name: '王文书' }, '2468', { pinHubKey: true })
    await clerk.page.goto(`${hub.url}/votes/${vote.id}/results`)
    await until(clerk.page, async () => (await clerk.page.getByTestId('results-voided').count()) === 1, 60_000, 'void list synced to the tablet')
    expect(await clerk.page.getByTestId('results-ballots').innerText()).toContain('3')
    const funded = async (id: string) => (await clerk.page.getByTestId(`result-${id}`).getAttribute('class'))?.includes('funded')
    expect([await funded('project:path'), await funded('project:water'), await funded('project:lights')]).toEqual([true, true, false])
    await clerk.context.close()

    // The township's staff device, synced again: the same count and the same funded projects.
    await page.getByTestId('township-sync').click()
    // the double vote is decided and its extra ballot voided: none open, none waiting, but the table says one happened
    await until(page, async () => (await page.getByTestId(`township-double-${VILLAGE}`).innerText()) === '0（已处理，作废 1 张）', 30_000, 'the township sees the void list')

    const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('township-export-xlsx').click()])
    await xlsxDownload.saveAs(join(dir, 'township.xlsx'))
    const book = read(readFileSync(join(dir, 'township.xlsx')), { type: 'buffer' })
    const results = utils.sheet_to_json<Record<string, unknown>>(book.Sheets['投票结果']!)
    expect(results.find((r) => r.vote_id === vote.id)).toMatchObject({ ballots: 3, voided: 1, late: 0, selected: '步道、饮水', selected_ids: 'project:path project:water', cost_yuan: 160000 })

    await page.getByTestId(`township-open-${VILLAGE}`).click()
    await page.getByTestId('township-village-records').waitFor()
    const card = page.getByTestId(`township-vote-${vote.id}`)
    // the copy saved before the seal was opened shows first, then the pulled one
    await until(page, async () => (await card.getByTestId('township-vote-ballots').innerText()).includes('3 张选票'), 30_000, 'the village pulled again')
    expect(await card.getByTestId('township-vote-not-counted').innerText()).toContain('作废 1 张')
    expect(await card.getByTestId('township-vote-awaiting-seals').count()).toBe(0)
    expect(await card.getByTestId('township-vote-selected').innerText()).toContain('步道、饮水')

    const [pbDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`township-export-pb-${vote.id}`).click()])
    const pbPath = join(dir, 'vote.pb')
    await pbDownload.saveAs(pbPath)
    expect(readFileSync(pbPath, 'utf8')).not.toContain('project:lights,project:water\n'.repeat(2))
    const tally = JSON.parse(execFileSync('npm', ['run', '-s', 'tally', '--', pbPath], { encoding: 'utf8', timeout: 60_000 })) as Record<string, unknown>
    expect(tally).toMatchObject({ rule: 'greedy', selected: ['project:path', 'project:water'], cost: 16_000_000 })
    await context.close()
  }, 240_000)
})
