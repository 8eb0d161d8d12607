import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startHub, type RunningHub } from '../support/hub'
import { CHROMIUM_PATH, launchChromium } from '../support/browser'
import { copyBuild, deployNewBuild, getMarker, serviceWorkerControls, setMarker } from './support/pwa'

// Field conditions: the app installs its service worker on the first visit, starts with no
// network, never lets the service worker answer for the hub's data API, and takes a new
// version only when a person asks for it.

const controlled = serviceWorkerControls

/** What would show the PWA itself failing: CSP violations, chunks or the worker failing to load. */
const PWA_PROBLEM = /Content.Security.Policy|dynamically imported module|Failed to load module script|MIME type|ServiceWorker|service worker|workbox/i

function collectProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('pageerror', (error) => { if (PWA_PROBLEM.test(error.message)) problems.push(`pageerror: ${error.message}`) })
  page.on('console', (message) => { if (PWA_PROBLEM.test(message.text())) problems.push(`console: ${message.text()}`) })
  return problems
}

describe('PWA in the field', () => {
  let hub: RunningHub
  let browser: Browser
  let staticDir: string

  beforeAll(async () => {
    staticDir = copyBuild()
    hub = await startHub({ STATIC_DIR: staticDir })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await hub?.stop({ removeData: true })
    if (staticDir) rmSync(staticDir, { recursive: true, force: true })
  })

  it('serves every text asset compressed, with caching and security headers', async () => {
    const html = await fetch(hub.url + '/', { headers: { 'accept-encoding': 'br, gzip' } })
    expect(html.headers.get('content-encoding')).toBe('br')
    expect(html.headers.get('cache-control')).toBe('no-cache')
    const csp = html.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-eval')
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
    expect(html.headers.get('x-content-type-options')).toBe('nosniff')
    expect(html.headers.get('x-frame-options')).toBe('DENY')
    // No inline script in the shell: everything runs from files the CSP allows.
    const shell = readFileSync(join(staticDir, 'index.html'), 'utf8')
    expect(shell).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)

    // Every text file of the build, whatever its size, goes out compressed.
    const precache = readFileSync(join(staticDir, 'sw.js'), 'utf8')
    const urls = [...precache.matchAll(/url:"([^"]+)"/g)].map((m) => m[1]!).filter((u) => /\.(js|css|html|svg|webmanifest)$/.test(u))
    expect(urls.length).toBeGreaterThan(5)
    for (const url of [...urls, 'sw.js']) {
      const response = await fetch(`${hub.url}/${url}`, { headers: { 'accept-encoding': 'gzip' } })
      expect(response.status, url).toBe(200)
      expect(response.headers.get('content-encoding'), url).toBe('gzip')
      if (url.startsWith('assets/')) expect(response.headers.get('cache-control'), url).toContain('immutable')
    }
    // Nothing in the build needs eval (the CSP forbids it) or is dev-mode or test code.
    for (const url of urls.filter((u) => u.endsWith('.js'))) {
      const code = readFileSync(join(staticDir, url), 'utf8')
      expect(code, url).not.toMatch(/\bnew Function\(|[^.\w]eval\(/)
      expect(code, url).not.toMatch(/iframeShown|RxDBDevModePlugin|fake-indexeddb|vitest/)
    }
    // The hub's API carries the security headers too; a missing chunk is a 404, not the shell.
    expect((await fetch(hub.url + '/couch/')).headers.get('x-content-type-options')).toBe('nosniff')
    expect((await fetch(hub.url + '/assets/no-such-chunk.js')).status).toBe(404)
  })

  it('is installable: Chinese manifest, standalone, maskable icons, no installability errors, an install hint', async () => {
    const manifest = await (await fetch(hub.url + '/manifest.webmanifest')).json() as {
      name: string; short_name: string; display: string; start_url: string; theme_color: string
      icons: { src: string; sizes: string; purpose?: string }[]
    }
    expect(manifest.short_name).toBe('议事')
    expect(manifest.name).toContain('议事')
    expect(manifest.display).toBe('standalone')
    expect(manifest.start_url).toBe('/')
    for (const size of ['192x192', '512x512']) {
      for (const purpose of ['any', 'maskable']) {
        const icon = manifest.icons.find((i) => i.sizes === size && (i.purpose ?? 'any') === purpose)
        expect(icon, `${purpose} ${size}`).toBeDefined()
        const response = await fetch(`${hub.url}/${icon!.src}`)
        expect(response.headers.get('content-type')).toBe('image/png')
      }
    }

    // A normal (not incognito) profile, as on a tablet: Chromium finds nothing missing, and the
    // app shows its own install hint, which stays away once declined.
    const profile = mkdtempSync(join(tmpdir(), 'yishi-profile-'))
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--bypass-app-banner-engagement-checks'],
    })
    try {
      const page = context.pages()[0] ?? await context.newPage()
      await page.goto(hub.url + '/')
      await controlled(page)
      const cdp = await context.newCDPSession(page)
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors') as { installabilityErrors: { errorId: string }[] }
      expect(installabilityErrors).toEqual([])
      await page.getByTestId('pwa-install').waitFor({ timeout: 20_000 })
      expect(await page.getByTestId('pwa-install').textContent()).toContain('把议事安装到这台平板上')
      await page.getByTestId('pwa-install-no').click()
      expect(await page.getByTestId('pwa-install').count()).toBe(0)
      await page.reload()
      await expect.poll(() => page.locator('h1').textContent()).toBe('议事')
      await page.waitForTimeout(1_500)
      expect(await page.getByTestId('pwa-install').count()).toBe(0)
    } finally {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  })

  it('starts offline after one visit, and never caches or answers for the hub API', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const problems = collectProblems(page)
    const fromServiceWorker = new Map<string, boolean>()
    page.on('response', (response) => fromServiceWorker.set(new URL(response.url()).pathname, response.fromServiceWorker()))

    await page.goto(hub.url + '/')
    await expect.poll(() => page.locator('h1').textContent()).toBe('议事')
    await controlled(page)
    // The headers leave the camera (photos) and microphone (voice notes) to the app, nothing more.
    const allowed = await page.evaluate(() => {
      const policy = (document as unknown as { featurePolicy?: { allowsFeature: (f: string) => boolean } }).featurePolicy
      return policy ? ['camera', 'microphone', 'geolocation', 'payment'].map((f) => policy.allowsFeature(f)) : null
    })
    expect(allowed).toEqual([true, true, false, false])
    // The hub API goes to the network, even with the service worker in control.
    expect(await page.evaluate(async () => (await fetch('/couch/')).status)).toBe(200)
    expect(fromServiceWorker.get('/couch/')).toBe(false)

    await context.setOffline(true)
    await page.reload()
    await expect.poll(() => page.locator('h1').textContent()).toBe('议事')
    expect(await page.getByTestId('action-votes').isVisible()).toBe(true)
    expect(fromServiceWorker.get('/')).toBe(true)

    // A deep link works offline too (navigation falls back to the cached shell)…
    await page.goto(hub.url + '/votes')
    await expect.poll(() => page.evaluate(() => document.querySelector('#app')?.children.length ?? 0)).toBeGreaterThan(0)
    expect(await page.title()).toContain('议事')
    // …but the hub API is never answered from a cache.
    expect(await page.evaluate(() => fetch('/couch/').then(() => 'answered', () => 'network error'))).toBe('network error')
    const cached = await page.evaluate(async () => {
      const urls: string[] = []
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname)
      }
      return urls
    })
    expect(cached.length).toBeGreaterThan(5)
    expect(cached.filter((u) => /^\/(couch|hub)\//.test(u))).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  })

  it('carries only Chinese on the first screen, and switches to English offline from the precache', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const problems = collectProblems(page)
    const english: { path: string; fromServiceWorker: boolean }[] = []
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname
      if (/^\/assets\/en-[\w-]+\.js$/.test(path)) english.push({ path, fromServiceWorker: response.fromServiceWorker() })
    })
    await page.goto(hub.url + '/')
    await expect.poll(() => page.locator('h1').textContent()).toBe('议事')
    await controlled(page)
    expect(english).toEqual([])

    await context.setOffline(true)
    await page.reload()
    await expect.poll(() => page.locator('h1').textContent()).toBe('议事')
    expect(english).toEqual([])
    await page.getByTestId('lang-en').click()
    await expect.poll(() => page.locator('h1').textContent()).toBe('Yishi')
    expect(await page.getByTestId('action-proposals').textContent()).toContain('Proposals')
    expect(english.length).toBe(1)
    expect(english[0]!.fromServiceWorker).toBe(true)

    // Still offline, the next start is in English from the first screen.
    await page.reload()
    await expect.poll(() => page.locator('h1').textContent()).toBe('Yishi')
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    expect(problems).toEqual([])
    await context.close()
  })

  it('announces a new version without reloading, and updates only when asked, tab by tab', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const problems = collectProblems(page)
    await page.goto(hub.url + '/')
    await controlled(page)
    await setMarker(page, 'first load')
    // A second tab of the app on the same tablet.
    const other = await context.newPage()
    await other.goto(hub.url + '/')
    await controlled(other)
    await setMarker(other, 'other tab')

    deployNewBuild(staticDir, 'build 2')
    // The app checks for a new version when the network comes back.
    await context.setOffline(true)
    await context.setOffline(false)
    await page.getByTestId('pwa-update').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('pwa-update').textContent()).toContain('新版本已准备好')

    // Nothing reloads by itself: the page, its state and the old version stay until asked.
    await page.waitForTimeout(1_000)
    expect(await getMarker(page)).toBe('first load')
    expect(await page.content()).not.toContain('build 2')

    await page.getByTestId('pwa-update-now').click()
    await expect.poll(() => getMarker(page).catch(() => 'navigating'), { timeout: 30_000 }).toBeUndefined()
    await expect.poll(() => page.locator('h1').textContent()).toBe('议事')
    expect(await page.content()).toContain('build 2')

    // The other tab is not reloaded under its user: it keeps its page and offers the update.
    await other.waitForTimeout(1_000)
    expect(await getMarker(other)).toBe('other tab')
    await other.getByTestId('pwa-update').waitFor({ timeout: 10_000 })
    await other.getByTestId('pwa-update-now').click()
    await expect.poll(() => getMarker(other).catch(() => 'navigating'), { timeout: 30_000 }).toBeUndefined()
    await expect.poll(() => other.content(), { timeout: 10_000 }).toContain('build 2')
    expect(problems).toEqual([])
    await context.close()
  })
})
