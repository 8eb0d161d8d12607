/**
 * Loading on a bad network, in Chromium through the DevTools protocol:
 *  - first visit, network at 400 kbit/s with 400 ms round trips, CPU slowed 4×: time from
 *    navigation until the home screen responds to a tap (the language switch answers);
 *  - repeat visit with no network at all, served by the service worker, same CPU: same measure;
 *  - Lighthouse 12.2.3, mobile preset: performance score.
 * Against the real hub serving dist/ (the harness builds it when stale). Medians of RUNS.
 */
import { rmSync } from 'node:fs'
import { launch as launchChrome } from 'chrome-launcher'
import lighthouse from 'lighthouse'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { startHub, type RunningHub } from '../test/support/hub'
import { provision } from '../test/sync-server/helpers'
import { CHROMIUM_PATH, launchChromium } from '../test/support/browser'
import { copyBuild } from '../test/e2e/support/pwa'

const RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 3)
const TAP_DEADLINE_MS = 90_000
const BAD_NETWORK = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 }
const CPU_SLOWDOWN = 4
// Same switches as test/support/browser.ts.
const CHROMIUM_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run']

interface LoadSample { tapMs: number; fcpMs: number | null; bytes: number }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN
}

/** Records, inside the page, when <html lang> first turns to 'en' (the tap's visible answer). */
const RECORD_LANG_CHANGE = `
  new MutationObserver((records, observer) => {
    if (document.documentElement.lang === 'en') { window.__yishiTapAnsweredAt = performance.now(); observer.disconnect() }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['lang'] })`

async function throttle(cdp: CDPSession, network: boolean): Promise<void> {
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false })
  if (network) await cdp.send('Network.emulateNetworkConditions', BAD_NETWORK)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
}

async function unthrottle(cdp: CDPSession): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })
}

/** Navigates and taps the language switch until the app answers; ms from navigation start. */
async function loadUntilTapAnswered(page: Page, url: string): Promise<LoadSample> {
  await page.goto(url, { waitUntil: 'commit', timeout: TAP_DEADLINE_MS })
  const deadline = Date.now() + TAP_DEADLINE_MS
  const button = page.getByTestId('lang-en')
  for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt++) {
    await button.click({ timeout: Math.max(1, deadline - Date.now()) })
    const answered = await page.waitForFunction(() => (window as unknown as { __yishiTapAnsweredAt?: number }).__yishiTapAnsweredAt,
      undefined, { timeout: 2_000 }).then(() => true, () => false)
    if (answered) break
  }
  return page.evaluate(() => {
    const at = (window as unknown as { __yishiTapAnsweredAt?: number }).__yishiTapAnsweredAt
    if (at === undefined) throw new Error('the home screen never answered a tap')
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[]
    return { tapMs: at, fcpMs: fcp, bytes: entries.reduce((sum, e) => sum + (e.transferSize || 0), 0) }
  })
}

async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 800, height: 1280 }, locale: 'zh-CN' })
  await context.addInitScript(RECORD_LANG_CHANGE)
  return context
}

async function measureLoads(url: string): Promise<{ first: LoadSample[]; repeat: LoadSample[] }> {
  const browser = await launchChromium()
  const first: LoadSample[] = []
  const repeat: LoadSample[] = []
  try {
    for (let run = 0; run < RUNS; run++) {
      const context = await newContext(browser)
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      await throttle(cdp, true)
      first.push(await loadUntilTapAnswered(page, url))

      // Let the service worker finish caching the app at full speed, then go offline.
      await unthrottle(cdp)
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 })
      await page.evaluate(() => localStorage.removeItem('yishi.locale'))
      await context.setOffline(true)
      await throttle(cdp, false)
      repeat.push(await loadUntilTapAnswered(page, url))
      await context.close()
    }
  } finally {
    await browser.close()
  }
  return { first, repeat }
}

/**
 * The same offline repeat visit on an enrolled tablet: the app also opens the village's
 * database (RxDB on IndexedDB) at start, which a real tablet always does.
 */
