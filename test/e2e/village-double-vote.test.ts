import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { provision } from '../sync-server/helpers'
import { openSyncedTablet, seedRoster } from '../data/sync-helpers'
import { enrolledTablet, KioskPage, announcementInput, openVoteInput, resolveConflict, until, VILLAGE_PEOPLE, type Tablet } from './support/votes'

const PIN = '2468'
const CLERK = { personId: 'person:clerk', name: '王文书' }

/**
 * Journey (b): two tablets run one vote with no network; the same voter is checked off on both.
 * When they sync, the double vote lands in the council's queue on both tablets and is resolved
 * by a recorded decision.
 */
describe('one vote on two tablets, offline, with a double vote', () => {
  let hub: RunningHub
  let browser: Browser
  const tablets: Tablet[] = []

  beforeAll(async () => {
    hub = await startHub()
    await provision(hub, { villages: ['qb'] })
    // The clerk's first tablet set the village up while it had a signal.
    const seed = await openSyncedTablet(hub, 'qb')
    await seedRoster(hub, seed, VILLAGE_PEOPLE.map((p) => ({ ...p, householdHead: true })))
    await seed.data.notices.create(announcementInput(Date.now()))
    await seed.data.votes.create(openVoteInput(Date.now()))
    expect(await seed.sync.syncNow(30_000)).toBe(true)
    await seed.close()
    browser = await launchChromium()
  })
  afterAll(async () => {
    for (const t of tablets) await t.context.close().catch(() => undefined)
    await browser?.close()
    await hub?.stop({ removeData: true })
  })

  it('catches the double vote after sync and records how the council resolved it', async () => {
    for (let i = 0; i < 2; i++) tablets.push(await enrolledTablet(browser, hub, 'qb', CLERK, PIN))
    const [a, b] = tablets as [Tablet, Tablet]
    const kioskA = new KioskPage(a.page)
    const kioskB = new KioskPage(b.page)
    // Both tablets get the village and the vote while online, then the signal goes.
    for (const k of [kioskA, kioskB]) {
      await k.open(hub.url, 'vote:lights')
      await k.unlock(PIN)
      await until(k.page, async () => (await k.text()).includes('已领票 0 / 6 人'), 30_000, 'roster and vote on the tablet')
      // the app's other screens must open offline too (the clerk leaves the kiosk to the vote page)
      await until(k.page, () => k.page.evaluate(() => navigator.serviceWorker.controller !== null), 30_000, 'service worker in control')
    }
    await a.context.setOffline(true)
    await b.context.setOffline(true)

    // Tablet A: 张秀英 and 刘德华 vote. Tablet B: 陈小明 votes, and 张秀英 is checked off again.
    await kioskA.serveVoter(PIN, '3-12', 'person:zhang', ['project:lamps'])
    expect(await kioskA.text()).not.toContain('张秀英')
    expect(await kioskA.text()).not.toContain('村口装路灯')
    await kioskA.serveVoter(PIN, '刘', 'person:liu', ['project:road', 'project:water'])
    await kioskB.serveVoter(PIN, '陈', 'person:chen', ['project:water'])
    await kioskB.serveVoter(PIN, '张', 'person:zhang', ['project:road'])
    // the clerks close their kiosks: each tablet writes its ballot box
    await kioskA.leave(PIN)
    await kioskB.leave(PIN)

    // Signal again: both tablets sync through the hub.
    await a.context.setOffline(false)
    await b.context.setOffline(false)
    for (const t of [a, b]) {
      await t.page.goto(`${hub.url}/conflicts`)
      await until(t.page, () => t.page.getByTestId('conflict-checkoff:lights:zhang').isVisible(), 60_000, `double vote on ${t.device}`)
    }
    const item = a.page.getByTestId('conflict-checkoff:lights:zhang')
    expect(await item.innerText()).toContain('张秀英在两台平板上都领了票')
    // the two tablets in words — this one, and the other by its certified name (or its code's tail before the list arrives) — never by their codes
    const sides = await item.innerText()
    expect(sides).toContain('本平板，')
    expect(sides).toMatch(/平板(「[^」]+」|（编号尾号 [0-9A-Z]{1,4}）)，/)
    expect(sides).not.toContain(a.device)
    expect(sides).not.toContain(b.device)

    // Every ballot reached both tablets: 4 ballots, 3 distinct voters checked off.
    await a.page.goto(`${hub.url}/votes/vote:lights`)
    await until(a.page, async () => (await a.page.getByTestId('vote-checkedoff').innerText()).startsWith('已领票 3 /'), 30_000, 'check-offs synced')
    expect(await a.page.getByTestId('vote-boxed').count()).toBe(0)
    await a.page.getByTestId('conflicts-banner').click()
    await until(a.page, () => a.page.getByTestId('conflict-checkoff:lights:zhang').isVisible(), 10_000, 'queue from the banner')

    // The council decides on tablet A; tablet B sees the decision after sync.
    await resolveConflict(a.page, 'checkoff:lights:zhang', 'keep-earliest', '本人只投了一次，第二台平板重复登记', 'person:sup2')
    await until(b.page, async () => (await b.page.getByTestId('conflict-checkoff:lights:zhang').getAttribute('data-resolved')) === 'true', 60_000, 'decision synced to tablet B')
    expect(await b.page.getByTestId('conflict-checkoff:lights:zhang').getByTestId('conflict-decision').innerText()).toContain('赵监事')
    expect(await b.page.getByTestId('conflicts-none').isVisible()).toBe(true)
  }, 240_000)
})
