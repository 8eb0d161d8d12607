/* eslint-disable @typescript-eslint/no-explicit-any -- raw IndexedDB rows and hub JSON */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { couch, provision } from '../sync-server/helpers'
import { openSyncedTablet, seedRoster } from '../data/sync-helpers'
import { enrolledTablet, KioskPage, until, type Tablet } from './support/votes'

// A browser tab closed in the middle of casting a ballot. The ballot goes into the tablet's ballot
// box (an RxDB local document, apart from the check-offs) and the check-off is written; the box is
// written as one shuffled batch when the kiosk session ends. Whatever the moment of the close: after
// the app opens again there are as many boxed-or-written ballots as check-offs (a cast whose
// check-off was not written leaves no ballot, and the voter can vote again), once the clerk leaves
// the kiosk every ballot is in the database with its audit event, and the hub gets them exactly once.

const PIN = '8642'
const CLERK = { personId: 'person:clerk', name: '王文书' }
const VILLAGE = 'qc'
const VOTE = 'vote:close'
const VOTERS = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛'].map((c, i) => ({ id: `person:c${i}`, name: `村民${c}${c}` }))
/** ms between tapping "cast" and closing the tab, one attempt each */
const DELAYS = [0, 0, 2, 5, 10, 20, 40, 100]

interface Stored { checkoffs: string[]; ballots: string[]; audited: string[]; boxed: string[]; pending: number }

/** What this tablet's IndexedDB holds for the vote, read straight from RxDB's Dexie stores (docs and the ballot box). */
async function stored(page: Page): Promise<Stored> {
  return page.evaluate(async (voteId) => {
    const names = (await indexedDB.databases()).map((d) => d.name ?? '')
    // the current schema version's store (an older version's may exist from a migration check)
    const version = (n: string) => Number(/--(\d+)--[\w-]+$/.exec(n)?.[1] ?? -1)
    const newest = (suffix: string) => names.filter((n) => n.startsWith('rxdb-dexie-yishi-') && n.endsWith(suffix)).sort((a, b) => version(b) - version(a))[0]
    const readAll = async (name: string) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => { const r = indexedDB.open(name); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error) })
      const rows = await new Promise<any[]>((resolve, reject) => {
        const r = db.transaction('docs', 'readonly').objectStore('docs').getAll()
        r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error)
      })
      db.close()
      return rows.filter((d) => d._deleted !== '1' && d._deleted !== true) // RxDB's Dexie store keeps '0' / '1'
    }
    const docsName = newest('--docs')
    if (!docsName) throw new Error(`no docs database among ${names.join(', ')}`)
    const live = await readAll(docsName)
    const localName = newest('--plugin-local-documents-docs')
    const box = localName ? (await readAll(localName)).find((d) => d.id === 'ballot-box') : undefined
    const entries: { voteId: string; item: { id: string }; pending?: string }[] = box?.data?.entries ?? []
    return {
      checkoffs: live.filter((d) => d.kind === 'checkoff' && d.ref === voteId).map((d) => d.id as string).sort(),
      ballots: live.filter((d) => d.kind === 'ballot' && d.ref === voteId).map((d) => d.id as string).sort(),
      audited: live.filter((d) => d.kind === 'audit').map((d) => d.body.subjectId as string),
      boxed: entries.filter((e) => e.voteId === voteId).map((e) => e.item.id).sort(),
      pending: entries.filter((e) => e.pending !== undefined).length,
    }
  }, VOTE)
}

