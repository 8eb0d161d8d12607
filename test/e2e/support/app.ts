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

/** The prompt of an act (src/features/acting): the person types their secret and confirms. */
export async function answerPrompt(page: Page, secret: string, personName?: string): Promise<void> {
  const prompt = page.getByTestId('acting-prompt')
  await prompt.waitFor({ timeout: 20_000 })
  if (personName) await prompt.locator('[data-testid^="acting-person-"]', { hasText: personName }).click()
  await page.getByTestId('acting-secret').fill(secret)
  await page.getByTestId('acting-ok').click()
  await until(page, async () => !(await prompt.isVisible()) || await page.getByTestId('acting-error').isVisible(), 60_000, 'secret checked')
}

/**
 * The clerk stands by the tablet: whenever an act asks for the clerk's PIN (a long journey outlasts the
 * PIN's two minutes), they type it. Other prompts (a supervisor's passphrase) are left to the journey.
 * Returns the function that sends the clerk away.
 */
export function clerkStandsBy(page: Page, pin: string): () => void {
  let stopped = false
  const loop = async () => {
    while (!stopped && !page.isClosed()) {
      const secret = page.getByTestId('acting-secret')
      try {
        if (await secret.isVisible() && await secret.getAttribute('inputmode') === 'numeric' && !(await secret.inputValue())) {
          await secret.fill(pin)
          await page.getByTestId('acting-ok').click()
        }
      } catch { /* the page moved on */ }
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  void loop()
  return () => { stopped = true }
}

/** The clerk sets up their own key on the key screen and the hub certifies it (online), signed in with `account`. */
export async function certifyClerkKey(page: Page, clerkId: string, passphrase: string, account: { name: string; password: string }): Promise<void> {
  await go(page, '/seal-keys')
  const row = page.getByTestId(`clerkkey-${clerkId}`)
  await row.waitFor({ timeout: 30_000 })
  await row.getByTestId(`clerkkey-start-${clerkId}`).click()
  await row.getByTestId('clerkkey-pass').fill(passphrase)
  await row.getByTestId('clerkkey-repeat').fill(passphrase)
  await row.getByTestId('clerkkey-account').fill(account.name)
  await row.getByTestId('clerkkey-password').fill(account.password)
  await row.getByTestId('clerkkey-save').click()
  await until(page, async () => (await row.getAttribute('data-has-key')) === 'true', 60_000, 'the clerk\'s key certified')
}

/** A supervisor or council member sets up their own passphrase on the key screen, the clerk witnessing with their own passphrase. */
export async function setUpPassphrase(page: Page, personId: string, passphrase: string, clerkPassphrase: string): Promise<void> {
  await go(page, '/seal-keys')
  const row = page.getByTestId(`sealkey-${personId}`)
  await row.waitFor({ timeout: 30_000 })
  await row.getByTestId(`sealkey-start-${personId}`).click()
  await row.getByTestId('sealkey-pass').fill(passphrase)
  await row.getByTestId('sealkey-repeat').fill(passphrase)
  await row.getByTestId('sealkey-save').click()
  await page.getByTestId('acting-prompt').waitFor({ timeout: 60_000 })
  await page.getByTestId('acting-secret').fill(clerkPassphrase)
  await page.getByTestId('acting-ok').click()
  await until(page, async () => (await row.getAttribute('data-has-key')) === 'true', 60_000, `${personId}'s passphrase set up`)
}

/** A step refused because its publicity has not ended goes ahead with a reason on record. */
export async function goEarly(page: Page, reason: string): Promise<void> {
  await page.getByTestId('early-open').click()
  await page.getByTestId('early-reason').fill(reason)
  await page.getByTestId('early-confirm').click()
}
