import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { couch, provision, type Provisioned } from '../sync-server/helpers'
import { openSyncedTablet, seedRoster } from '../data/sync-helpers'
import { installedOffline } from './support/roster'
import { AccountsPage } from './support/accounts'
import { enrolledTablet, inApp, until, VILLAGE_PEOPLE, VotesPage, type Tablet } from './support/votes'
import { answerPrompt, certifyClerkKey, setUpPassphrase } from './support/app'

const PIN = '1357'
const SUP1 = '李家院子的桂花树'
const CLERK = { personId: 'person:clerk', name: '王文书' }
const CLERK_PASS = '文书王家的老槐树'

/**
 * The vote, from set-up to the money spent, on one tablet with no network: the clerk sets the
 * vote up from the shortlisted proposals, villagers vote on the kiosk, two people enter the paper
 * count, the vote is closed, the results allocate the fund, work and spending are recorded and
 * co-signed. Then the signal comes back and every record reaches the hub.
 */
describe('a vote on one tablet, offline, through to the accounts', () => {
  let hub: RunningHub
  let browser: Browser
  let tablet: Tablet
  let village: Provisioned

  beforeAll(async () => {
    hub = await startHub()
    village = await provision(hub, { villages: ['vv'] })
    const seed = await openSyncedTablet(hub, 'vv')
    await seedRoster(hub, seed, VILLAGE_PEOPLE.map((p) => ({ ...p, householdHead: true })))
    const proposal = (title: string, category: string, cost: number) =>
      seed.data.proposals.create({ title, category, estimatedCost: cost, proposedBy: 'person:zhang', createdAt: Date.now(), status: 'shortlisted' })
    await proposal('村口装路灯', 'lighting', 3_000_000)
    await proposal('三组道路硬化', 'road', 6_000_000)
    await proposal('修水渠', 'water', 4_000_000)
    expect(await seed.sync.syncNow(30_000)).toBe(true)
    await seed.close()
    browser = await launchChromium()
    tablet = await enrolledTablet(browser, hub, 'vv', CLERK, PIN)
  })
  afterAll(async () => {
    await tablet?.context.close().catch(() => undefined)
    await browser?.close()
    await hub?.stop({ removeData: true })
  })

  it('runs the vote and the accounts with no network, then syncs everything', async () => {
    const { page, context } = tablet
    await page.goto(`${hub.url}/votes`)
    await installedOffline(page)
    // The village reached the tablet; now there is no signal for the rest of the session.
    await inApp(page, '/votes/new')
    await until(page, async () => (await page.locator('[data-testid^="setup-from-"]').count()) === 3, 30_000, 'proposals on the tablet')
    // While online, the clerk's own key is certified by the hub (the village's clerk account): it witnesses passphrases offline.
    await certifyClerkKey(page, 'person:clerk', CLERK_PASS, village.clerk)
    await context.setOffline(true)
    // 李监事 sets up their own passphrase in front of the clerk: they will co-sign and count paper ballots with it.
    await setUpPassphrase(page, 'person:sup1', SUP1, CLERK_PASS)

    const votes = new VotesPage(page)
    const voteId = await votes.setUp({ title: '2026 年民生项目投票', proposals: ['村口装路灯', '三组道路硬化', '修水渠'], budgetYuan: 100000, maxChoices: 2 })
    // Saved, the vote waits for its announcement; offline and in a hurry, the clerk opens it early with a reason.
    expect(await votes.status(voteId)).toBe('未开始')
    await votes.openEarly(voteId, '公告已在村务公开栏贴满 7 天（纸质）')
    expect(await votes.status(voteId)).toBe('投票中')

    const kiosk = await votes.kiosk(voteId, PIN)
    const card = async (title: string) => (await page.locator('[data-testid^="ballot-card-"]', { hasText: title }).getAttribute('data-testid'))!.slice('ballot-card-'.length)
    await kiosk.checkOff('3-12', 'person:zhang')
    await page.getByTestId('kiosk-start').click()
    const [lamps, road, water] = [await card('村口装路灯'), await card('三组道路硬化'), await card('修水渠')]
    for (const id of [lamps, water]) await page.locator(`[data-testid="ballot-card-${id}"] [role="checkbox"]`).click()
    await page.getByTestId('ballot-next').click()
    await page.getByTestId('confirm-cast').click()
    await until(page, async () => (await kiosk.phase()) === 'thanks', 10_000, 'thanks')
    expect(await kiosk.text()).not.toContain('张秀英')
    await page.getByTestId('thanks-done').click()
    await kiosk.serveVoter(PIN, '刘', 'person:liu', [road!])
    await kiosk.serveVoter(PIN, '陈', 'person:chen', [lamps!])
    await kiosk.leave(PIN)
    expect(await page.getByTestId('vote-checkedoff').innerText()).toMatch(/^已领票 3 \/ \d+ 人$/)

    // Paper ballots from those who voted on paper: two people count, the second confirms.
    await page.getByTestId('vote-paper').click()
    const paper = page.getByTestId('paper-form')
    const enter = async (who: string, perOption: number[]) => {
      await paper.getByTestId('paper-who').selectOption(who)
      await paper.getByTestId('paper-total').fill('3')
      await paper.getByTestId('paper-valid').fill('3')
      await paper.getByTestId('paper-blank').fill('0')
      await paper.getByTestId('paper-spoiled').fill('0')
      for (const [i, n] of perOption.entries()) await paper.getByTestId(`paper-opt-${i + 1}`).fill(String(n))
      await paper.getByTestId('paper-save').click()
    }
    await enter('person:clerk', [2, 2, 1])
    await until(page, async () => (await page.getByTestId('paper-state').getAttribute('data-state')) === 'waiting', 10_000, 'first paper entry')
    await enter('person:sup1', [2, 2, 1])
    await answerPrompt(page, SUP1)
    await until(page, async () => (await page.getByTestId('paper-state').getAttribute('data-state')) === 'confirmed', 10_000, 'paper count confirmed')

    // Close; lamps 4 (¥30,000) and road 3 (¥60,000) fit ¥100,000; water 2 (¥40,000) does not.
    const results = await votes.closeAndResults(voteId)
    expect(results.ballots).toBe('共 6 张票（电子 3，纸质 3）')
    expect(results.total).toBe('共安排 ¥90,000，预算 ¥100,000')
    expect(results.rows).toMatch(/村口装路灯[\s\S]*入选[\s\S]*4 票/)
    expect(results.rows).toMatch(/修水渠[\s\S]*未入选[\s\S]*2 票/)
    await votes.allocate()

    // Implementation and accounts.
    const accounts = new AccountsPage(page)
    expect(await accounts.openProject('村口装路灯')).toContain('已花 ¥0 / 安排 ¥30,000')
    // The decision has not been made public yet: work starts early, with the reason on record.
    await accounts.progress('灯杆已运到村口', 40, '路灯坏了半年，村民大会同意先装')
    await until(page, () => page.getByText('灯杆已运到村口').first().isVisible(), 20_000, 'progress saved')
    const line = await accounts.expense({ yuan: 12000, payee: '成都照明公司', purpose: '路灯 4 盏' })
    expect(await page.getByTestId('spent-of').first().innerText()).toContain('已花 ¥12,000 / 安排 ¥30,000')
    expect(await accounts.cosign(line, '李监事', SUP1)).toContain('李监事已签字同意')

    // Signal again: every record reaches the hub.
    await context.setOffline(false)
    const onHub = async () => {
      const res = await couch(hub, 'village-vv/_all_docs?include_docs=true')
      const counts: Record<string, number> = {}
      for (const row of res.body.rows as { doc: { kind?: string } }[]) if (row.doc.kind) counts[row.doc.kind] = (counts[row.doc.kind] ?? 0) + 1
      return counts
    }
    await until(page, async () => { const c = await onHub(); return (c.cosign ?? 0) === 1 && (c.ballot ?? 0) === 3 }, 90_000, 'the vote and the accounts on the hub')
    // two person keys: the clerk's own (certified by the hub) and 李监事's (witnessed with it)
    expect(await onHub()).toMatchObject({ vote: 1, checkoff: 3, ballot: 3, papercount: 2, fund: 1, allocation: 2, progress: 1, ledger: 1, cosign: 1, override: 2, personkey: 2 })
  }, 240_000)
})
