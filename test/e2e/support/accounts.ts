/** Page object for implementation and accounts: progress, expenses and the supervisor's co-signature. */
import type { Page } from 'playwright-core'
import { inApp, until } from './votes'
import { answerPrompt, goEarly } from './app'

export class AccountsPage {
  constructor(readonly page: Page) {}

  /** Opens a funded project by its title; returns its "spent of allocated" line. */
  async openProject(title: string): Promise<string> {
    const page = this.page
    await inApp(page, '/accounts')
    const item = page.locator('[data-testid^="project-"]', { hasText: title })
    await item.waitFor({ timeout: 10_000 })
    await item.click()
    await page.getByTestId('expense-form').waitFor()
    return page.getByTestId('spent-of').first().innerText()
  }

  /**
   * A progress update on the open project (recorded by the clerk, who types their PIN when asked). With
   * `early`, work starts before the decision's notice has run: refused, then taken with that reason on record.
   */
  async progress(text: string, percent: number, early?: string): Promise<void> {
    const page = this.page
    await page.getByTestId('progress-text').fill(text)
    await page.getByTestId('progress-percent').fill(String(percent))
    await page.getByTestId('progress-save').click()
    if (early) {
      await page.getByTestId('accounts-error').waitFor({ timeout: 20_000 })
      await goEarly(page, early)
    }
    await until(page, () => page.getByText(text).first().isVisible(), 10_000, 'progress saved')
  }

  /** An expense on the open project; returns the ledger line's test id. */
  async expense(opts: { yuan: number; payee: string; purpose: string }): Promise<string> {
    const page = this.page
    const before = await page.locator('[data-testid^="ledger-ledger:"]').count()
    await page.getByTestId('expense-amount').fill(String(opts.yuan))
    await page.getByTestId('expense-payee').fill(opts.payee)
    await page.getByTestId('expense-purpose').fill(opts.purpose)
    await page.getByTestId('expense-save').click()
    await until(page, async () => (await page.locator('[data-testid^="ledger-ledger:"]').count()) > before, 10_000, 'expense saved')
    const line = page.locator('[data-testid^="ledger-ledger:"]', { hasText: opts.purpose }).first()
    return (await line.getAttribute('data-testid')) ?? ''
  }

  /** A supervisor approves an expense line, typing their own passphrase when the tablet asks; returns the co-signature's text. */
  async cosign(lineTestId: string, supervisorName: string, passphrase: string): Promise<string> {
    const line = this.page.getByTestId(lineTestId)
    await line.getByTestId('cosign-open').click()
    await line.getByTestId('cosign-by').selectOption({ label: supervisorName })
    await line.getByTestId('cosign-approve').click()
    await answerPrompt(this.page, passphrase)
    await until(this.page, async () => (await line.getAttribute('data-signed')) === 'true', 30_000, 'co-signed')
    return line.getByTestId('cosign-state').innerText()
  }
}
