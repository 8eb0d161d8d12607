/**
 * bench peer — two tablets syncing with each other over a WebRTC data channel, in Chromium (Dexie
 * on IndexedDB, production build), inside a network namespace of the bench's own (host candidates
 * on its veth addresses; nothing leaves it). The codes go from one page to the other directly:
 * the time a person takes to scan is not counted. Needs root, as the peer e2e tests do.
 * Figures:
 * - peer_qr_bytes: characters in the larger of the two QR codes (offer, answer) Chromium's real SDP gives
 * - peer_pair_ms: from making the first code to both tablets in sync, empty tablets (median of ROUNDS)
 * - peer_1000_ballots_vs_hub_ratio: 1,000 ballots (4,000 records with check-offs and audit events)
 *   from a tablet to a fresh one, peer to peer, over the same through the hub on loopback (push, then
 *   the fresh tablet's pull). Records carry no device signature on this branch: neither path checks one.
 * Details: peer_1000_ballots_ms, hub_1000_ballots_ms (push, pull).
 */
import { loadavg } from 'node:os'
import { rmSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../test/support/browser'
import { startHub } from '../test/support/hub'
import { createNetns } from '../test/support/netns'
import { provision } from '../test/sync-server/helpers'
import { enrollDevice } from '../test/data/sync-helpers'
import { newSigningKeyPair } from '../src/shared/signature'
import { buildPeerHarness } from './peer-harness/build'

const VILLAGE = 'vpeer'
const ROUNDS = 3
const BALLOTS = 1000
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN }

export async function run(): Promise<Record<string, number | null>> {
  const harness = await buildPeerHarness()
  const netns = await createNetns()
  const hub = await startHub({ STATIC_DIR: harness, LOG_LEVEL: 'error' })
  let browser: Browser | null = null
  try {
    await netns.expose(hub.port)
    await provision(hub, { township: 'tpeer', villages: [VILLAGE] })
    browser = await launchChromium({ executablePath: netns.chromiumPath, args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] })
    const hubKeys = newSigningKeyPair()
    let n = 0
    const tablet = async (): Promise<Page> => {
      const d = await enrollDevice(hub, VILLAGE)
      const page = await (await browser!.newContext()).newPage()
      await page.goto(`${hub.url}/`)
      await page.waitForFunction(() => document.getElementById('ready')?.textContent === 'ready')
      await page.evaluate((o) => window.yishiPeer.open(o), { village: VILLAGE, device: d.id, secret: d.secret, name: `peer-bench-${n++}`, hubSecret: hubKeys.secretKey, hubPublic: hubKeys.publicKey })
      return page
    }
    const pair = async (a: Page, b: Page) => {
      const t0 = performance.now()
      const offer = await a.evaluate(() => window.yishiPeer.offer())
      const answer = await b.evaluate((code) => window.yishiPeer.answer(code), offer)
      await a.evaluate((code) => window.yishiPeer.accept(code), answer)
      const [sa, sb] = await Promise.all([a.evaluate(() => window.yishiPeer.live(600_000)), b.evaluate(() => window.yishiPeer.live(600_000))])
      if (sa?.phase !== 'live' || sb?.phase !== 'live') throw new Error(`pairing did not reach sync: ${JSON.stringify([sa, sb])}`)
      return { ms: performance.now() - t0, qr: Math.max(offer.length, answer.length), received: sb.received }
    }

    // time to pair, empty tablets (a warm-up first: the first page loads the code)
    const pairMs: number[] = []
    let qr = 0
    for (let r = 0; r <= ROUNDS; r++) {
      const a = await tablet(); const b = await tablet()
      const p = await pair(a, b)
      if (r > 0) pairMs.push(p.ms)
      qr = Math.max(qr, p.qr)
      for (const page of [a, b]) { await page.evaluate(() => window.yishiPeer.close()); await page.context().close() }
    }

    // 1,000 ballots from A to a fresh tablet: peer to peer, then through the hub
    const a = await tablet()
    const records = await a.evaluate((k) => window.yishiPeer.ballots(k), BALLOTS)
    const b = await tablet()
    const peer = await pair(a, b)
    if (peer.received !== records) throw new Error(`the fresh tablet received ${peer.received} of ${records} records`)
    await a.evaluate(() => window.yishiPeer.endPairing())
    let t0 = performance.now()
    if (!await a.evaluate(() => window.yishiPeer.syncNow(600_000))) throw new Error('push to the hub did not finish')
    const pushMs = performance.now() - t0
    const c = await tablet()
    t0 = performance.now()
    if (!await c.evaluate(() => window.yishiPeer.syncNow(600_000))) throw new Error('pull from the hub did not finish')
    const pullMs = performance.now() - t0
    const pulled = await c.evaluate(() => window.yishiPeer.count())
    if (pulled < records) throw new Error(`the fresh tablet pulled ${pulled} of ${records} records from the hub`)
    for (const page of [a, b, c]) await page.evaluate(() => window.yishiPeer.close())

    const figures = {
      peer_qr_bytes: qr,
      peer_pair_ms: Math.round(median(pairMs)),
      peer_1000_ballots_vs_hub_ratio: Math.round((peer.ms / (pushMs + pullMs)) * 100) / 100,
      peer_1000_ballots_ms: Math.round(peer.ms),
      hub_1000_ballots_push_ms: Math.round(pushMs),
      hub_1000_ballots_pull_ms: Math.round(pullMs),
    }
    console.log(`peer sync in Chromium (${records} records for ${BALLOTS} ballots; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`)
    console.table(figures)
    return figures
  } finally {
    await browser?.close().catch(() => undefined)
    await hub.stop({ removeData: true })
    await netns.close()
    rmSync(harness, { recursive: true, force: true })
  }
}
