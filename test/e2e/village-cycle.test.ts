import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import AxeBuilder from '@axe-core/playwright'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { couch, provision, type Provisioned } from '../sync-server/helpers'
import { enrolledTablet, until, VotesPage, type Tablet } from './support/votes'
import { AccountsPage } from './support/accounts'
import { installedOffline, RosterPage } from './support/roster'
import { ProposalsPage } from './support/proposals'
import { MeetingsPage } from './support/meetings'
import { CyclePage, NoticesPage } from './support/notices'
import { answerPrompt, certifyClerkKey, go, setUpPassphrase, unlockClerk } from './support/app'

const PIN = '8642'
const CHAIR = '张家老院子'
const SUP = '李家院子的桂花树'
const CLERK = { personId: 'person:clerk', name: '王文书' }
const CLERK_PASS = '文书王家的老槐树'
const ROSTER_CSV = [
  '户号,姓名,院落/小组,角色,户代表',
  '1-01,张秀英,一组,议事会成员,是',
  '1-02,刘德华,一组,议事会成员,是',
  '2-01,陈小明,二组,议事会成员,是',
  '2-02,李监事,二组,监事,是',
  '3-01,赵大爷,三组,,是',
  '3-02,王文书,三组,文书,是',
].join('\n')

async function seriousViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze()
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

/**
 * Journey (a): a whole council cycle on one tablet with no network, from the villagers'
 * proposals to the published accounts; then the signal comes back and everything reaches the hub.
 */
