/** Page object for implementation and accounts: progress, expenses and the supervisor's co-signature. */
import type { Page } from 'playwright-core'
import { inApp, until } from './votes'

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

  /** A progress update on the open project, recorded by `byName`. */
  async progress(text: string, percent: number, byName: string): Promise<void> {
    const page = this.page
    await page.getByTestId('progress-text').fill(text)
    await page.getByTestId('progress-percent').fill(String(percent))
    await page.getByTestId('progress-by').selectOption({ label: byName })
    await page.getByTestId('progress-save').click()
    await until(page, () => page.getByText(text).first().isVisible(), 10_000, 'progress saved')
  }

  /** An expense on the open project; returns the ledger line's test id. */
  async expense(opts: { yuan: number; payee: string; purpose: string; byName: string }): Promise<string> {
    const page = this.page
    const before = await page.locator('[data-testid^="ledger-ledger:"]').count()
    await page.getByTestId('expense-amount').fill(String(opts.yuan))
    await page.getByTestId('expense-payee').fill(opts.payee)
    await page.getByTestId('expense-purpose').fill(opts.purpose)
    await page.getByTestId('expense-by').selectOption({ label: opts.byName })
    await page.getByTestId('expense-save').click()
    await until(page, async () => (await page.locator('[data-testid^="ledger-ledger:"]').count()) > before, 10_000, 'expense saved')
    const line = page.locator('[data-testid^="ledger-ledger:"]', { hasText: opts.purpose }).first()
    return (await line.getAttribute('data-testid')) ?? ''
  }

  /** A supervisor approves an expense line; returns the co-signature's text. */
  async cosign(lineTestId: string, supervisorName: string): Promise<string> {
    const line = this.page.getByTestId(lineTestId)
    await line.getByTestId('cosign-open').click()
    await line.getByTestId('cosign-by').selectOption({ label: supervisorName })
    await line.getByTestId('cosign-approve').click()
    await until(this.page, async () => (await line.getAttribute('data-signed')) === 'true', 10_000, 'co-signed')
    return line.getByTestId('cosign-state').innerText()
  }
}
