import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'

describe('home screen in a real browser', () => {
  let hub: RunningHub
  let browser: Browser

  beforeAll(async () => {
    hub = await startHub()
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await hub?.stop({ removeData: true })
  })

  it('opens in Chinese and switches to English', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(hub.url + '/')
    await expect.poll(() => page.locator('h1').textContent()).toBe('议事')
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN')
    expect(await page.getByTestId('action-proposals').textContent()).toContain('提议')
    expect(await page.getByTestId('sync-state').textContent()).toMatch(/同步/)

    await page.getByTestId('lang-en').click()
    await expect.poll(() => page.locator('h1').textContent()).toBe('Yishi')
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    expect(await page.getByTestId('action-proposals').textContent()).toContain('Proposals')
    expect(await page.getByTestId('sync-state').textContent()).toContain('Sync')

    // The choice survives a reload.
    await page.reload()
    await expect.poll(() => page.locator('h1').textContent()).toBe('Yishi')
    await context.close()
  })
})
