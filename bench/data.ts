/**
 * bench data — the tablet's data layer in Chromium (Dexie storage on IndexedDB, production build)
 * against the real hub on loopback:
 * - ballot_write_p95_ms: record a ballot (check-off + ballot + two audit events), 300 times;
 * - proposal_list_5000_ms: reopen the database and get the proposal list (newest first) of 5,000;
 * - sync_10k_ballots_s: push 10,000 ballots from one tablet, then a fresh tablet pulls them (sum);
 * - sync_wire_bytes_ratio: bytes on the wire (request bodies sent + responses as received,
 *   compressed) over push and pull, divided by twice the ballots' JSON size.
 * Reference (measured on this machine with Apache CouchDB 3.4.3, batches of 200): push ~2.4 s, pull ~1.3 s.
 */
import { rmSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { launchChromium } from '../test/support/browser'
import { startHub } from '../test/support/hub'
import { provision } from '../test/sync-server/helpers'
import { buildDataHarness } from '../test/data/browser/build'
import { enrollDevice } from '../test/data/sync-helpers'
import { cpuSince, descendantsCpu } from '../test/data/browser/cpu'

const VILLAGE = 'vbench'
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN }
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d

export async function run(): Promise<Record<string, number | null>> {
  const harness = await buildDataHarness()
  const hub = await startHub({ STATIC_DIR: harness, LOG_LEVEL: 'error' })
  const browser = await launchChromium()
  try {
    await provision(hub, { township: 'tbench', villages: [VILLAGE] })
    const context = await browser.newContext()
    const open = async (name: string, batchSize = 200): Promise<Page> => {
      const d = await enrollDevice(hub, VILLAGE)
      const page = await context.newPage()
      await page.goto(`${hub.url}/`)
      await page.waitForFunction(() => document.getElementById('ready')?.textContent === 'ready')
      await page.evaluate((o) => window.yishiData.open(o), { village: VILLAGE, device: d.id, secret: d.secret, name, batchSize })
      return page
    }

    // 1. ballot writes
    const a = await open('bench-a')
    const now = Date.now()
    const voters = Array.from({ length: 300 }, (_, i) => `person:v${i}`)
    const voteId = await a.evaluate((v) => window.yishiData.createVote(v), {
      title: '2026 民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 2, budget: 20_000_000,
      candidates: [
        { id: 'project:lights', title: '路灯', cost: 8_000_000, proposalIds: [] },
        { id: 'project:water', title: '饮水', cost: 7_000_000, proposalIds: [] },
      ],
      opensAt: now - 3_600_000, closesAt: now + 24 * 3_600_000, roster: voters, perHousehold: false, rule: 'greedy', sealKeys: [],
    })
    const times = await a.evaluate(([id, vs]) => window.yishiData.ballots(id, vs, ['project:lights']), [voteId, voters] as const)
    const ballotP50 = q(times, 0.5); const ballotP95 = q(times, 0.95)

    // 2. proposal list of 5,000 after reopening
    const l = await open('bench-list')
    await l.evaluate(() => window.yishiData.seedProposals(5000))
    await l.reload()
    await l.waitForFunction(() => document.getElementById('ready')?.textContent === 'ready')
    const d2 = await enrollDevice(hub, VILLAGE)
    await l.evaluate((o) => window.yishiData.open(o), { village: VILLAGE, device: d2.id, secret: d2.secret, name: 'bench-list' })
    const list = await l.evaluate(() => window.yishiData.timeProposalList(5000))
    await l.evaluate(() => window.yishiData.remove())

    // 3. first sync of 10,000 ballots: push from A (the vote and 300 ballots go first), pull into a fresh tablet
    if (!await a.evaluate(() => window.yishiData.syncNow(120_000))) throw new Error('first sync of tablet A failed')
    await a.evaluate(() => window.yishiData.stop())
    const jsonBytes = await a.evaluate((id) => window.yishiData.seedBallotsRaw(id, 10_000), voteId)
    await a.evaluate(() => window.yishiData.resetWire())
    let cpu0 = descendantsCpu()
    let t0 = Date.now()
    if (!await a.evaluate(() => window.yishiData.syncNow(300_000))) throw new Error('push did not finish')
    const pushS = (Date.now() - t0) / 1000
    const pushCpu = cpuSince(cpu0)
    const pushWire = await a.evaluate(() => ({ ...window.yishiData.wire(), ...window.yishiData.received() }))
    const pendingAfter = await a.evaluate(() => window.yishiData.pending())

    const b = await open('bench-b')
    await b.evaluate(() => window.yishiData.resetWire())
    cpu0 = descendantsCpu()
    t0 = Date.now()
    if (!await b.evaluate(() => window.yishiData.syncNow(300_000))) throw new Error('pull did not finish')
    const pullS = (Date.now() - t0) / 1000
    const pullCpu = cpuSince(cpu0)
    const pullWire = await b.evaluate(() => ({ ...window.yishiData.wire(), ...window.yishiData.received() }))
    const pulledBallots = await b.evaluate(() => window.yishiData.count('ballot'))
    await a.evaluate(() => window.yishiData.remove())
    await b.evaluate(() => window.yishiData.remove())

    const wireBytes = pushWire.sentBytes + pushWire.bytes + pullWire.sentBytes + pullWire.bytes
    const ratio = wireBytes / (2 * jsonBytes)
    console.table({
      'ballot write (ms)': { p50: round(ballotP50), p95: round(ballotP95), n: times.length },
      'proposal list 5000 (ms)': { p50: round(list.ms), p95: '', n: list.count },
      'push 10k ballots': { p50: `${round(pushS, 2)} s`, p95: `${pushWire.requests} req, sent ${round(pushWire.sentBytes / 1e6, 2)} MB, got ${round(pushWire.bytes / 1e6, 2)} MB`, n: `pending after: ${pendingAfter}` },
      'pull 10k ballots': { p50: `${round(pullS, 2)} s`, p95: `${pullWire.requests} req, sent ${round(pullWire.sentBytes / 1e6, 2)} MB, got ${round(pullWire.bytes / 1e6, 2)} MB`, n: pulledBallots },
      'CPU push / pull (s)': { p50: `${pushCpu.total} / ${pullCpu.total}`, p95: `push ${JSON.stringify(pushCpu.byKind)}`, n: `pull ${JSON.stringify(pullCpu.byKind)}` },
      'wire / JSON': { p50: round(ratio, 2), p95: `JSON ${round(jsonBytes / 1e6, 2)} MB`, n: '' },
    })
    return {
      ballot_write_p50_ms: round(ballotP50, 2),
      ballot_write_p95_ms: round(ballotP95, 2),
      proposal_list_5000_ms: round(list.ms),
      sync_10k_ballots_s: round(pushS + pullS, 2),
      sync_10k_push_s: round(pushS, 2),
      sync_10k_pull_s: round(pullS, 2),
      sync_10k_requests: pushWire.requests + pullWire.requests,
      sync_wire_bytes_ratio: round(ratio, 2),
      // CPU seconds of Chromium's processes and the hub during each phase (steadier than wall time on a busy machine)
      sync_10k_push_cpu_s: pushCpu.total,
      sync_10k_pull_cpu_s: pullCpu.total,
    }
  } finally {
    await browser.close()
    await hub.stop({ removeData: true })
    rmSync(harness, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => { console.log(r); process.exit(0) }, (e: unknown) => { console.error(e); process.exit(1) })
}
