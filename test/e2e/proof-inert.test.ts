import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { provision } from '../sync-server/helpers'
import { openSyncedTablet, seedRoster } from '../data/sync-helpers'
import { INJECTIONS } from '../proof/injections'
import { enrolledTablet, until, type Tablet } from './support/votes'

// Hostile strings reach every text field through sync (a tablet wrote them, the hub accepted
// them as valid text). In the app, in real Chromium, they must show as plain text: no script
// runs, no element is created from them, no dialog opens.

const PIN = '1357'
const CLERK = { personId: 'person:clerk', name: '王文书' }
const VILLAGE = 'qi'

describe('injected strings render as inert text', () => {
  let hub: RunningHub
  let browser: Browser
  let staticDir = ''
  let tablet: Tablet
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    // a private copy of the build: a rebuild of dist/ by a parallel run cannot change the app mid-test
    staticDir = mkdtempSync(join(tmpdir(), 'yishi-proof-dist-'))
    cpSync(join(process.cwd(), 'dist'), staticDir, { recursive: true })
    hub = await startHub({ STATIC_DIR: staticDir })
    await provision(hub, { township: 'ti', villages: [VILLAGE] })
    const seed = await openSyncedTablet(hub, VILLAGE)
    const now = Date.now()
    await seedRoster(hub, seed, [{ id: 'person:clerk', name: CLERK.name, householdId: 'household:1-01', roles: ['clerk'], householdHead: true }])
    for (const [i, s] of INJECTIONS.entries()) {
      await seed.data.persons.create({ id: `person:x${i}`, name: s.slice(0, 60), householdId: `household:9-${10 + i}`, roles: [], householdHead: true })
      const p = await seed.data.proposals.create({ title: s, description: `${s} ${s}`, proposedBy: 'person:clerk', createdAt: now - i })
      ids[`proposal${i}`] = p.id
      await seed.data.comments.create({ on: p.id, text: s, by: 'person:clerk', at: now })
    }
    const vote = await seed.data.votes.create({
      title: INJECTIONS[1], kind: 'project-selection', ballotType: 'approval', maxChoices: 2, budget: 10_000_000, rule: 'greedy',
      opensAt: now - 3_600_000, closesAt: now + 48 * 3_600_000, roster: INJECTIONS.map((_, i) => `person:x${i}`),
      candidates: INJECTIONS.slice(0, 4).map((s, i) => ({ id: `project:x${i}`, title: s, cost: 1_000_000, proposalIds: [] })),
    })
    ids.vote = vote.id
    const meeting = await seed.data.meetings.create({ kind: 'village-council', title: INJECTIONS[2], scheduledAt: now + 3_600_000, place: INJECTIONS[0], status: 'planned', memberCount: 5 })
    ids.meeting = meeting.id
    expect(await seed.sync.syncNow(30_000)).toBe(true)
    await seed.close()
    browser = await launchChromium()
    tablet = await enrolledTablet(browser, hub, VILLAGE, CLERK, PIN)
  })
  afterAll(async () => {
    await tablet?.context.close().catch(() => undefined)
    await browser?.close()
    await hub?.stop({ removeData: true })
    if (staticDir) rmSync(staticDir, { recursive: true, force: true })
  })

  it('shows them as text on every screen that carries them, and nothing runs', async () => {
    const { page } = tablet
    const dialogs: string[] = []
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss() })
    // [screen, a string it must show once the synced records are there]
    const pages: [string, string | null][] = [
      ['/proposals', INJECTIONS[7]!], [`/proposals/${ids.proposal1}`, INJECTIONS[1]!], [`/proposals/${ids.proposal6}`, INJECTIONS[6]!],
      ['/votes', null], [`/votes/${ids.vote}`, null], [`/votes/${ids.vote}/kiosk`, null], ['/roster', null], ['/meetings', null],
      [`/meetings/${ids.meeting}`, INJECTIONS[2]!], ['/conflicts', null], ['/', null],
    ]
    let shown = 0
    for (const [path, expected] of pages) {
      await page.goto(`${hub.url}${path}`)
      // wait (bounded) for the synced records to show where they belong
      if (expected) await until(page, async () => (await page.locator('body').innerText()).includes(expected.slice(0, 20)), 30_000, `records on ${path}`)
      else await page.waitForTimeout(800)
      const text = await page.locator('body').innerText()
      shown += INJECTIONS.filter((s) => text.includes(s.slice(0, 30))).length
      // hover everything once: a live onmouseover handler would fire
      await page.mouse.move(200, 200)
      await page.mouse.move(600, 400)
      const found = await page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
        injectedElements: document.querySelectorAll('img[src="x"], svg[onload], iframe[srcdoc], b[onmouseover], [onerror], [onload], [onmouseover]').length,
        inlineScripts: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
        jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => a.getAttribute('href')!.trim().toLowerCase().startsWith('javascript:')).length,
      }))
      expect(found, path).toEqual({ pwned: null, injectedElements: 0, inlineScripts: 0, jsLinks: 0 })
    }
    expect(dialogs).toEqual([])
    // the strings really were on screen, as text (not dropped, not interpreted)
    expect(shown).toBeGreaterThan(INJECTIONS.length)
  })
})
