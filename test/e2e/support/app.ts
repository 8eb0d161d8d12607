/** Navigation inside the running app (keeps the unlocked clerk, which a page load would forget). */
import type { Page } from 'playwright-core'
import { until } from './votes'

export async function go(page: Page, path: string): Promise<void> {
  await page.evaluate(async (p) => {
    const app = (document.getElementById('app') as unknown as { __vue_app__: { config: { globalProperties: { $router: { push(p: string): Promise<unknown> } } } } }).__vue_app__
    await app.config.globalProperties.$router.push(p)
  }, path)
  await until(page, async () => new URL(page.url()).pathname === encodeURI(path).replace(/%3A/gi, ':') || new URL(page.url()).pathname === path, 20_000, `navigation to ${path}`)
}

/** Unlocks the tablet with the clerk's PIN on the device screen. */
export async function unlockClerk(page: Page, pin: string): Promise<void> {
  await go(page, '/device/unlock')
  await page.getByTestId('unlock-pin').fill(pin)
  await page.getByTestId('unlock-pin').press('Enter')
  // Unlocked, the app goes home (or shows who is unlocked when opened again).
  await until(page, async () => new URL(page.url()).pathname === '/' || await page.getByTestId('unlocked').isVisible(), 30_000, 'clerk unlocked')
}
