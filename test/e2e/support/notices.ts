/** Page objects for public notices and the cycle at a glance. */
import type { Page } from 'playwright-core'
import { go } from './app'
import { until } from './votes'

export class NoticesPage {
  constructor(readonly page: Page) {}

  /** Publishes the notice the records suggest for this stage (first subject), returns its id. */
  async publish(stage: string, subject?: string): Promise<string> {
    await go(this.page, '/notices')
    await this.page.getByTestId('notice-publish').click()
    await this.page.getByTestId(`notice-stage-${stage}`).click()
    if (subject) await this.page.locator('[data-testid="notice-form"] .choice').filter({ hasText: subject }).click()
    await this.page.getByTestId('notice-save').click()
    await until(this.page, () => this.page.getByTestId('notice-sheet').isVisible(), 20_000, `${stage} notice published`)
    return decodeURIComponent(new URL(this.page.url()).pathname.split('/').pop() ?? '')
  }

  sheet(): Promise<string> { return this.page.getByTestId('notice-sheet').innerText() }

  async object(byName: string, text: string): Promise<void> {
    const before = await this.page.getByTestId('objection').count()
    const value = await this.page.getByTestId('objection-by').locator('option', { hasText: byName }).first().getAttribute('value')
    await this.page.getByTestId('objection-by').selectOption(value ?? '')
    await this.page.locator('[data-testid="objection-text"] textarea').fill(text)
    await this.page.getByTestId('objection-save').click()
    await until(this.page, async () => (await this.page.getByTestId('objection').count()) > before, 20_000, 'objection recorded')
  }

  async answerFirstOpen(text: string): Promise<void> {
    const before = await this.page.getByTestId('objection-answer').count()
    await this.page.locator('[data-testid="objection-answer-text"] textarea').first().fill(text)
    await this.page.getByTestId('objection-answer-save').first().click()
    await until(this.page, async () => (await this.page.getByTestId('objection-answer').count()) > before, 20_000, 'answer recorded')
  }
}

export class CyclePage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await go(this.page, '/cycle')
    await until(this.page, async () => (await this.page.getByTestId('cycle-current').count()) + (await this.page.getByTestId('cycle-start').count()) > 0, 20_000, 'cycle screen')
  }

  async start(): Promise<void> {
    await this.open()
    await this.page.getByTestId('cycle-start').click()
    await until(this.page, () => this.page.getByTestId('cycle-current-step').isVisible(), 20_000, 'cycle started')
  }

  current(): Promise<string> { return this.page.getByTestId('cycle-current-step').innerText() }
  /** The step in progress without waiting ('' once the cycle is finished and the heading is gone). */
  private async now(): Promise<string> { return (await this.page.getByTestId('cycle-current-step').allInnerTexts())[0] ?? '' }
  async unmet(): Promise<string> { return (await this.page.getByTestId('cycle-unmet').count()) ? this.page.getByTestId('cycle-unmet').innerText() : '' }

  /** Completes the step in progress (its requirements met) and waits for the next one. */
  async complete(): Promise<string> {
    await this.open()
    const from = await this.current()
    await until(this.page, async () => !(await this.page.getByTestId('cycle-complete').isDisabled()), 20_000, `step "${from}" ready`)
    await this.page.getByTestId('cycle-complete').click()
    await until(this.page, async () => (await this.now()) !== from, 20_000, `step "${from}" completed`)
    return from
  }

  /** Forces the step in progress through, with a reason on record. */
  async force(reason: string): Promise<string> {
    await this.open()
    const from = await this.current()
    await this.page.locator('.current-override summary').click()
    await this.page.getByTestId('cycle-proceed').click()
    await this.page.locator('[data-testid="cycle-reason"] textarea').fill(reason)
    await this.page.getByTestId('cycle-override-confirm').click()
    await until(this.page, async () => (await this.now()) !== from, 20_000, `step "${from}" forced`)
    return from
  }

  steps(): Promise<(string | null)[]> {
    return this.page.getByTestId('cycle-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))
  }
}
