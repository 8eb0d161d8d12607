import { rmSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/browser'
import { startHub, type RunningHub } from '../support/hub'
import { couch, provision } from '../sync-server/helpers'
import { buildDataHarness } from './browser/build'
import { enrollDevice } from './sync-helpers'

const VILLAGE = 'vbrowser'
let hub: RunningHub
let browser: Browser
let harness: string

beforeAll(async () => {
  harness = await buildDataHarness()
  hub = await startHub({ STATIC_DIR: harness })
  await provision(hub, { township: 'tsb', villages: [VILLAGE] })
  browser = await launchChromium()
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await hub?.stop({ removeData: true })
  rmSync(harness, { recursive: true, force: true })
})

async function openTab(page: Page, name: string): Promise<void> {
  const d = await enrollDevice(hub, VILLAGE)
  await page.goto(`${hub.url}/`)
  await page.waitForFunction(() => document.getElementById('ready')?.textContent === 'ready', undefined, { timeout: 20_000 })
  await page.evaluate((o) => window.yishiData.open(o), { village: VILLAGE, device: d.id, secret: d.secret, name })
}

describe('in Chromium over plain HTTP/1.1 (Dexie storage, the hub\'s CSP without eval)', () => {
  it('two tabs replicate live at once, and a write reaches the hub and the other tab within 1 s', async () => {
    const context = await browser.newContext()
    const [a, b] = [await context.newPage(), await context.newPage()]
    const errors: string[] = []
    for (const p of [a, b]) p.on('pageerror', (e) => errors.push(e.message))
    await openTab(a, 'tab-a')
    await openTab(b, 'tab-b')
    for (const p of [a, b]) expect(await p.evaluate(() => window.yishiData.syncNow(30_000))).toBe(true)
    for (const p of [a, b]) await p.evaluate(() => window.yishiData.start())
    await new Promise((r) => setTimeout(r, 500)) // both long-polls are open now

    for (let round = 0; round < 3; round++) {
      const id = `comment:live${round}`
      const started = Date.now()
      await a.evaluate((docId) => window.yishiData.comment(docId), id)
      let atHub = -1
      for (let i = 0; i < 200 && atHub < 0; i++) {
        if ((await couch(hub, `village-${VILLAGE}/${id}`)).status === 200) atHub = Date.now() - started
        else await new Promise((r) => setTimeout(r, 10))
      }
      expect(atHub, 'reached the hub').toBeGreaterThanOrEqual(0)
      expect(atHub).toBeLessThan(1000)
      await b.waitForFunction((docId) => window.yishiData.count('comment').then((n) => n > Number(docId.slice(-1))), id, { timeout: 1000 })
    }
    expect(errors).toEqual([])
    for (const p of [a, b]) await p.evaluate(() => window.yishiData.remove())
    await context.close()
  })

  it('finds changed records for the push with one index read, exactly as RxDB\'s own query pages them', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await openTab(page, 'tab-changes')
    await page.evaluate(() => window.yishiData.seedBallots('vote:x', 23))
    for (let i = 0; i < 3; i++) await page.evaluate((n) => window.yishiData.comment(`comment:later${n}`), i)
    const r = await page.evaluate(() => window.yishiData.changesBothWays(7))
    expect(r.fast).toEqual(r.viaQuery)
    const ids = r.fast.flatMap((p) => p.ids)
    expect(ids.length).toBeGreaterThanOrEqual(23 + 3)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.slice(-6)).toContain('comment:later2')
    expect(r.fast.at(-1)?.ids).toEqual([])
    expect(r.sample).toEqual(r.sampleViaQuery) // whole documents, RxDB's own form (_deleted a boolean)
    expect((r.sample[0] as { _deleted: unknown })._deleted).toBe(false)
    await page.evaluate(() => window.yishiData.remove())
    await context.close()
  })
})
