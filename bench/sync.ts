/**
 * bench sync — the tablet's real sync code (RxDB, memory storage, in Node) through the fault proxy
 * of test/support/proxy.ts, on a clean link and on a bad one (2G-like latency, 5 % of responses
 * cut half-way, 5 % of connections dropped). One round: a tablet records BALLOTS ballots offline
 * (check-off + ballot + two audit events each), pushes them ("sync now"), then a fresh tablet pulls
 * them; the figure is push + pull in seconds. A warm-up round, then ROUNDS rounds, median reported.
 * Figures (details.json; the 10k-ballot keys of latest.json come from bench/data.ts, in Chromium):
 * - sync_clean_link_ballots_s, sync_faulty_link_ballots_s, sync_faulty_over_clean_ratio.
 */
import { startHub } from '../test/support/hub'
import { startFaultProxy, type FaultPlan } from '../test/support/proxy'
import { provision } from '../test/sync-server/helpers'
import { openVote } from '../test/data/helpers'
import { openProofTablet, prng } from '../test/proof/tablets'
import type * as D from '../src/domain'

const BALLOTS = 300
const ROUNDS = 3
const FAULTY: Partial<FaultPlan> = { delayMs: 150, jitterMs: 100, cutRate: 0.05, dropRate: 0.05, dropWithinMs: 3_000 }

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN }

export async function run(): Promise<Record<string, number | null>> {
  const hub = await startHub({ LOG_LEVEL: 'error' })
  let n = 0
  try {
    async function round(plan: Partial<FaultPlan>): Promise<number> {
      const village = `vsync${n++}`
      await provision(hub, { township: `tsync${n}`, villages: [village] })
      const proxy = await startFaultProxy({ port: hub.port }, { random: prng(n).next })
      const a = await openProofTablet(hub, village, { hubUrl: proxy.url, batchSize: 200 })
      const b = await openProofTablet(hub, village, { hubUrl: proxy.url, batchSize: 200 })
      try {
        const voters = Array.from({ length: BALLOTS }, (_, i) => `person:s${i}`)
        const vote = await a.data.votes.create({ ...openVote(), roster: voters }) as unknown as D.Vote
        for (const voterId of voters) await a.data.recordBallot({ vote, voterId, choices: ['project:lights'], recordedBy: 'person:clerk' })
        proxy.set(plan)
        const started = performance.now()
        for (let i = 0; i < 30 && !(await a.sync.syncNow(60_000) && (await a.sync.pendingCount()) === 0); i++) { /* retry until pushed */ }
        for (let i = 0; i < 30 && !(await b.sync.syncNow(60_000) && (await b.data.ballots.count({ ref: vote.id })) === BALLOTS); i++) { /* retry until pulled */ }
        const seconds = (performance.now() - started) / 1000
        if ((await b.data.ballots.count({ ref: vote.id })) !== BALLOTS) throw new Error('the fresh tablet did not receive every ballot')
        return seconds
      } finally {
        await a.close(); await b.close(); await proxy.close()
      }
    }
    await round({}) // warm-up
    const clean: number[] = []
    const faulty: number[] = []
    for (let r = 0; r < ROUNDS; r++) { clean.push(await round({})); faulty.push(await round(FAULTY)) }
    const figures = {
      sync_clean_link_ballots_s: Math.round(median(clean) * 100) / 100,
      sync_faulty_link_ballots_s: Math.round(median(faulty) * 100) / 100,
      sync_faulty_over_clean_ratio: Math.round((median(faulty) / median(clean)) * 100) / 100,
    }
    console.log(`sync of ${BALLOTS} ballots (${BALLOTS * 4} documents), push + fresh pull, median of ${ROUNDS}:`)
    console.table({ clean: { seconds: figures.sync_clean_link_ballots_s }, faulty: { seconds: figures.sync_faulty_link_ballots_s } })
    return figures
  } finally {
    await hub.stop({ removeData: true })
  }
}
