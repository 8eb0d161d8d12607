/**
 * Page object for the roster screens: import a sheet (with its preview and per-row errors),
 * read the roster, export it.
 */
import type { Page } from 'playwright-core'
import { until } from './votes'

/** Waits until the service worker controls the page, so every screen and lazy chunk is there offline. */
export async function installedOffline(page: Page): Promise<void> {
  const state = () => page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration()
    return navigator.serviceWorker.controller ? 'controlled' : reg?.active ? 'active' : 'installing'
  })
  await until(page, async () => (await state()) !== 'installing', 90_000, 'service worker installed')
  if ((await state()) === 'active') await page.reload()
  await until(page, async () => (await state()) === 'controlled', 20_000, 'service worker in control')
}

export class RosterPage {
  constructor(readonly page: Page) {}

  async openImport(hubUrl: string): Promise<void> {
    await this.page.goto(`${hubUrl}/roster/import`)
    await until(this.page, () => this.page.getByTestId('roster-file').count().then((n) => n === 1), 20_000, 'roster import screen')
  }

  /**
   * Picks a sheet file and waits for its preview (or a refusal). With `byButton`, as a person does: the
   * Chinese 选择表格文件 button opens the file picker (the browser's own "Choose File" input is not shown).
   */
  async pick(name: string, bytes: Uint8Array | string, opts: { byButton?: boolean } = {}): Promise<void> {
    const file = { name, mimeType: name.endsWith('.csv') ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: Buffer.from(bytes) }
    if (opts.byButton) {
      const [chooser] = await Promise.all([this.page.waitForEvent('filechooser', { timeout: 10_000 }), this.page.getByText('选择表格文件', { exact: true }).click()])
      await chooser.setFiles(file)
    } else {
      await this.page.getByTestId('roster-file').setInputFiles(file)
    }
    await until(this.page, async () => (await this.page.getByTestId('roster-preview').count()) + (await this.page.locator('[role="alert"]').count()) > 0, 20_000, 'roster preview')
  }

  summary(): Promise<string> { return this.page.getByTestId('roster-preview-summary').innerText() }
  rowErrors(): Promise<string[]> { return this.page.getByTestId('roster-row-errors').allInnerTexts() }

  /** Imports the correct rows and waits for the result line. */
  async confirm(): Promise<string> {
    await this.page.getByTestId('roster-import-confirm').click()
    await until(this.page, () => this.page.getByTestId('roster-import-done').isVisible(), 20_000, 'import done')
    return this.page.getByTestId('roster-import-done').innerText()
  }

  async open(hubUrl: string): Promise<void> {
    await this.page.goto(`${hubUrl}/roster`)
    await until(this.page, () => this.page.getByTestId('roster-summary').isVisible(), 20_000, 'roster screen')
  }

  /** Names on the roster screen, in order. */
  names(): Promise<string[]> { return this.page.locator('[data-testid="roster-person"] .roster-name').allInnerTexts() }

  /** Exports the roster and returns the downloaded file's bytes. */
  async export(format: 'csv' | 'xlsx'): Promise<Uint8Array> {
    const [download] = await Promise.all([this.page.waitForEvent('download', { timeout: 20_000 }), this.page.getByTestId(`roster-export-${format}`).click()])
    const stream = await download.createReadStream()
    const chunks: Uint8Array[] = []
    for await (const chunk of stream) chunks.push(new Uint8Array(chunk as ArrayBuffer))
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
    let at = 0
    for (const c of chunks) { out.set(c, at); at += c.length }
    return out
  }
}
