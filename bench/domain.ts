/**
 * Domain benchmark (`npm run bench`, group "domain"; never part of `npm test`).
 * - tally_10k_ms: tally and greedy-select 10,000 seeded approval ballots over 30 projects.
 * - mes_wieliczka_ms: Method of Equal Shares (cost utilities, add1) on the real Wieliczka
 *   2023 Green Budget election (6,586 ballots, 64 projects) from test/fixtures/pabulib.
 * Each: warm-up runs, then repeats; the median in milliseconds. Aims: < 50 ms and < 500 ms.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { electionOf, readPabulib } from '../src/domain/pabulib.ts'
import { select } from '../src/domain/selection.ts'

function seededRandom(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (x + 0x6d2b79f5) >>> 0
    let t = Math.imul(x ^ (x >>> 15), 1 | x)
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** 10,000 ballots over 30 projects; popularity skewed so ranks are not all ties; 1–5 ticks each. */
export function seededElection(ballots = 10_000, projects = 30, seed = 2026) {
  const random = seededRandom(seed)
  const list = Array.from({ length: projects }, (_, i) => ({ id: `p${i + 1}`, cost: 20_000 + Math.floor(random() * 180_000) }))
  const weights = list.map((_, i) => 1 / (i + 1) ** 0.7)
  const total = weights.reduce((a, b) => a + b, 0)
  const pick = () => {
    let r = random() * total
    for (let i = 0; i < weights.length; i++) { r -= weights[i] as number; if (r <= 0) return i }
    return weights.length - 1
  }
  const out: string[][] = []
  for (let v = 0; v < ballots; v++) {
    const ticks = new Set<number>()
    const k = 1 + Math.floor(random() * 5)
    for (let tries = 0; ticks.size < k && tries < 50; tries++) ticks.add(pick())
    out.push([...ticks].map((i) => (list[i] as { id: string }).id))
  }
  return { projects: list, budget: 1_000_000, ballots: out }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

function time(fn: () => unknown, warmup: number, repeats: number): { median: number; min: number; max: number } {
  for (let i = 0; i < warmup; i++) fn()
  const runs: number[] = []
  for (let i = 0; i < repeats; i++) {
    const t = performance.now()
    fn()
    runs.push(performance.now() - t)
  }
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs) }
}

const round = (x: number) => Math.round(x * 100) / 100

export async function run(): Promise<Record<string, number | null>> {
  const election = seededElection()
  const tally = time(() => select('greedy', election), 5, 21)

  // the real Wieliczka file is part of the repository (test/fixtures/pabulib)
  const file = resolve(process.cwd(), 'test/fixtures/pabulib/Poland_Wieliczka_2023_Green_Budget.pb')
  const wieliczka = electionOf(readPabulib(readFileSync(file, 'utf8')))
  const mes = time(() => select('mes', wieliczka), 2, 7)

  console.log('\ndomain benchmark (median of repeats, ms)')
  console.table({
    'tally + greedy, 10,000 ballots × 30 projects': { median: round(tally.median), min: round(tally.min), max: round(tally.max), aim: 50 },
    'MES add1, Wieliczka (6,586 ballots × 64 projects)': { median: round(mes.median), min: round(mes.min), max: round(mes.max), aim: 500 },
  })
  return { tally_10k_ms: round(tally.median), mes_wieliczka_ms: round(mes.median) }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then((r) => console.log(JSON.stringify(r)))
}
