import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { AxeBuilder } from '@axe-core/playwright'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { provision } from '../sync-server/helpers'
import { openSyncedTablet, seedRoster } from '../data/sync-helpers'
import { enrolledTablet, KioskPage, announcementInput, openVoteInput, until, VILLAGE_PEOPLE, type Tablet } from './support/votes'

const PIN = '2468'
const DAY = 86_400_000

/** The main screens of every feature, with a village that has something on each. */
const SCREENS: { path: string; ready: string }[] = [
  { path: '/', ready: '[data-testid="action-votes"]' },
  { path: '/roster', ready: '[data-testid="roster-person"]' },
  { path: '/proposals', ready: 'main' },
  { path: '/proposals/new', ready: 'main' },
  { path: '/proposals/proposal:a11y', ready: 'main' },
  { path: '/cycle', ready: 'main' },
  { path: '/meetings', ready: 'main' },
  { path: '/meetings/meeting:a11y', ready: 'main' },
  { path: '/notices', ready: 'main' },
  { path: '/notices/notice:a11y', ready: 'main' },
  { path: '/votes', ready: '[data-testid^="vote-item-"]' },
  { path: '/votes/new', ready: '[data-testid="setup-title"]' },
  { path: '/votes/vote:lights', ready: '[data-testid="vote-status"]' },
  { path: '/votes/vote:lights/paper', ready: '[data-testid="paper-form"]' },
  { path: '/votes/vote:lights/results', ready: '[data-testid="results-rows"]' },
  { path: '/conflicts', ready: 'main' },
  { path: '/accounts', ready: '[data-testid^="project-"]' },
  { path: '/accounts/project:lamps', ready: '[data-testid="expense-form"]' },
  { path: '/supervision', ready: '[data-testid="audit-verify-all"]' },
  { path: '/device/enroll', ready: 'main' },
  { path: '/device/sync', ready: 'main' },
  { path: '/device/years', ready: 'main' },
  { path: '/seal-keys', ready: 'main' },
  { path: '/votes/vote:lights/seals', ready: 'main' },
]

async function serious(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze()
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
}

/** Visible text set smaller than 14 px (Vant's small buttons and field refusals are 12 px unless told otherwise). */
async function tinyText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found = new Set<string>()
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement
      const text = n.textContent?.trim()
      if (!el || !text || !el.getClientRects().length) continue
      const size = parseFloat(getComputedStyle(el).fontSize)
      if (size < 14) found.add(`${size}px «${text.slice(0, 30)}»`)
    }
    return [...found]
  })
}

describe('accessibility of every main screen (axe-core)', () => {
  let hub: RunningHub
  let browser: Browser
  let tablet: Tablet

  beforeAll(async () => {
    hub = await startHub()
    await provision(hub, { villages: ['qb'] })
    const seed = await openSyncedTablet(hub, 'qb')
    const now = Date.now()
    await seedRoster(hub, seed, VILLAGE_PEOPLE.map((p) => ({ ...p, householdHead: true })))
    await seed.data.proposals.create({ id: 'proposal:a11y', title: '村口装路灯', description: '晚上太黑', proposedBy: 'person:zhang', createdAt: now, category: 'lighting', estimatedCost: 3_000_000 })
    await seed.data.meetings.create({ id: 'meeting:a11y', kind: 'village-council', title: '村民议事会', scheduledAt: now + DAY, memberCount: 5, agenda: [] })
    await seed.data.notices.create({ id: 'notice:a11y', stage: 'decision', subjectId: 'vote:lights', title: '投票结果公示', body: '村口装路灯入选', startAt: now - DAY, endAt: now + 6 * DAY })
    await seed.data.notices.create(announcementInput(now))
    await seed.data.votes.create(openVoteInput(now))
    const fund = await seed.data.funds.create({ year: new Date(now).getFullYear(), amount: 20_000_000, source: '公共服务专项资金' })
    await seed.data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: 'vote:lights', at: now })
    await seed.data.ledger.create({ fundId: fund.id, projectId: 'project:lamps', kind: 'expense', amount: 1_200_000, payee: '成都照明公司', description: '路灯 4 盏', at: now, recordedBy: 'person:clerk' })
    expect(await seed.sync.syncNow(30_000)).toBe(true)
    await seed.close()
    browser = await launchChromium()
    tablet = await enrolledTablet(browser, hub, 'qb', { personId: 'person:clerk', name: '王文书' }, PIN)
  })
  afterAll(async () => {
    await tablet?.context.close().catch(() => undefined)
    await browser?.close()
    await hub?.stop({ removeData: true })
  })

  it('finds no serious or critical violation on any main screen, in Chinese', async () => {
    const page = tablet.page
    // Let the tablet pull the village first.
    await page.goto(`${hub.url}/votes`)
    await until(page, () => page.locator('[data-testid^="vote-item-"]').first().isVisible(), 30_000, 'village pulled')
    const found: string[] = []
    for (const screen of SCREENS) {
      await page.goto(`${hub.url}${screen.path}`)
      await page.locator(screen.ready).first().waitFor({ state: 'visible', timeout: 15_000 })
      for (const v of await serious(page)) found.push(`${screen.path}: ${v}`)
      for (const v of await tinyText(page)) found.push(`${screen.path}: tiny text ${v}`)
    }
    // a refusal beside a field is read as easily as the field
    await page.goto(`${hub.url}/proposals/new`)
    await page.getByTestId('proposal-save').click()
    await page.locator('.van-field__error-message').first().waitFor({ timeout: 15_000 })
    for (const v of await tinyText(page)) found.push(`/proposals/new refused: tiny text ${v}`)
    expect(found).toEqual([])
  }, 240_000)

  it('finds none on the ballot kiosk screens either, and in large-text mode', async () => {
    const page = tablet.page
    const kiosk = new KioskPage(page)
    await kiosk.open(hub.url, 'vote:lights')
    const found: string[] = []
    const scan = async (where: string) => { for (const v of await serious(page)) found.push(`kiosk ${where}: ${v}`) }
    await scan('locked')
    await kiosk.unlock(PIN)
    await page.getByTestId('voter-search').fill('张')
    await scan('find')
    await kiosk.checkOff('张', 'person:zhang')
    await scan('handover')
    await page.getByTestId('kiosk-start').click()
    await page.evaluate(() => document.documentElement.classList.add('large-text'))
    await scan('ballot')
    await page.locator('[data-testid="ballot-card-project:lamps"] [role="checkbox"]').click()
    await page.getByTestId('ballot-next').click()
    await scan('confirm')
    await page.getByTestId('confirm-cast').click()
    await until(page, async () => (await kiosk.phase()) === 'thanks', 10_000, 'thanks')
    await scan('thanks')
    expect(found).toEqual([])
  }, 120_000)
})
