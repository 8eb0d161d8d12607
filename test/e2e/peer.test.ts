/**
 * Peer sync in real Chromium, one browser per tablet, inside a network namespace this test makes
 * (WebRTC uses the namespace's veth addresses; nothing leaves it). The tablets pair through the
 * screen "与另一台平板同步": the test reads the QR code from one tablet's screen and puts it in
 * front of the other's (fake) camera.
 *
 * Journey: three tablets of one village get the vote while online, then lose the signal. A and B
 * both check off 张秀英 (a double vote). A–B pair: both see the double vote at once. B alters one of
 * A's ballots, then B–C pair: C takes A's records through B but refuses the altered ballot. C gets a
 * signal: the hub accepts A's records relayed by C. A tablet of another village cannot pair.
 * Pairing is the clerk's act: each tablet asks for the clerk's PIN first (the clerk stands by and types it).
 * "No signal" here is what a phone's hotspot without data gives: Wi-Fi, but no hub to reach.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { createNetns, type Exposed, type Netns } from '../support/netns'
import { pictureOf, writeCamera } from '../support/camera'
import { couch, provision } from '../sync-server/helpers'
import { openSyncedTablet, seedRoster } from '../data/sync-helpers'
import { go } from './support/app'
import { announcementInput, KioskPage, openVoteInput, until, VILLAGE_PEOPLE } from './support/votes'
import { certified, openPeerScreen, pairThroughScreens, peerTablet, type PeerTablet } from './support/peer'

const PIN = '2468'
const CLERK = { personId: 'person:clerk', name: '王文书' }

describe('peer sync between tablets, through the screens, with no hub', () => {
  let netns: Netns
  let hub: RunningHub
  let hubLink: Exposed
  const tablets: PeerTablet[] = []
  let a: PeerTablet; let b: PeerTablet; let c: PeerTablet

  beforeAll(async () => {
    netns = await createNetns()
    hub = await startHub()
    hubLink = await netns.expose(hub.port)
    await provision(hub, { villages: ['qb', 'qx'] })
    const seed = await openSyncedTablet(hub, 'qb')
    await seedRoster(hub, seed, VILLAGE_PEOPLE.map((p) => ({ ...p, householdHead: true })))
    const now = Date.now()
    await seed.data.votes.create(openVoteInput(now))
    await seed.data.notices.create(announcementInput(now))
    expect(await seed.sync.syncNow(30_000)).toBe(true)
    await seed.close()
    for (let i = 0; i < 3; i++) tablets.push(await peerTablet(netns, hub, 'qb', CLERK, PIN))
    ;[a, b, c] = tablets as [PeerTablet, PeerTablet, PeerTablet]
    // online once: the vote and the roster arrive, each tablet registers its device key
    for (const t of tablets) {
      const kiosk = new KioskPage(t.page)
      await kiosk.open(hub.url, 'vote:lights')
      await kiosk.unlock(PIN)
      await until(t.page, async () => (await kiosk.text()).includes('已领票 0 / 6 人'), 60_000, 'roster and vote on the tablet')
      await until(t.page, () => t.page.evaluate(() => navigator.serviceWorker.controller !== null), 30_000, 'service worker in control')
      await certified(t)
    }
    // the signal goes: the tablets stay on their Wi-Fi (a phone's hotspot) with no hub to reach
    hubLink.cut()
  }, 300_000)

  afterAll(async () => {
    for (const t of tablets) await t.browser.close().catch(() => undefined)
    await hub?.stop({ removeData: true })
    await netns?.close()
  })

  it('pairs two offline tablets, and both show a voter checked off on each as a double vote', async () => {
    const kioskA = new KioskPage(a.page)
    const kioskB = new KioskPage(b.page)
    await kioskA.serveVoter(PIN, '3-12', 'person:zhang', ['project:lamps'])
    await kioskA.serveVoter(PIN, '刘', 'person:liu', ['project:road', 'project:water'])
    await kioskB.serveVoter(PIN, '陈', 'person:chen', ['project:water'])
    await kioskB.serveVoter(PIN, '张', 'person:zhang', ['project:road'])
    await kioskA.leave(PIN)
    await kioskB.leave(PIN)

    await pairThroughScreens(a, b)
    for (const t of [a, b]) {
      await until(t.page, async () => (await t.page.getByTestId('peer-double-votes').getAttribute('data-n').catch(() => null)) === '1', 30_000, `double vote on ${t.device}`)
      expect(await t.page.getByTestId('peer-double-votes').innerText()).toContain('1 人在两台平板上都领了票')
    }
    expect(Number(await b.page.getByTestId('peer-received').getAttribute('data-n'))).toBeGreaterThan(0)
    // each names the other by the name it was enrolled with, not by its id
    for (const [t, other] of [[a, b], [b, a]] as const) {
      const withText = await t.page.getByTestId('peer-with').innerText()
      expect(withText).toMatch(/对方：平板「tablet \d+」/)
      expect(withText).not.toContain(other.device)
    }
    if (process.env.PEER_SHOTS) await a.page.screenshot({ path: `${process.env.PEER_SHOTS}/paired.png`, fullPage: true })
    for (const t of [a, b]) {
      await go(t.page, '/conflicts')
      const item = t.page.getByTestId('conflict-checkoff:lights:zhang')
      await item.waitFor({ timeout: 30_000 })
      expect(await item.innerText()).toContain('张秀英在两台平板上都领了票')
    }
    // every check-off and ballot on both: 3 voters, 4 ballots
    for (const t of [a, b]) {
      await go(t.page, '/votes/vote:lights')
      await until(t.page, async () => (await t.page.getByTestId('vote-checkedoff').innerText()).startsWith('已领票 3 /'), 30_000, `check-offs on ${t.device}`)
    }
  }, 300_000)

  it('brings A\'s records to a third tablet through B, and refuses the ballot of A that B altered', async () => {
    // B changes one of A's ballots in its own storage (what a tampered tablet could do)
    const altered = await b.page.evaluate(async (deviceA) => {
      for (const info of await indexedDB.databases()) {
        const db = await new Promise<IDBDatabase>((resolve, reject) => { const r = indexedDB.open(info.name!); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error) })
        for (const store of Array.from(db.objectStoreNames)) {
          const all = await new Promise<Record<string, unknown>[]>((resolve) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => resolve(r.result as Record<string, unknown>[]); r.onerror = () => resolve([]) })
          const ballot = all.find((d) => d && d.kind === 'ballot' && d.device === deviceA)
          if (!ballot) continue
          const body = ballot.body as { choices: string[] }
          const changed = { ...ballot, body: { ...body, choices: ['project:road', 'project:water'].filter((x) => !body.choices.includes(x)).slice(0, 1) } }
          await new Promise((resolve, reject) => { const tx = db.transaction(store, 'readwrite'); tx.objectStore(store).put(changed); tx.oncomplete = resolve; tx.onerror = () => reject(tx.error) })
          db.close()
          return String(ballot.id)
        }
        db.close()
      }
      return null
    }, a.device)
    expect(altered).toMatch(/^ballot:/)

    await pairThroughScreens(b, c)
    const refused = c.page.getByTestId('peer-refused')
    await refused.waitFor({ timeout: 30_000 })
    expect(await refused.getAttribute('data-n')).toBe('1')
    expect(await refused.innerText()).toContain('有 1 条记录没有收下')
    await until(c.page, async () => (await c.page.getByTestId('peer-double-votes').getAttribute('data-n').catch(() => null)) === '1', 30_000, 'double vote on C')
    // the clerk of C sees it on the quarantine screen: from B (by name), why, what to do
    await c.page.getByTestId('peer-refused').getByRole('link').click()
    const group = c.page.getByTestId('quarantine-group')
    await group.waitFor({ timeout: 30_000 })
    expect(await group.getAttribute('data-code')).toBe('proof.altered')
    const said = await group.innerText()
    expect(said).toMatch(/1 条记录，来自平板「tablet \d+」（平板之间同步）/)
    expect(said).toContain('内容在传过来的路上被改过')
    expect(said).not.toMatch(/dev-|signature|ballot:/)
    if (process.env.PEER_SHOTS) await c.page.screenshot({ path: `${process.env.PEER_SHOTS}/quarantine.png`, fullPage: true })
    await go(c.page, '/votes/vote:lights')
    await until(c.page, async () => (await c.page.getByTestId('vote-checkedoff').innerText()).startsWith('已领票 3 /'), 30_000, 'A\'s check-offs on C')
  }, 300_000)

  it('relays A\'s records to the hub when C gets a signal, and the hub accepts them', async () => {
    hubLink.restore()
    // C's clerk taps "sync now" (A and B stay where they are: the hub sees A's records only through C)
    for (const t of [a, b]) await t.browser.close()
    await go(c.page, '/device/sync')
    await c.page.getByTestId('sync-now').click()
    const liu = 'checkoff:lights:liu'
    await until(c.page, async () => (await couch(hub, `village-qb/${liu}`)).status === 200, 90_000, 'A\'s check-off relayed to the hub')
    const onHub = (await couch(hub, `village-qb/${liu}`)).body as { device: string; refused?: unknown; sig?: string }
    expect(onHub.device).toBe(a.device)
    expect(onHub.refused).toBeUndefined()
    expect(typeof onHub.sig).toBe('string')
    const quarantine = (await couch(hub, '_hub/quarantine')).body as { entries?: { docId: string }[] } | { docId: string }[]
    const entries = Array.isArray(quarantine) ? quarantine : quarantine.entries ?? []
    expect(entries.filter((q) => q.docId === liu)).toEqual([])
  }, 180_000)

  it('refuses a tablet of another village at the scan', async () => {
    const x = await peerTablet(netns, hub, 'qx', CLERK, PIN)
    tablets.push(x)
    await x.page.goto(`${hub.url}/device/sync`)
    await until(x.page, () => x.page.evaluate(() => navigator.serviceWorker.controller !== null), 30_000, 'service worker in control')
    await certified(x)
    await openPeerScreen(c)
    await openPeerScreen(x)
    await c.page.getByTestId('peer-first').click()
    await c.page.getByTestId('peer-code').waitFor({ timeout: 30_000 })
    writeCamera(x.camera, await pictureOf(c.page, 'peer-code'))
    await x.page.getByTestId('peer-second').click()
    const problem = x.page.getByTestId('peer-problem')
    await problem.waitFor({ timeout: 30_000 })
    expect(await problem.getAttribute('data-reason')).toBe('other-village')
    expect(await problem.innerText()).toContain('对方是别的村的平板，不能同步')
  }, 180_000)
})