async function measureEnrolledRepeats(hub: RunningHub): Promise<LoadSample[]> {
  const { devices } = await provision(hub, { villages: ['bench'] })
  const device = devices[0]!
  const enrollment = JSON.stringify({ device: device.id, secret: device.secret, village: device.village, hubUrl: '', enrolledAt: Date.now() })
  const browser = await launchChromium()
  const samples: LoadSample[] = []
  try {
    for (let run = 0; run < RUNS; run++) {
      const context = await newContext(browser)
      await context.addInitScript((e: string) => { if (!localStorage.getItem('yishi.device')) localStorage.setItem('yishi.device', e) }, enrollment)
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      await page.goto(hub.url + '/')
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 })
      await page.waitForTimeout(2_000)
      await page.evaluate(() => localStorage.removeItem('yishi.locale'))
      await context.setOffline(true)
      await throttle(cdp, false)
      samples.push(await loadUntilTapAnswered(page, hub.url + '/'))
      await context.close()
    }
  } finally {
    await browser.close()
  }
  return samples
}

async function lighthouseScore(url: string): Promise<number | null> {
  const chrome = await launchChrome({ chromePath: CHROMIUM_PATH, chromeFlags: CHROMIUM_FLAGS, logLevel: 'silent' })
  try {
    const result = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance'] })
    const lhr = result?.lhr
    if (!lhr) return null
    const metric = (id: string) => lhr.audits[id]?.displayValue ?? '—'
    console.log(`Lighthouse ${lhr.lighthouseVersion} (mobile preset, simulated throttling): performance ${Math.round((lhr.categories.performance?.score ?? 0) * 100)}`)
    console.log(`  FCP ${metric('first-contentful-paint')} · LCP ${metric('largest-contentful-paint')} · TBT ${metric('total-blocking-time')} · SI ${metric('speed-index')} · CLS ${metric('cumulative-layout-shift')}`)
    const score = lhr.categories.performance?.score
    return typeof score === 'number' ? Math.round(score * 100) : null
  } finally {
    chrome.kill()
  }
}

export async function run(): Promise<Record<string, number | null>> {
  // A private copy of the build: another build may rewrite dist/ while this runs.
  const staticDir = process.env.STATIC_DIR ?? copyBuild()
  const hub = await startHub({ STATIC_DIR: staticDir })
  try {
    const url = hub.url + '/'
    const { first, repeat } = await measureLoads(url)
    const row = (label: string, samples: LoadSample[], aim: number) => {
      const tap = median(samples.map((s) => s.tapMs))
      const fcp = median(samples.map((s) => s.fcpMs ?? NaN))
      const kb = median(samples.map((s) => s.bytes)) / 1024
      console.log(`${label.padEnd(44)} tap answered ${tap.toFixed(0).padStart(6)} ms (aim < ${aim} ms: ${tap < aim ? 'met' : 'MISSED'})` +
        `  first paint ${Number.isNaN(fcp) ? '—' : fcp.toFixed(0)} ms  transferred ${kb.toFixed(1)} KB  [${samples.map((s) => s.tapMs.toFixed(0)).join(', ')}]`)
      return tap
    }
    console.log(`Chromium, ${RUNS} runs each, medians; network 400 kbit/s · 400 ms RTT; CPU ${CPU_SLOWDOWN}× slower`)
    const firstMs = row('first visit (bad network)', first, 5000)
    const repeatMs = row('repeat visit offline (service worker)', repeat, 1500)
    let enrolledMs: number | null = null
    try {
      enrolledMs = row('  same, enrolled tablet (database opens too)', await measureEnrolledRepeats(hub), 1500)
    } catch (error) {
      console.log(`enrolled repeat visit could not be measured: ${error instanceof Error ? error.message : String(error)}`)
    }
    let score: number | null = null
    try {
      score = await lighthouseScore(url)
    } catch (error) {
      console.log(`Lighthouse could not run: ${error instanceof Error ? error.message : String(error)}`)
    }
    return {
      first_load_throttled_ms: Math.round(firstMs),
      repeat_load_offline_ms: Math.round(repeatMs),
      lighthouse_performance: score,
      repeat_load_offline_enrolled_ms: enrolledMs === null ? null : Math.round(enrolledMs),
    }
  } finally {
    await hub.stop({ removeData: true })
    if (!process.env.STATIC_DIR) rmSync(staticDir, { recursive: true, force: true })
  }
}
