/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { couch, provision } from '../sync-server/helpers'
import { openSyncedTablet, seedRoster } from '../data/sync-helpers'
import { copyBuild, deployNewBuild, getMarker, newVersionWaiting, serviceWorkerControls, setMarker } from './support/pwa'
import { enrolledTablet, KioskPage, announcementInput, openVoteInput, until, VILLAGE_PEOPLE, type Tablet } from './support/votes'

// Issue 8, field check: one visit with a signal, then a week without. The tablet starts with no
// network, a proposal is recorded and ballots are cast; a new version deployed meanwhile waits,
// unannounced (nothing covers a ballot), until the kiosk is closed, and is then offered and applied;
// when the signal comes back, everything reaches the hub.

const PIN = '2468'
const CLERK = { personId: 'person:clerk', name: '王文书' }
const TITLE = '村委会门口装公告栏'

describe('field conditions: offline for days on a shared tablet', () => {
  let hub: RunningHub
  let browser: Browser
  let staticDir: string
  let tablet: Tablet | null = null

  beforeAll(async () => {
    staticDir = copyBuild()
    hub = await startHub({ STATIC_DIR: staticDir })
    await provision(hub, { villages: ['qb'] })
    const seed = await openSyncedTablet(hub, 'qb')
    await seedRoster(hub, seed, VILLAGE_PEOPLE.map((p) => ({ ...p, householdHead: true })))
    await seed.data.notices.create(announcementInput(Date.now()))
    await seed.data.votes.create(openVoteInput(Date.now()))
    expect(await seed.sync.syncNow(30_000)).toBe(true)
    await seed.close()
    browser = await launchChromium()
  })
  afterAll(async () => {
    await tablet?.context.close().catch(() => undefined)
    await browser?.close()
    await hub?.stop({ removeData: true })
    if (staticDir) rmSync(staticDir, { recursive: true, force: true })
  })

  it('starts offline, records a proposal and ballots, holds a new version during the vote, and syncs when back online', async () => {
    tablet = await enrolledTablet(browser, hub, 'qb', CLERK, PIN)
    const { context, page } = tablet
    const kiosk = new KioskPage(page)

    // First visit, online: the app installs its service worker and the village data arrives.
    await page.goto(hub.url + '/')
    await serviceWorkerControls(page)
    await kiosk.open(hub.url, 'vote:lights')
    await kiosk.unlock(PIN)
    await until(page, async () => (await kiosk.text()).includes('已领票 0 / 6 人'), 30_000, 'roster and vote on the tablet')

    // No network from here on; the app is started again from nothing.
    await context.setOffline(true)
    await page.goto(hub.url + '/')
    await expect.poll(() => page.locator('h1').textContent(), { timeout: 20_000 }).toBe('议事')

    // A proposal is recorded.
    await page.goto(hub.url + '/proposals/new')
    await page.getByTestId('proposal-title').locator('input').fill(TITLE)
    await page.getByTestId('category-other').click()
    await page.getByTestId('proposal-save').click()
    await page.waitForURL(/\/proposals\/proposal/, { timeout: 20_000 })
    expect(await page.locator('body').innerText()).toContain(TITLE)

    // A ballot is cast in the kiosk.
    await kiosk.open(hub.url, 'vote:lights')
    await kiosk.serveVoter(PIN, '3-12', 'person:zhang', ['project:lamps'])
    await setMarker(page, 'kiosk open')

    // A new version is deployed and the signal returns while the kiosk is still open. The tablet
    // finds it (the new worker is downloaded and waits) but holds it: nothing covers the ballot
    // (no update banner while a voter may hold the tablet) and the page keeps its version.
    deployNewBuild(staticDir, 'field build 2')
    await context.setOffline(false)
    await until(page, () => newVersionWaiting(page), 30_000, 'new version downloaded and waiting')
    expect(await page.getByTestId('pwa-update').count()).toBe(0)
    expect(await getMarker(page)).toBe('kiosk open')

    // The vote goes on undisturbed: same page, same version, another voter served, no banner.
    await kiosk.serveVoter(PIN, '刘', 'person:liu', ['project:road', 'project:water'])
    expect(await getMarker(page)).toBe('kiosk open')
    expect(await page.content()).not.toContain('field build 2')
    expect(await newVersionWaiting(page)).toBe(true)
    expect(await page.getByTestId('pwa-update').count()).toBe(0)

    // The proposal and the check-offs reach the hub; the ballots wait in the tablet's ballot box.
    const onHub = async () => {
      const all = await couch(hub, 'village-qb/_all_docs?include_docs=true')
      const docs = (all.body.rows as any[]).map((r) => r.doc)
      return {
        proposal: docs.some((d) => d.kind === 'proposal' && d.body?.title === TITLE),
        checkoffs: docs.filter((d) => d.kind === 'checkoff' && d.ref === 'vote:lights').length,
        ballots: docs.filter((d) => d.kind === 'ballot' && d.ref === 'vote:lights').length,
      }
    }
    await until(page, async () => { const h = await onHub(); return h.proposal && h.checkoffs === 2 }, 45_000, 'proposal and two check-offs on the hub')
    expect((await onHub()).ballots).toBe(0)

    // The clerk closes the kiosk: the ballots are written and reach the hub; now the update may be
    // applied, and only then the page reloads.
    await kiosk.unlock(PIN)
    await page.getByTestId('kiosk-exit').click()
    await kiosk.typePin(PIN)
    await page.waitForURL((url) => !url.pathname.endsWith('/kiosk'), { timeout: 20_000 })
    await until(page, async () => (await onHub()).ballots === 2, 45_000, 'two ballots on the hub')
    await page.getByTestId('pwa-update').waitFor({ timeout: 10_000 })
    await until(page, () => page.getByTestId('pwa-update-now').isEnabled(), 10_000, 'update offered after the kiosk closed')
    expect(await getMarker(page)).toBe('kiosk open')
    expect(await newVersionWaiting(page)).toBe(true)
    await page.getByTestId('pwa-update-now').click()
    await until(page, async () => (await getMarker(page)) === undefined, 30_000, 'page reloaded into the new version')
    await until(page, async () => (await page.content()).includes('field build 2'), 20_000, 'new version running')
  })
})
