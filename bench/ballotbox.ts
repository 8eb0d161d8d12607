/**
 * bench ballotbox — the tablet's ballot box in Chromium (Dexie storage on IndexedDB, production build):
 * - ballotbox_cast_p50_ms / ballotbox_cast_p95_ms: one cast = the ballot into the box (a local
 *   document, written twice: with and without the check-off mark) + the check-off and its audit event;
 *   300 casts into one box (the box grows to 300 entries);
 * - ballotbox_flush_300_ms: write those 300 boxed ballots in one shuffled batch (with audit events);
 * - ballotbox_flush_30_ms: the same for a kiosk session of 30 ballots.
 */
import { rmSync } from 'node:fs'
import { launchChromium } from '../test/support/browser'
import { startHub } from '../test/support/hub'
import { provision } from '../test/sync-server/helpers'
import { buildDataHarness } from '../test/data/browser/build'
import { enrollDevice } from '../test/data/sync-helpers'

const VILLAGE = 'vboxbench'
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN }
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d

export async function run(): Promise<Record<string, number | null>> {
  const harness = await buildDataHarness()
  const hub = await startHub({ STATIC_DIR: harness, LOG_LEVEL: 'error' })
  const browser = await launchChromium()
  try {
    await provision(hub, { township: 'tboxbench', villages: [VILLAGE] })
    const page = await (await browser.newContext()).newPage()
    const d = await enrollDevice(hub, VILLAGE)
    await page.goto(`${hub.url}/`)
    await page.waitForFunction(() => document.getElementById('ready')?.textContent === 'ready')
    await page.evaluate((o) => window.yishiData.open(o), { village: VILLAGE, device: d.id, secret: d.secret, name: 'bench-box' })
    const now = Date.now()
    const vote = (n: number, tag: string) => ({
      title: `票箱 ${tag}`, kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 2, budget: 20_000_000,
      candidates: [
        { id: 'project:lights', title: '路灯', cost: 8_000_000, proposalIds: [] },
        { id: 'project:water', title: '饮水', cost: 7_000_000, proposalIds: [] },
      ],
      opensAt: now - 3_600_000, closesAt: now + 24 * 3_600_000, roster: Array.from({ length: n }, (_, i) => `person:${tag}${i}`), perHousehold: false, rule: 'greedy', sealKeys: [],
    })
    const session = async (n: number, tag: string) => {
      const v = vote(n, tag)
      const voteId = await page.evaluate((x) => window.yishiData.createVote(x), v)
      const times = await page.evaluate(([id, vs]) => window.yishiData.ballots(id, vs, ['project:lights'], false), [voteId, v.roster] as const)
      const flushed = await page.evaluate((id) => window.yishiData.flushBox(id), voteId)
      if (flushed.n !== n) throw new Error(`flush wrote ${flushed.n} of ${n} ballots`)
      return { times, flushMs: flushed.ms }
    }
    const big = await session(300, 'b')
    const small = await session(30, 's')
    const out = {
      ballotbox_cast_p50_ms: round(q(big.times, 0.5)),
      ballotbox_cast_p95_ms: round(q(big.times, 0.95)),
      ballotbox_flush_300_ms: round(big.flushMs),
      ballotbox_flush_30_ms: round(small.flushMs),
    }
    console.table(out)
    await page.evaluate(() => window.yishiData.remove())
    return out
  } finally {
    await browser.close()
    await hub.stop({ removeData: true })
    rmSync(harness, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => { console.log(r); process.exit(0) }, (e: unknown) => { console.error(e); process.exit(1) })
}
