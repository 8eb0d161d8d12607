import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { couch, provision, type Provisioned } from '../sync-server/helpers'
import { openSyncedTablet, seedRoster } from '../data/sync-helpers'
import { enrolledTablet, until, VILLAGE_PEOPLE, VotesPage, type Tablet } from './support/votes'
import { answerPrompt, go } from './support/app'
import { RosterPage } from './support/roster'
import { AccountsPage } from './support/accounts'

const PIN = '8642'
const CLERK = { personId: 'person:clerk', name: '王文书' }
const SUP1 = '李家院子的桂花树'
const CLERK_PASS = '文书王家的老槐树'
const DAY = 86_400_000

/**
 * On a shared tablet each act is done by the person it names: a locked tablet refuses a clerk's act
 * until the clerk types their PIN; a supervisor co-signs with their own passphrase; and a step taken
 * before its publicity ended is refused, then taken with a reason on record that the township sees.
 */
describe('each act by the person it names, and the procedure holds', () => {
  let hub: RunningHub
  let browser: Browser
  let village: Provisioned
  const tablets: Tablet[] = []

  beforeAll(async () => {
    hub = await startHub()
    village = await provision(hub, { villages: ['ac'] })
    // The village as its first tablet set it up: the roster, this year's fund, one funded project whose
    // decision was made public a week ago, and an expense on it waiting for the supervisors.
    const seed = await openSyncedTablet(hub, 'ac')
    await seedRoster(hub, seed, VILLAGE_PEOPLE.map((p) => ({ ...p, householdHead: true })))
    const now = Date.now()
    for (const [title, cost] of [['南街路灯', 3_000_000], ['三组路灯', 2_000_000]] as const) {
      await seed.data.proposals.create({ title, description: '', proposedBy: 'person:zhang', createdAt: now - 20 * DAY, status: 'shortlisted', mergedInto: '', estimatedCost: cost, category: 'lighting', unitId: '', photos: [] })
    }
    const fund = await seed.data.funds.create({ year: new Date(now).getFullYear(), amount: 20_000_000, source: '专项资金' })
    await seed.data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: 'vote:old', at: now - 9 * DAY })
    await seed.data.notices.create({ stage: 'decision', subjectId: fund.id, title: '资金安排公示', body: '', startAt: now - 8 * DAY, endAt: now - DAY, republishes: '' })
    await seed.data.ledger.create({ fundId: fund.id, projectId: 'project:lamps', kind: 'expense', amount: 1_200_000, payee: '成都照明公司', description: '路灯 4 盏', at: now - 3_600_000, recordedBy: 'person:clerk' })
    expect(await seed.sync.syncNow(30_000)).toBe(true)
    await seed.close()
    browser = await launchChromium()
  })
  afterAll(async () => {
    for (const t of tablets) await t.context.close().catch(() => undefined)
    await browser?.close()
    await hub?.stop({ removeData: true })
  })

  it('a locked tablet refuses the clerk\'s act (the roster decides who may vote); the clerk\'s own PIN lets it through', async () => {
    const tablet = await enrolledTablet(browser, hub, 'ac', CLERK, PIN, { clerkAway: true })
    tablets.push(tablet)
    const { page } = tablet
    const roster = new RosterPage(page)
    await roster.openImport(hub.url)
    await until(page, async () => (await couchPeople(page)) === VILLAGE_PEOPLE.length, 30_000, 'roster on the tablet')
    await roster.pick('名册.csv', '户号,姓名,院落/小组,角色,户代表\n9-01,外来人,一组,,是')
    await page.getByTestId('roster-import-confirm').click()
    // Nobody has typed the clerk's PIN: the tablet asks for it, and says only the clerk may do this.
    await page.getByTestId('acting-prompt').waitFor({ timeout: 20_000 })
    expect(await page.getByTestId('acting-prompt').innerText()).toContain('这件事只能由文书来做。')
    await page.getByTestId('acting-cancel').click()
    await page.getByTestId('acting-refused').waitFor()
    expect(await page.getByTestId('acting-refused').innerText()).toContain('没有做：修改村民名册需要本人输入密码或口令。')
    expect(await page.getByTestId('roster-import-done').count()).toBe(0)
    // A wrong PIN is refused with the tries left; the clerk's PIN imports the row.
    await page.getByTestId('roster-import-confirm').click()
    await answerPrompt(page, '1111')
    expect(await page.getByTestId('acting-error').innerText()).toBe('密码或口令不对，还可以再试 4 次。')
    await page.getByTestId('acting-secret').fill(PIN)
    await page.getByTestId('acting-ok').click()
    await until(page, () => page.getByTestId('roster-import-done').isVisible(), 30_000, 'import done')
    expect(await page.getByTestId('acting-badge').innerText()).toContain('王文书正在操作')
    // Scrolled down a page longer than the screen (a landscape tablet with its keyboard up shows ~420 px),
    // the bar still shows who is acting, on top, with its lock button at hand.
    await go(page, '/seal-keys')
    await page.getByTestId('sealkey-person:sup1').waitFor({ timeout: 20_000 })
    await page.setViewportSize({ width: 1024, height: 420 })
    const scrolled = await page.evaluate(() => {
      window.scrollTo(0, document.documentElement.scrollHeight)
      const bar = document.querySelector('[data-testid="acting-badge"]')!.getBoundingClientRect()
      const lock = document.querySelector('[data-testid="acting-lock"]')!.getBoundingClientRect()
      const hit = document.elementFromPoint(lock.left + lock.width / 2, lock.top + lock.height / 2)
      // the browser scrolls a field it brings into view below the bar, not under it
      const padded = Math.abs(parseFloat(getComputedStyle(document.documentElement).scrollPaddingTop) - bar.height) < 1
      return { scrolled: window.scrollY > 100, barTop: Math.round(bar.top), lockOnTop: hit?.getAttribute('data-testid') === 'acting-lock', padded }
    })
    expect(scrolled).toEqual({ scrolled: true, barTop: 0, lockOnTop: true, padded: true })
    await page.setViewportSize({ width: 1024, height: 768 })
    // Locked again (the button, or a reload): the next clerk's act asks again.
    await page.getByTestId('acting-lock').click()
    await go(page, '/cycle')
    await page.getByTestId('cycle-start').click()
    await page.getByTestId('acting-prompt').waitFor({ timeout: 20_000 })
    expect(await page.getByTestId('acting-prompt').getAttribute('data-act')).toBe('cycle.advance')
    await page.getByTestId('acting-cancel').click()
    expect(await page.getByTestId('cycle-start').isVisible()).toBe(true)
  })

  it('the clerk gets their own key certified by the hub, witnesses a supervisor\'s passphrase with it, and the supervisor co-signs an expense with theirs', async () => {
    const tablet = await enrolledTablet(browser, hub, 'ac', CLERK, PIN)
    tablets.push(tablet)
    const { page } = tablet
    await page.goto(`${hub.url}/seal-keys`)
    // The clerk's own key: set up with their passphrase, certified online with the village's clerk account.
    const clerkRow = page.getByTestId('clerkkey-person:clerk')
    await clerkRow.waitFor({ timeout: 30_000 })
    expect(await clerkRow.innerText()).toContain('还没有经乡镇确认的钥匙')
    await clerkRow.getByTestId('clerkkey-start-person:clerk').click()
    await clerkRow.getByTestId('clerkkey-pass').fill(CLERK_PASS)
    await clerkRow.getByTestId('clerkkey-repeat').fill(CLERK_PASS)
    await clerkRow.getByTestId('clerkkey-account').fill(village.clerk.name)
    await clerkRow.getByTestId('clerkkey-password').fill('not-the-password')
    await clerkRow.getByTestId('clerkkey-save').click()
    await clerkRow.getByTestId('clerkkey-error').waitFor({ timeout: 60_000 })
    expect(await clerkRow.getByTestId('clerkkey-error').innerText()).toBe('账号或密码不对，什么都没有保存。')
    expect(await clerkRow.getAttribute('data-has-key')).toBe('false')
    await clerkRow.getByTestId('clerkkey-password').fill(village.clerk.password)
    await clerkRow.getByTestId('clerkkey-save').click()
    await until(page, async () => (await clerkRow.getAttribute('data-has-key')) === 'true', 60_000, 'clerk key certified')
    expect(await clerkRow.innerText()).toContain('钥匙已经乡镇服务器确认')

    const row = page.getByTestId('sealkey-person:sup1')
    await row.getByTestId('sealkey-start-person:sup1').click()
    await row.getByTestId('sealkey-pass').fill(SUP1)
    await row.getByTestId('sealkey-repeat').fill(SUP1)
    await row.getByTestId('sealkey-save').click()
    // the clerk (standing by) witnesses with their own passphrase, not their PIN
    await page.getByTestId('acting-prompt').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('acting-prompt').innerText()).toContain('王文书，请输入您本人的口令')
    await page.getByTestId('acting-secret').fill(CLERK_PASS)
    await page.getByTestId('acting-ok').click()
    await until(page, async () => (await row.getAttribute('data-has-key')) === 'true', 60_000, 'passphrase set up')
    expect(await row.innerText()).toContain('由王文书见证设置')

    const accounts = new AccountsPage(page)
    await accounts.openProject('村口装路灯')
    const line = page.locator('[data-testid^="ledger-ledger:"]').first()
    await line.getByTestId('cosign-open').click()
    // Only supervisors with their own passphrase are offered; picking a name is not enough.
    expect(await line.getByTestId('cosign-by').locator('option').allInnerTexts()).toEqual(['选择人员', '李监事'])
    await line.getByTestId('cosign-by').selectOption({ label: '李监事' })
    await line.getByTestId('cosign-approve').click()
    await page.getByTestId('acting-prompt').waitFor({ timeout: 20_000 })
    expect(await page.getByTestId('acting-prompt').innerText()).toContain('李监事，请输入您本人的口令')
    await page.getByTestId('acting-secret').fill('王文书猜的口令')
    await page.getByTestId('acting-ok').click()
    await page.getByTestId('acting-error').waitFor({ timeout: 60_000 })
    expect(await line.getAttribute('data-signed')).toBe('false')
    await page.getByTestId('acting-secret').fill(SUP1)
    await page.getByTestId('acting-ok').click()
    await until(page, async () => (await line.getAttribute('data-signed')) === 'true', 60_000, 'co-signed')
    expect(await line.getByTestId('cosign-state').innerText()).toContain('李监事已签字同意')

    // On the hub: the co-signature names 李监事 as its author and carries a signature by 李监事's key.
    await until(page, async () => (await hubDocs('cosign')).length === 1, 60_000, 'co-signature on the hub')
    const [cosign] = await hubDocs('cosign')
    const keys = await hubDocs('personkey')
    const key = keys.find((k) => (k.body as { personId: string }).personId === 'person:sup1')
    const clerkKey = keys.find((k) => (k.body as { personId: string }).personId === 'person:clerk')
    expect(cosign).toMatchObject({ author: 'person:sup1', body: { supervisorId: 'person:sup1', keyId: key!._id } })
    expect((cosign!.body as { signature: string }).signature).toMatch(/^[A-Za-z0-9_-]{86}$/)
    // the supervisor's key carries the clerk's signature, made with the clerk's key the hub certified
    expect(key).toMatchObject({ body: { personId: 'person:sup1', witnessedBy: 'person:clerk', witness: { keyId: clerkKey!._id } } })
    expect(clerkKey).toMatchObject({ body: { personId: 'person:clerk', certificate: { by: village.clerk.name } } })
    expect(JSON.stringify(keys)).not.toContain(SUP1)
    expect(JSON.stringify(keys)).not.toContain(CLERK_PASS)
  })

  it('opening a vote before its announcement has run is refused; taken early with a reason, the township sees it', async () => {
    const tablet = await enrolledTablet(browser, hub, 'ac', CLERK, PIN)
    tablets.push(tablet)
    const { page } = tablet
    await page.goto(`${hub.url}/`)
    await until(page, async () => (await couchPeople(page)) >= VILLAGE_PEOPLE.length, 30_000, 'roster on the tablet')
    const votes = new VotesPage(page)
    const voteId = await votes.setUp({ title: '2026 年路灯投票', proposals: ['南街路灯', '三组路灯'], budgetYuan: 40000 })
    // Saved, not open: the vote waits for its announcement.
    expect(await page.getByTestId('vote-status').innerText()).toBe('未开始')
    expect(await page.getByTestId('vote-gate').innerText()).toContain('投票还没有公告')
    // "去发布投票公告" opens the publish form for this vote's announcement, not the list of notices
    await page.getByTestId('vote-gate-publish').click()
    await page.getByTestId('notice-form').waitFor({ timeout: 10_000 })
    await until(page, async () => (await page.locator('[data-testid="notice-title"] input').inputValue()).includes('2026 年路灯投票'), 10_000, 'the vote\'s announcement drafted')
    await page.getByTestId('notice-save').click()
    await until(page, () => page.getByTestId('notice-sheet').isVisible(), 20_000, 'vote announcement published')
    await go(page, `/votes/${voteId}`)
    expect(await page.getByTestId('vote-gate').innerText()).toMatch(/投票公告公示到 .+，公示期满后才能开始投票。投票将在 .+ 自动开始。/)
    // No "open" button to tap and be refused: opening early is its own step, with a reason.
    expect(await page.getByTestId('vote-open').count()).toBe(0)
    expect(await page.getByTestId('vote-early').innerText()).toContain('只有写明理由才能提前开始')
    expect(await page.getByTestId('vote-status').innerText()).toBe('未开始')
    await page.getByTestId('early-open').click()
    await page.locator('[data-testid="early-reason"]').fill('农忙前要投完票，村民大会同意提前')
    await page.getByTestId('early-confirm').click()
    await until(page, async () => (await page.getByTestId('vote-status').getAttribute('data-status')) === 'open', 30_000, 'vote open')
    expect(await page.getByTestId('vote-opened-early').innerText()).toContain('农忙前要投完票，村民大会同意提前')

    // The township, once the tablet synced: the early step with its reason.
    await until(page, async () => (await hubDocs('override')).length === 1, 60_000, 'override on the hub')
    // A township tablet held upright: 800 px wide.
    const staff = await browser.newContext({ viewport: { width: 800, height: 1100 } })
    const tp = await staff.newPage()
    await tp.goto(`${hub.url}/township`)
    await tp.getByTestId('township-name').fill(village.staff.name)
    await tp.getByTestId('township-password').fill(village.staff.password)
    await tp.getByTestId('township-signin-submit').click()
    const flag = tp.getByTestId('township-flag-ac-step-taken-early')
    await until(tp, () => flag.isVisible(), 60_000, 'the township sees the early step')
    expect(await flag.innerText()).toContain('公示期未满就提前进行（有记录的理由）')
    expect(await flag.innerText()).toContain('理由：农忙前要投完票，村民大会同意提前')
    // Every column of the villages' table fits: no sideways scrolling at 800 px.
    const table = tp.locator('.township-table-wrap')
    await table.waitFor()
    expect(await table.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0)
    await staff.close()
  })

  it('an enrolled tablet never says it is not enrolled while it opens, and its console carries no storage advertisement', async () => {
    const tablet = await enrolledTablet(browser, hub, 'ac', CLERK, PIN)
    tablets.push(tablet)
    const { page, context } = tablet
    // Everything the home screen ever shows, from the first paint on.
    await context.addInitScript(() => {
      const seen: string[] = []
      ;(window as unknown as { seenTexts: string[] }).seenTexts = seen
      new MutationObserver(() => { seen.push(document.body?.innerText ?? '') }).observe(document, { subtree: true, childList: true, characterData: true })
    })
    const warnings: string[] = []
    page.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text()) })
    for (let i = 0; i < 2; i++) {
      await page.goto(`${hub.url}/`)
      await until(page, async () => (await couchPeople(page)) >= VILLAGE_PEOPLE.length, 30_000, 'the village open on home')
      const seen = await page.evaluate(() => (window as unknown as { seenTexts: string[] }).seenTexts)
      expect(seen.some((t) => t.includes('本平板尚未登记到村') || t.includes('本平板还没有登记到村'))).toBe(false)
    }
    expect(warnings.filter((w) => w.includes('rxdb.info'))).toEqual([])
  })

  async function hubDocs(kind: string): Promise<Record<string, unknown>[]> {
    const res = await couch(hub, 'village-ac/_all_docs?include_docs=true')
    return (res.body.rows as { doc: Record<string, unknown> }[]).map((r) => r.doc).filter((d) => d.kind === kind)
  }
})

/** People on the tablet's roster (read through the app's own store). */
async function couchPeople(page: Page): Promise<number> {
  return page.evaluate(() => {
    const pinia = (document.getElementById('app') as unknown as { __vue_app__: { config: { globalProperties: { $pinia: { state: { value: Record<string, { persons?: unknown[] }> } } } } } }).__vue_app__.config.globalProperties.$pinia
    return pinia.state.value.roster?.persons?.length ?? 0
  })
}