describe('a tab closed in the middle of casting a ballot', () => {
  let hub: RunningHub
  let browser: Browser
  let staticDir = ''
  let tablet: Tablet

  beforeAll(async () => {
    // a private copy of the build: a rebuild of dist/ by a parallel run cannot change the app mid-test
    staticDir = mkdtempSync(join(tmpdir(), 'yishi-proof-dist-'))
    cpSync(join(process.cwd(), 'dist'), staticDir, { recursive: true })
    hub = await startHub({ STATIC_DIR: staticDir })
    await provision(hub, { township: 'tc', villages: [VILLAGE] })
    const seed = await openSyncedTablet(hub, VILLAGE)
    await seedRoster(hub, seed, [{ id: CLERK.personId, name: CLERK.name, householdId: 'household:1-01', roles: ['clerk'], householdHead: true }])
    for (const [i, v] of VOTERS.entries()) await seed.data.persons.create({ ...v, householdId: `household:2-${10 + i}`, roles: [], householdHead: true })
    const now = Date.now()
    // announced a week before: its announcement has run, so it takes ballots
    await seed.data.notices.create({ stage: 'vote-announcement', subjectId: VOTE, title: '投票公告', body: '', startAt: now - 8 * 24 * 3_600_000, endAt: now - 2 * 3_600_000, republishes: '' })
    await seed.data.votes.create({
      id: VOTE, title: '村口路灯', kind: 'project-selection', ballotType: 'approval', maxChoices: 1, budget: 10_000_000, rule: 'greedy',
      opensAt: now - 3_600_000, closesAt: now + 48 * 3_600_000, roster: VOTERS.map((v) => v.id),
      candidates: [{ id: 'project:lamps', title: '装路灯', cost: 3_000_000, proposalIds: [] }, { id: 'project:road', title: '修路', cost: 5_000_000, proposalIds: [] }],
    })
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

  it('keeps the check-off and the ballot together or neither, through the ballot box, and the hub gets them once', async () => {
    const { context } = tablet
    // The vote and roster reach the tablet while online; then the tablet works offline.
    let page = tablet.page
    const first = new KioskPage(page)
    await first.open(hub.url, VOTE).catch(async (e) => { throw new Error(`${(e as Error).message}; screen: ${(await first.text()).slice(0, 300)}`) })
    await first.unlock(PIN)
    await until(page, async () => (await first.text()).includes(`0 / ${VOTERS.length}`), 30_000, 'roster and vote on the tablet')
    // new tabs must start offline too: wait until the service worker controls the app
    await until(page, () => page.evaluate(() => navigator.serviceWorker.controller !== null), 30_000, 'service worker in control')
    await context.setOffline(true)

    for (const [i, delay] of DELAYS.entries()) {
      if (i > 0) {
        page = await context.newPage()
        await new KioskPage(page).open(hub.url, VOTE)
        await new KioskPage(page).unlock(PIN)
      }
      const kiosk = new KioskPage(page)
      const voter = VOTERS[i]!
      await kiosk.checkOff(voter.name, voter.id)
      await page.getByTestId('kiosk-start').click()
      await page.locator('[data-testid="ballot-card-project:lamps"] [role="checkbox"]').click()
      await page.getByTestId('ballot-next').click()
      await page.getByTestId('confirm-cast').click({ noWaitAfter: true })
      if (delay) await page.waitForTimeout(delay)
      await page.close()
    }

    page = await context.newPage()
    const kiosk = new KioskPage(page)
    await kiosk.open(hub.url, VOTE)
    // the locked screen names the vote once the village database is open (and the box recovered)
    await until(page, async () => (await kiosk.text()).includes('村口路灯'), 20_000, 'vote on the locked screen')
    const local = await stored(page)
    console.log(`tab closed mid-cast: ${local.boxed.length} of ${DELAYS.length} ballots boxed, ${local.ballots.length} written, ${local.checkoffs.length} check-offs`)
    // nothing half-done: as many ballots (boxed, none written yet) as check-offs, each check-off with its audit event
    expect(local.pending).toBe(0)
    expect(local.ballots).toEqual([])
    expect(local.boxed.length).toBe(local.checkoffs.length)
    for (const id of local.checkoffs) expect(local.audited, `audit event of ${id}`).toContain(id)
    const checkedOff = new Set(local.checkoffs.map((id) => `person:${id.split(':').pop()}`))
    // the home screen tells the clerk why there are fewer ballots than check-offs for now
    if (local.boxed.length > 0) {
      await page.goto(`${hub.url}/`)
      await until(page, async () => (await page.getByTestId('sync-boxed').innerText()).includes(`${local.boxed.length} 张选票在票箱中`), 20_000, 'boxed ballots on the home screen')
      await kiosk.open(hub.url, VOTE)
    }

    // A voter whose ballot was not stored is not checked off: they can still vote, now in full.
    const again = VOTERS.slice(0, DELAYS.length).find((v) => !checkedOff.has(v.id))
    if (again) {
      await kiosk.serveVoter(PIN, again.name, again.id, ['project:road'])
      const after = await stored(page)
      expect(after.boxed.length).toBe(local.boxed.length + 1)
      expect(after.checkoffs.length).toBe(local.checkoffs.length + 1)
      local.boxed = after.boxed
      local.checkoffs = after.checkoffs
    }

    // The clerk leaves the kiosk: the box is written, every boxed ballot exactly once, with its audit event.
    await kiosk.leave(PIN)
    const written = await stored(page)
    expect(written.boxed).toEqual([])
    expect(written.ballots).toEqual(local.boxed)
    expect(written.checkoffs).toEqual(local.checkoffs)
    for (const id of written.ballots) expect(written.audited, `audit event of ${id}`).toContain(id)
    local.ballots = written.ballots

    // Online again: the hub ends up with exactly what the tablet stored.
    await context.setOffline(false)
    const onHub = async () => {
      const rows = (await couch(hub, `village-${VILLAGE}/_all_docs?include_docs=true`)).body.rows.map((r: any) => r.doc)
      return {
        checkoffs: rows.filter((d: any) => d.kind === 'checkoff' && d.ref === VOTE && !d.refused).map((d: any) => d._id).sort(),
        ballots: rows.filter((d: any) => d.kind === 'ballot' && d.ref === VOTE && !d.refused).map((d: any) => d._id).sort(),
      }
    }
    await until(page, async () => (await onHub()).ballots.length === local.ballots.length, 60_000, 'ballots on the hub')
    expect(await onHub()).toEqual({ checkoffs: local.checkoffs, ballots: local.ballots })
  })
})