describe('a full cycle offline, then synced', () => {
  let hub: RunningHub
  let browser: Browser
  let tablet: Tablet
  let village: Provisioned

  beforeAll(async () => {
    hub = await startHub()
    village = await provision(hub, { villages: ['cy'] })
    browser = await launchChromium()
    tablet = await enrolledTablet(browser, hub, 'cy', CLERK, PIN)
  })
  afterAll(async () => {
    await tablet?.context.close().catch(() => undefined)
    await browser?.close()
    await hub?.stop({ removeData: true })
  })

  it('runs from proposals to published accounts offline, and syncs to the hub', async () => {
    const { page, context } = tablet
    const a11y: Record<string, string[]> = {}
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(e.message))
    // The tablet opened the app once with a signal (service worker installed); then no network.
    await page.goto(`${hub.url}/`)
    await installedOffline(page)
    await context.setOffline(true)
    await unlockClerk(page, PIN)

    // 1. The roster.
    const roster = new RosterPage(page)
    await go(page, '/roster/import')
    await roster.pick('名册.csv', ROSTER_CSV)
    expect(await roster.summary()).toBe('共 6 行：6 行正确，0 行有错误')
    expect(await roster.confirm()).toContain('新增 6 人')
    // The clerk's own key is certified by the hub once, online (the village's clerk account), for the
    // clerk on the roster the hub holds: the signal comes back for that moment, then goes again.
    await context.setOffline(false)
    let clerkId = ''
    await until(page, async () => {
      const rows = (await couch(hub, 'village-cy/_all_docs?include_docs=true')).body.rows as { doc: { kind?: string; _id: string; body?: { name?: string } } }[]
      clerkId = rows.find((r) => r.doc.kind === 'person' && r.doc.body?.name === '王文书')?.doc._id ?? ''
      return clerkId !== ''
    }, 60_000, 'the roster on the hub')
    await certifyClerkKey(page, clerkId, CLERK_PASS, village.clerk)
    await context.setOffline(true)
    // The roles the sheet named wait for a signature (roles count only signed): the clerk signs them with their own key.
    await go(page, '/roster')
    await page.getByTestId('roster-sign-pending').click()
    await answerPrompt(page, CLERK_PASS)
    await until(page, async () => (await page.getByTestId('roster-roles-pending').count()) === 0, 20_000, 'the roster\'s roles signed')
    // Who will sign the minutes and co-sign expenses sets up their own passphrase, the clerk witnessing.
    const personOf = async (name: string) => (await page.locator('[data-testid^="sealkey-person:"]', { hasText: name }).getAttribute('data-testid'))!.slice('sealkey-'.length)
    await go(page, '/seal-keys')
    await until(page, async () => (await page.locator('[data-testid^="sealkey-person:"]').count()) === 4, 20_000, 'council and supervisors listed')
    const chairId = await personOf('张秀英')
    const supId = await personOf('李监事')
    await setUpPassphrase(page, chairId, CHAIR, CLERK_PASS)
    await setUpPassphrase(page, supId, SUP, CLERK_PASS)

    // 2. The cycle starts; step 1 needs proposals.
    const cycle = new CyclePage(page)
    await cycle.start()
    expect(await cycle.current()).toBe('收集提议（上）')
    expect(await cycle.unmet()).toContain('还没有收集到提议')
    a11y.cycle = await seriousViolations(page)

    // 3. Proposals: collected, a duplicate merged, comments from the feedback round, a shortlist.
    const proposals = new ProposalsPage(page)
    await proposals.add({ title: '村口装路灯', category: 'lighting', cost: 30000 })
    await proposals.add({ title: '三组道路硬化', category: 'road', cost: 60000 })
    await proposals.add({ title: '修三组的路', category: 'road' })
    await proposals.add({ title: '修水渠', category: 'water', cost: 40000 })
    await proposals.merge('三组道路硬化', ['修三组的路'])
    expect(await proposals.titles()).toEqual(['修水渠', '三组道路硬化', '村口装路灯'])
    a11y.proposals = await seriousViolations(page)
    expect(await cycle.complete()).toBe('收集提议（上）')
    await proposals.comment('三组道路硬化', '二组也希望一起修')
    for (const title of ['村口装路灯', '三组道路硬化', '修水渠']) await proposals.shortlist(title)
    a11y.proposal = await seriousViolations(page)
    expect(await cycle.complete()).toBe('反馈意见（下）')

    // 4. The council meets: check-in, quorum, agenda, minutes, a resolution, signatures.
    const meetings = new MeetingsPage(page)
    await meetings.schedule({ kind: 'village-council', title: '2026 年民生项目议事会' })
    expect(await meetings.quorum()).toContain('还差 2 人才够法定人数')
    await meetings.checkIn(['张秀英', '刘德华'])
    await until(page, () => meetings.quorate(), 10_000, 'quorum')
    expect(await meetings.quorum()).toContain('到会 2 人 / 应到 3 人，至少要 2 人')
    a11y.meeting = await seriousViolations(page)
    await meetings.agendaFromProposals(['村口装路灯', '三组道路硬化', '修水渠'])
    await meetings.minutes('讨论了三个候选项目，一致同意交村民投票。')
    const r = await meetings.resolve('同意将三个项目列为候选项目，交村民投票', { yes: 2, no: 0, abstain: 0 })
    expect(r.outcome).toBe('通过')
    expect(r.explanation).toBe('到会 2 人 / 应到 3 人（至少 2 人）；赞成 2 票，至少要 2 票。')
    await meetings.sign('chair', '张秀英', CHAIR)
    await meetings.sign('supervisor', '李监事', SUP, 'pen')
    await meetings.close()
    expect(await cycle.complete()).toBe('议事会讨论（上）')

    // 5. The vote is announced: the notice must run 7 days; offline and in a hurry the clerk records why not.
    const notices = new NoticesPage(page)
    // The vote is set up from the shortlist (votes engineer's steps).
    const votes = new VotesPage(page)
    // Drafted first (candidates and rules), the vote waits for its announcement (step 4 is no chicken-and-egg).
    const voteId = await votes.setUp({ title: '2026 年民生项目投票', proposals: ['村口装路灯', '三组道路硬化', '修水渠'], budgetYuan: 100000, maxChoices: 2 })
    expect(await votes.status(voteId)).toBe('未开始')
    a11y.vote = await seriousViolations(page)
    await cycle.open()
    expect(await cycle.unmet()).toContain('还没有发布公示（要公示 7 天）')
    await notices.publish('vote-announcement', '2026 年民生项目投票')
    expect(await notices.sheet()).toContain('村口装路灯')
    a11y.notice = await seriousViolations(page)
    // The announcement runs 7 days; offline and in a hurry the clerk records why the vote opens now.
    await votes.openEarly(voteId, '投票公告已在村务公开栏张贴纸质版 7 天')
    // asked once: the cycle shows that reason as the step's override and moves on without a second one
    await cycle.open()
    expect(await page.getByTestId('cycle-early-covers').innerText()).toContain('投票公告已在村务公开栏张贴纸质版 7 天')

    // 6. The decision: villagers vote on the kiosk, the vote is closed, the results allocate the fund.
    const kiosk = await votes.kiosk(voteId, PIN)
    await kiosk.serveByName(PIN, '张秀英', ['村口装路灯', '修水渠'])
    expect(await kiosk.text()).not.toContain('张秀英')
    await kiosk.serveByName(PIN, '刘德华', ['村口装路灯'])
    await kiosk.serveByName(PIN, '赵大爷', ['三组道路硬化', '村口装路灯'])
    a11y.kiosk = await seriousViolations(page)
    await kiosk.leave(PIN)
    // the kiosk forgot who was acting when the voters took the tablet: the clerk unlocks again to close the vote
    await unlockClerk(page, PIN)
    const results = await votes.closeAndResults(voteId)
    // The vote ran and closed while the cycle still stands at announcing it (step 4): home says so and sends
    // the clerk to mark it done, with no second reason (the early opening's answers for it); then step 5.
    await go(page, '/')
    const home = page.getByTestId('home-next')
    await until(page, async () => (await home.getAttribute('data-next')) === 'announce', 20_000, 'home at step 4')
    const said = await home.innerText()
    expect(said).toContain('现在是第 4 步（共 8 步）：公布投票（下）。')
    expect(said).toContain('投票已经结束：处理完重复投票后，把这一步标为完成。')
    expect(said).toContain('这一步已经写明理由提前做了：到“议事流程”把它标为完成，不用再写理由。')
    await page.getByTestId('home-next-go').click()
    await until(page, () => page.getByTestId('cycle-current-step').isVisible(), 20_000, 'cycle screen from home')
    expect(await cycle.complete()).toBe('公布投票（下）')
    expect(await cycle.current()).toBe('投票决定（上）')
    await go(page, `/votes/${voteId}/results`)
    await page.getByTestId('results-rows').waitFor({ timeout: 20_000 })
    // Lamps 3 votes (¥30,000) funded; water and road 1 vote each — the cheaper (water, ¥40,000) first, then road (¥60,000) no longer fits.
    expect(results.ballots).toBe('共 3 张票（电子 3，纸质 0）')
    expect(results.total).toBe('共安排 ¥70,000，预算 ¥100,000')
    expect(results.rows).toMatch(/村口装路灯[\s\S]*入选[\s\S]*3 票/)
    expect(results.rows).toMatch(/三组道路硬化[\s\S]*未入选/)
    await votes.allocate()
    expect(await cycle.complete()).toBe('投票决定（上）')

    // 7. Publicity of the decision: an objection is raised and answered.
    // drafted about the vote that funded the projects: the notice their spending waits for
    await notices.publish('decision')
    expect(await notices.sheet()).toContain('决策公示：2026 年民生项目投票')
    expect(await notices.sheet()).toContain('按投票结果，以下项目入选')
    await notices.object('赵大爷', '路灯应该也照到三组')
    await notices.answerFirstOpen('第二批路灯会装在三组路口')
    expect(await page.getByTestId('notice-countdown').innerText()).toContain('还剩 7 天')

    // 8. Process and accounts: progress with the work, an expense co-signed by the supervisory committee.
    const accounts = new AccountsPage(page)
    expect(await accounts.openProject('村口装路灯')).toContain('已花 ¥0 / 安排 ¥30,000')
    // The decision's notice still runs: the work starts early, with the reason on record — the decision step then moves on with it.
    await accounts.progress('路灯已装好 4 盏', 100, '异议已答复，监事会同意提前施工')
    await until(page, () => page.getByText('路灯已装好 4 盏').first().isVisible(), 20_000, 'progress saved')
    expect(await cycle.complete()).toBe('决策公开')
    expect(await accounts.openProject('村口装路灯')).toContain('安排 ¥30,000')
    const line = await accounts.expense({ yuan: 28000, payee: '成都照明公司', purpose: '路灯 4 盏及安装' })
    expect(await accounts.cosign(line, '李监事', SUP)).toContain('李监事已签字同意')
    a11y.accounts = await seriousViolations(page)
    await notices.publish('process')
    expect(await cycle.complete()).toBe('过程公开')
    await notices.publish('accounts')
    expect(await cycle.force('账目公示纸质版已张贴')).toBe('账目公开')
    await cycle.open()
    await until(page, () => page.getByText('本轮流程已全部完成。').isVisible(), 10_000, 'cycle finished')
    expect((await cycle.steps()).slice(0, 3)).toEqual(['done', 'done', 'done'])
    // one step forced, and two taken early (the vote, the work; each also answers for its step): each with who and why, asked once
    expect(await page.getByTestId('cycle-override').count()).toBe(3)
    expect(await page.getByTestId('cycle-overrides').innerText()).toContain('投票公告已在村务公开栏张贴纸质版 7 天')

    for (const [screen, found] of Object.entries(a11y)) expect(found, screen).toEqual([])
    expect(pageErrors).toEqual([])

    // 9. Signal again: every record of the cycle reaches the hub.
    await context.setOffline(false)
    const kinds = ['person', 'unit', 'proposal', 'comment', 'meeting', 'attendance', 'resolution', 'notice', 'objection', 'answer', 'override', 'procedure',
      'vote', 'checkoff', 'ballot', 'fund', 'allocation', 'progress', 'ledger', 'cosign']
    const onHub = async () => {
      const res = await couch(hub, 'village-cy/_all_docs?include_docs=true')
      const counts: Record<string, number> = {}
      for (const row of res.body.rows as { doc: { kind?: string } }[]) if (row.doc.kind) counts[row.doc.kind] = (counts[row.doc.kind] ?? 0) + 1
      return counts
    }
    await until(page, async () => { const c = await onHub(); return kinds.every((k) => (c[k] ?? 0) > 0) && c.proposal === 4 && c.override === 3 && c.ballot === 3 }, 90_000, 'the whole cycle on the hub')
    const counts = await onHub()
    expect(counts).toMatchObject({ person: 6, proposal: 4, attendance: 2, resolution: 1, objection: 1, answer: 1, override: 3, personkey: 3 })
    expect(counts).toMatchObject({ vote: 1, checkoff: 3, ballot: 3, fund: 1, allocation: 2, progress: 1, ledger: 1, cosign: 1 })
  }, 300_000) // the whole cycle, with each person typing their own secret (PBKDF2 keys) on a shared machine
})
