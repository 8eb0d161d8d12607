import { readFileSync, rmSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/browser'
import { startHub, type RunningHub } from '../support/hub'
import { couch, provision } from '../sync-server/helpers'
import { copyBuild } from '../e2e/support/pwa'

// The real app (dist/, built by `npm test` before the test projects) served by the real hub.
const VILLAGE = 'vdevice'
let hub: RunningHub
let browser: Browser
let build: string
beforeAll(async () => {
  build = copyBuild()
  hub = await startHub({ STATIC_DIR: build })
  await provision(hub, { township: 'tsd', villages: [VILLAGE] })
  browser = await launchChromium()
}, 120_000)
afterAll(async () => { await browser?.close(); await hub?.stop({ removeData: true }); rmSync(build, { recursive: true, force: true }) })

describe('device screens in the app', () => {
  it('enrolls by code, sets and checks the clerk PIN offline, and shows sync in plain words', async () => {
    const context = await browser.newContext({ locale: 'en-US', acceptDownloads: true })
    await context.addInitScript(() => { if (!localStorage.getItem('yishi.locale')) localStorage.setItem('yishi.locale', 'en') })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))

    const code = (await couch(hub, '_hub/enrollments', { body: { village: VILLAGE } })).body.code as string
    await page.goto(`${hub.url}/device/enroll`)
    await page.getByTestId('enroll-code').fill('WRONG-CODE')
    await page.getByRole('button', { name: 'Enroll' }).click()
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toMatch(/This code is wrong, already used or expired: ask the township for a new one/)
    await page.getByTestId('enroll-code').fill(code)
    await page.getByRole('button', { name: 'Enroll' }).click()
    await page.getByTestId('enroll-done').waitFor({ timeout: 20_000 })
    // the hub's name for the village, not its id, before any village record has synced
    expect(await page.getByTestId('enroll-done').textContent()).toContain(`村 ${VILLAGE}`)

    await page.getByLabel('Clerk name').fill('王文书')
    await page.getByLabel('PIN (4–8 digits)').fill('4821')
    await page.getByRole('button', { name: 'Save PIN' }).click()
    await page.getByTestId('enroll-pin-saved').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('enroll-pin-saved').textContent()).toContain("王文书's PIN is saved")

    await page.goto(`${hub.url}/device/unlock`)
    await context.setOffline(true) // the PIN is checked on the tablet
    await page.getByTestId('unlock-pin').fill('1111')
    await page.getByRole('button', { name: 'Unlock' }).click()
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toMatch(/Wrong PIN, 4 tries left/)
    await page.getByTestId('unlock-pin').fill('4821')
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.waitForURL(`${hub.url}/`, { timeout: 10_000 })
    await context.setOffline(false)

    await page.goto(`${hub.url}/device/sync`)
    await page.getByTestId('sync-now').click()
    await expect.poll(() => page.getByTestId('sync-pending').textContent(), { timeout: 20_000 }).toMatch(/Every record is at the hub/)
    await expect.poll(() => page.getByTestId('device-sync').textContent(), { timeout: 20_000 }).toMatch(/Last sync:/)
    // after a sync the tablet keeps the village's list of device keys (its own among them), signed by the hub
    await expect.poll(() => page.evaluate(() => {
      const trust = JSON.parse(localStorage.getItem('yishi.trust') ?? 'null') as { certificate?: { device: string }; list?: { devices: { device: string }[] } } | null
      return trust?.list?.devices.some((d) => d.device === trust.certificate?.device) ?? false
    }), { timeout: 20_000 }).toBe(true)

    // carrying data by hand: the file is a signed export; loading it again changes nothing
    const download = page.waitForEvent('download')
    await page.getByTestId('export-file').click()
    const file = await (await download).path()
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as { format: string; village: string; signature: string; docs: unknown[] }
    // signed with the device key made at enrollment, with the hub's certificate of that key
    expect(bundle).toMatchObject({ format: 'yishi-export/2', village: VILLAGE, signature: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/), certificate: { village: VILLAGE, format: 'yishi-cert/1' } })
    expect(bundle.docs.every((d) => typeof (d as { sig?: unknown }).sig === 'string')).toBe(true)
    await page.getByTestId('import-file').setInputFiles(file)
    await expect.poll(() => page.getByTestId('carry-message').textContent(), { timeout: 10_000 }).toMatch(/Imported 0 new records/)
    expect(errors, errors.join('\n')).toEqual([])
    await context.close()
  })
})
