/**
 * Page objects for the vote screens (and the tablet set-up they need), shared by the village
 * journeys. A "tablet" is a browser context enrolled with the hub (the same records the
 * enrollment screen keeps) with a clerk PIN set on it.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { expect } from 'vitest'
import type { RunningHub } from '../../support/hub'
import { enrollDevice } from '../../data/sync-helpers'
import { couch } from '../../sync-server/helpers'
import { clerkStandsBy, goEarly } from './app'

export const PIN_ROUNDS = 150_000

/** A clerk's PIN record exactly as src/data/identity.ts keeps it (PBKDF2-SHA256, per-clerk salt). */
export function clerkRecord(clerk: { personId: string; name: string }, pin: string) {
  const salt = randomBytes(16).toString('hex')
  const hash = pbkdf2Sync(pin, salt, PIN_ROUNDS, 32, 'sha256').toString('hex')
  return { ...clerk, salt, hash }
}

export interface Tablet { context: BrowserContext; page: Page; device: string }

/**
 * A browser context enrolled in `village` on the hub, with `clerk` able to unlock it with `pin`. The clerk
 * stands by and types the PIN whenever an act asks for it (src/features/acting), unless `clerkAway`.
 */
export async function enrolledTablet(browser: Browser, hub: RunningHub, village: string, clerk: { personId: string; name: string }, pin: string, opts: { clerkAway?: boolean; pinHubKey?: boolean } = {}): Promise<Tablet> {
  const device = await enrollDevice(hub, village)
  const enrollment = JSON.stringify({ device: device.id, secret: device.secret, village, hubUrl: '', enrolledAt: Date.now() })
  const clerks = JSON.stringify({ clerks: [clerkRecord(clerk, pin)], failures: 0, lockedUntil: 0 })
  // the hub's key, pinned as the app's enrollment pins it (it certifies the clerks' keys, which vouch for everyone else's)
  const trust = opts.pinHubKey ? JSON.stringify({ hubKey: (await couch(hub, '_hub/hub-keys')).body.hubKey, certificate: null, list: null }) : ''
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } })
  await context.addInitScript(({ e, c, t }: { e: string; c: string; t: string }) => {
    if (!localStorage.getItem('yishi.device')) { localStorage.setItem('yishi.device', e); localStorage.setItem('yishi.clerks', c); if (t) localStorage.setItem('yishi.trust', t) }
  }, { e: enrollment, c: clerks, t: trust })
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error(`[${device.id}] page error:`, e.message))
  if (!opts.clerkAway) clerkStandsBy(page, pin)
  return { context, page, device: device.id }
}

