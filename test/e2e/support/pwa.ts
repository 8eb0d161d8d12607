import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'

const DIST = join(process.cwd(), 'dist')

/** A private copy of the production build, so a test can "deploy" a new one without touching dist/. */
export function copyBuild(): string {
  // Another build may be rewriting dist/ at this moment (engineers share the tree): wait a little.
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
  // sw.js.br is written last (the precompress step), so its presence means a complete build.
  const complete = () => existsSync(join(DIST, 'sw.js')) && existsSync(join(DIST, 'sw.js.br'))
  for (let waited = 0; !complete() && waited < 30_000; waited += 1_000) sleep(1_000)
  if (!complete()) throw new Error('dist/ has no complete build: run `npx vite build` first (npm test does)')
  const dir = mkdtempSync(join(tmpdir(), 'yishi-pwa-dist-'))
  for (let attempt = 1; ; attempt++) {
    try {
      cpSync(DIST, dir, { recursive: true })
      return dir
    } catch (error) {
      if (attempt >= 5) throw error
      rmSync(dir, { recursive: true, force: true })
      sleep(3_000)
    }
  }
}

/**
 * Simulates deploying a new build into `dir`: the shell changes (carrying `label`) and the
 * service worker's precache manifest names its new revision, as a real rebuild would, so the
 * browser finds a new worker on its next update check.
 */
export function deployNewBuild(dir: string, label: string): void {
  const shellPath = join(dir, 'index.html')
  const shell = readFileSync(shellPath, 'utf8').replace('</body>', `<!-- ${label} --></body>`)
  writeFileSync(shellPath, shell)
  const revision = createHash('md5').update(shell).digest('hex')
  const swPath = join(dir, 'sw.js')
  const sw = readFileSync(swPath, 'utf8').replace(/(\{url:"index\.html",revision:")[0-9a-f]+(")/, `$1${revision}$2`)
  if (!sw.includes(revision)) throw new Error('could not find index.html in the precache manifest of sw.js')
  writeFileSync(swPath, sw)
  for (const file of ['index.html', 'sw.js']) for (const ext of ['.br', '.gz']) rmSync(join(dir, file + ext), { force: true })
}

/** Waits (bounded) until the service worker controls the page. */
export async function serviceWorkerControls(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 })
}

/** A new service worker is installed and waiting: a new version was found but not applied. */
export async function newVersionWaiting(page: Page): Promise<boolean> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration()
    return registration?.waiting != null && navigator.serviceWorker.controller !== null
  })
}

/** A mark on the page's window: it disappears only if the page reloads. */
export const setMarker = (page: Page, value: string) => page.evaluate((v) => { (window as unknown as { yishiMarker: string }).yishiMarker = v }, value)
export const getMarker = (page: Page) => page.evaluate(() => (window as unknown as { yishiMarker?: string }).yishiMarker)
