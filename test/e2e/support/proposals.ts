/** Page object for the proposal screens, driven the way a clerk uses them. */
import type { Page } from 'playwright-core'
import { go } from './app'
import { until } from './votes'

export class ProposalsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await go(this.page, '/proposals')
    await until(this.page, () => this.page.getByTestId('proposal-new').isVisible(), 20_000, 'proposal list')
  }

  /** A need in a few taps: title, category icon, optional rough cost (yuan). Returns the new proposal's id. */
  async add(p: { title: string; category: string; cost?: number }): Promise<string> {
    await go(this.page, '/proposals/new')
    await this.page.locator('[data-testid="proposal-title"] input').fill(p.title)
    await this.page.getByTestId(`category-${p.category}`).click()
    if (p.cost) await this.page.locator('[data-testid="proposal-cost"] input').fill(String(p.cost))
    await this.page.getByTestId('proposal-save').click()
    await until(this.page, () => this.page.getByTestId('proposal-detail').isVisible(), 20_000, `proposal "${p.title}" saved`)
    return decodeURIComponent(new URL(this.page.url()).pathname.split('/').pop() ?? '')
  }

  titles(): Promise<string[]> { return this.page.locator('[data-testid="proposal-item"] .proposal-title').allInnerTexts() }

  /** Opens a proposal from the list by its title. */
  async openOne(title: string): Promise<void> {
    await this.open()
    await this.page.getByTestId('proposal-item').filter({ hasText: title }).click()
    await until(this.page, () => this.page.getByTestId('proposal-detail').isVisible(), 20_000, `proposal "${title}"`)
  }

  async comment(title: string, text: string): Promise<void> {
    await this.openOne(title)
    const before = await this.page.getByTestId('proposal-comment').count()
    await this.page.locator('[data-testid="proposal-comment-text"] textarea').fill(text)
    await this.page.getByTestId('proposal-comment-save').click()
    await until(this.page, async () => (await this.page.getByTestId('proposal-comment').count()) > before, 20_000, 'comment saved')
  }

  async shortlist(title: string): Promise<void> {
    await this.openOne(title)
    await this.page.getByTestId('proposal-shortlist').click()
    await until(this.page, async () => (await this.page.getByTestId('proposal-shortlist').count()) === 0, 20_000, 'shortlisted')
  }

  /** Merges the duplicates into `keep`. */
  async merge(keep: string, duplicates: string[]): Promise<void> {
    await this.open()
    await this.page.getByTestId('proposal-merge').click()
    for (const title of [keep, ...duplicates]) await this.page.getByTestId('proposal-item').filter({ hasText: title }).click()
    await this.page.locator('li').filter({ has: this.page.getByTestId('proposal-item').filter({ hasText: keep }) }).getByTestId('proposal-merge-keep').click()
    await until(this.page, async () => !(await this.titles()).some((t) => duplicates.includes(t)), 20_000, 'duplicates merged')
  }
}