/** Waits, bounded, until `check` holds in the page. */
export async function until(page: Page, check: () => Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${ms} ms`)
    await page.waitForTimeout(100)
  }
}

/** The ballot kiosk, driven the way a clerk and a voter use it. */
export class KioskPage {
  constructor(readonly page: Page) {}

  phase(): Promise<string | null> { return this.page.getByTestId('kiosk').getAttribute('data-phase') }

  async open(hubUrl: string, voteId: string): Promise<void> {
    await this.page.goto(`${hubUrl}/votes/${voteId}/kiosk`)
    await until(this.page, async () => (await this.phase()) === 'locked', 20_000, 'kiosk locked screen')
  }

  async typePin(pin: string): Promise<void> {
    for (const d of pin) await this.page.getByTestId(`pin-${d}`).click()
    await this.page.getByTestId('pin-ok').click()
  }

  /** The clerk unlocks (from the locked or the neutral screen). */
  async unlock(pin: string): Promise<void> {
    await this.typePin(pin)
    await until(this.page, async () => (await this.phase()) === 'find', 20_000, 'kiosk unlocked')
  }

  /** The clerk finds the voter (name or household number) and checks them off. */
  async checkOff(search: string, personId: string): Promise<void> {
    await this.page.getByTestId('voter-search').fill(search)
    await this.page.getByTestId(`voter-${personId}`).click()
    await this.page.getByTestId('voter-confirm').click()
    await until(this.page, async () => (await this.phase()) === 'handover', 10_000, 'handover screen')
  }

  /** The voter: start, tap the cards, review, cast; then the thank-you screen goes back to neutral. */
  async vote(candidateIds: string[]): Promise<void> {
    await this.page.getByTestId('kiosk-start').click()
    for (const id of candidateIds) await this.page.locator(`[data-testid="ballot-card-${id}"] [role="checkbox"]`).click()
    await this.page.getByTestId('ballot-next').click()
    await this.page.getByTestId('confirm-cast').click()
    await until(this.page, async () => (await this.phase()) === 'thanks', 10_000, 'thank-you screen')
    await this.page.getByTestId('thanks-done').click()
    await until(this.page, async () => (await this.phase()) === 'neutral', 10_000, 'neutral screen')
  }

  /** Leaves the kiosk: the clerk unlocks if needed, then "leave" and the PIN again. */
  async leave(pin: string): Promise<void> {
    if ((await this.phase()) !== 'find') await this.unlock(pin)
    await this.page.getByTestId('kiosk-exit').click()
    await this.typePin(pin)
    await this.page.getByTestId('vote-status').waitFor({ timeout: 10_000 })
  }

  /** Serves a voter found by name, choosing the cards by their titles (ids unknown to the caller). */
  async serveByName(pin: string, name: string, titles: string[]): Promise<void> {
    if ((await this.phase()) !== 'find') await this.unlock(pin)
    await this.page.getByTestId('voter-search').fill(name)
    await this.page.locator('[data-testid^="voter-"]:not([data-testid="voter-search"])', { hasText: name }).first().click()
    await this.page.getByTestId('voter-confirm').click()
    await until(this.page, async () => (await this.phase()) === 'handover', 10_000, 'handover screen')
    await this.page.getByTestId('kiosk-start').click()
    for (const title of titles) await this.page.locator('[data-testid^="ballot-card-"]', { hasText: title }).locator('[role="checkbox"]').click()
    await this.page.getByTestId('ballot-next').click()
    await this.page.getByTestId('confirm-cast').click()
    await until(this.page, async () => (await this.phase()) === 'thanks', 10_000, 'thank-you screen')
    await this.page.getByTestId('thanks-done').click()
    await until(this.page, async () => (await this.phase()) === 'neutral', 10_000, 'neutral screen')
  }

  /** Check-off and ballot in one go, starting from the find screen or the neutral one. */
  async serveVoter(pin: string, search: string, personId: string, choices: string[]): Promise<void> {
    if ((await this.phase()) !== 'find') await this.unlock(pin)
    await this.checkOff(search, personId)
    await this.vote(choices)
  }

  /** What the screen shows now, for privacy checks. */
  text(): Promise<string> { return this.page.locator('body').innerText() }
}

/** The conflicts queue: records the council's decision on one item. */
export async function resolveConflict(page: Page, itemId: string, outcome: string, reason: string, deciderId: string): Promise<void> {
  const item = page.getByTestId(`conflict-${itemId}`)
  await item.getByTestId(`outcome-${outcome}`).check()
  await item.getByTestId('conflict-reason').fill(reason)
  await item.getByTestId('conflict-by').selectOption(deciderId)
  await item.getByTestId('conflict-record').click()
  await until(page, async () => (await item.getAttribute('data-resolved')) === 'true', 10_000, 'decision recorded')
  expect(await item.getByTestId('conflict-decision').innerText()).toContain(reason)
}

/** The village both journeys vote in: a clerk, two supervisors, voters, and one open approval vote. */
export const VILLAGE_PEOPLE = [
  { id: 'person:clerk', name: '王文书', householdId: 'household:1-01', roles: ['clerk'] },
  { id: 'person:sup1', name: '李监事', householdId: 'household:1-02', roles: ['supervisor'] },
  { id: 'person:sup2', name: '赵监事', householdId: 'household:1-03', roles: ['supervisor', 'council-member'] },
  { id: 'person:zhang', name: '张秀英', householdId: 'household:3-12', roles: [] },
  { id: 'person:liu', name: '刘德华', householdId: 'household:3-15', roles: [] },
  { id: 'person:chen', name: '陈小明', householdId: 'household:4-02', roles: [] },
] as const

/** The vote's announcement, published a week before it opened: it has run its window, so the vote takes ballots. */
export function announcementInput(now: number) {
  return { stage: 'vote-announcement', subjectId: 'vote:lights', title: '投票公告：2026 年公共服务项目', body: '候选项目和投票规则', startAt: now - 8 * 24 * 3_600_000, endAt: now - 2 * 3_600_000, republishes: '' }
}

export function openVoteInput(now: number) {
  return {
    id: 'vote:lights', title: '2026 年公共服务项目', ballotType: 'approval', maxChoices: 2, budget: 10_000_000, rule: 'greedy',
    opensAt: now - 3_600_000, closesAt: now + 48 * 3_600_000, roster: VILLAGE_PEOPLE.map((p) => p.id), kind: 'project-selection',
    candidates: [
      { id: 'project:lamps', title: '村口装路灯', cost: 3_000_000, proposalIds: [] },
      { id: 'project:road', title: '三组道路硬化', cost: 6_000_000, proposalIds: [] },
      { id: 'project:water', title: '修水渠', cost: 4_000_000, proposalIds: [] },
    ],
  }
}

/** Navigation inside the running app (its router, as its own links do): no page load, works offline. */
async function inApp(page: Page, path: string): Promise<void> {
  await page.evaluate(async (p) => {
    const app = (document.getElementById('app') as unknown as { __vue_app__: { config: { globalProperties: { $router: { push(to: string): Promise<unknown> } } } } }).__vue_app__
    await app.config.globalProperties.$router.push(p)
  }, path)
  await until(page, async () => decodeURIComponent(new URL(page.url()).pathname) === path, 10_000, `navigation to ${path}`)
}

/** The vote screens a clerk uses: set-up from the shortlisted proposals, close, results, allocation. */
export class VotesPage {
  constructor(readonly page: Page) {}

  /** Creates a vote from the listed proposals (by title); returns its id. */
  async setUp(opts: { title: string; proposals: string[]; budgetYuan: number; maxChoices?: number }): Promise<string> {
    const page = this.page
    await inApp(page, '/votes/new')
    await page.getByTestId('setup-title').fill(opts.title)
    for (const title of opts.proposals) await page.locator('[data-testid^="setup-from-"]', { hasText: title }).click()
    if (opts.maxChoices) await page.getByTestId('setup-max').fill(String(opts.maxChoices))
    await page.getByTestId('setup-budget').fill(String(opts.budgetYuan))
    // without supervisors' seal keys, set-up asks for an explicit acknowledgement
    const ack = page.getByTestId('setup-seals-ack')
    if (await ack.isVisible()) await ack.check()
    await page.getByTestId('setup-save').click()
    await until(page, async () => /^\/votes\/vote:[^/]+$/.test(decodeURIComponent(new URL(page.url()).pathname)), 10_000, 'vote saved')
    await page.getByTestId('vote-status').waitFor()
    return decodeURIComponent(new URL(page.url()).pathname).slice('/votes/'.length)
  }

  async status(voteId: string): Promise<string> {
    await inApp(this.page, `/votes/${voteId}`)
    return this.page.getByTestId('vote-status').innerText()
  }

  /** Opens the vote before its announcement has run: no plain "open" is offered, only early with `reason` on record. */
  async openEarly(voteId: string, reason: string): Promise<void> {
    const page = this.page
    await inApp(page, `/votes/${voteId}`)
    await page.getByTestId('vote-early').waitFor({ timeout: 20_000 })
    expect(await page.getByTestId('vote-open').count()).toBe(0)
    await goEarly(page, reason)
    await until(page, async () => (await page.getByTestId('vote-status').getAttribute('data-status')) === 'open', 30_000, 'vote opened early')
  }

  /** Opens the kiosk from the vote page (as the clerk would) and unlocks it. */
  async kiosk(voteId: string, pin: string): Promise<KioskPage> {
    await inApp(this.page, `/votes/${voteId}`)
    await this.page.getByTestId('vote-kiosk').click()
    const kiosk = new KioskPage(this.page)
    await until(this.page, async () => (await kiosk.phase()) === 'locked', 10_000, 'kiosk locked')
    await kiosk.unlock(pin)
    return kiosk
  }

  /** Closes the vote (confirming the dialog) and opens the results; returns the rows' text. */
  async closeAndResults(voteId: string): Promise<{ rows: string; total: string; ballots: string }> {
    const page = this.page
    await inApp(page, `/votes/${voteId}`)
    await page.getByTestId('vote-close').click()
    await page.locator('.van-dialog__confirm').click()
    await until(page, async () => (await page.getByTestId('vote-status').getAttribute('data-status')) === 'closed', 10_000, 'vote closed')
    await page.getByTestId('vote-results').click()
    await page.getByTestId('results-rows').waitFor()
    return { rows: await page.getByTestId('results-rows').innerText(), total: await page.getByTestId('results-total').innerText(), ballots: await page.getByTestId('results-ballots').innerText() }
  }

  /** On the results page: records the funded projects as allocations of the fund. */
  async allocate(): Promise<void> {
    await this.page.getByTestId('results-allocate').click()
    await this.page.getByTestId('results-allocated').waitFor({ timeout: 10_000 })
  }
}

export { inApp }
