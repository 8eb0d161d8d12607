/**
 * Method of Equal Shares (MES) for approval ballots with **cost utilities** (a voter's utility
 * for a project they approve is its cost), completed by **add1**: start each voter's share at
 * budget / voters; while the outcome still fits the real budget, raise every voter's share by
 * one currency unit (`increment`) and run again; keep the last outcome that fit. This is the
 * variant that reproduces the real Pabulib outcomes in ../shared/fixtures/pabulib.
 *
 * One round: every remaining project c whose supporters still hold at least cost(c) is priced
 * at the smallest per-supporter payment q with Σ min(budgetᵢ, q) = cost(c); the project with
 * the smallest ρ = q / cost(c) is funded and its supporters pay min(budgetᵢ, q). Exact ties in
 * ρ go to more support, then lower cost, then the smaller id. Projects nobody supports are
 * never funded; free projects with support are funded first.
 *
 * Speed: voters are indices into typed arrays; a project's ρ can only grow as budgets shrink,
 * so the last ρ computed is a lower bound and projects are priced lazily in order of it.
 */
import { fail } from './errors.ts'

export interface MesInput {
  projects: ReadonlyArray<{ id: string; cost: number }>
  budget: number
  ballots: ReadonlyArray<readonly string[]>
}
export interface MesOptions {
  /** Raise each voter's share by this much per add1 step (one currency unit). */
  increment?: number
  /** Upper bound on add1 steps (a guard; the loop also ends when nothing more can change). */
  maxSteps?: number
}
export interface MesResult {
  /** Funded projects, in the order MES picked them. */
  selected: string[]
  cost: number
  /** The per-voter share of the outcome returned. */
  perVoterShare: number
  /** add1 steps run. */
  steps: number
}

interface Prepared {
  n: number
  costs: Float64Array
  supporters: Int32Array[]
  /** Tie-break position: lower is preferred. */
  rank: Int32Array
  ids: string[]
}

function prepare(input: MesInput): Prepared {
  const m = input.projects.length
  const index = new Map<string, number>()
  input.projects.forEach((p, i) => index.set(p.id, i))
  const lists: number[][] = input.projects.map(() => [])
  input.ballots.forEach((ballot, voter) => {
    for (const choice of new Set(ballot)) {
      const c = index.get(choice)
      if (c !== undefined) (lists[c] as number[]).push(voter)
    }
  })
  const costs = Float64Array.from(input.projects, (p) => p.cost)
  const ids = input.projects.map((p) => p.id)
  const order = ids.map((_, i) => i).sort((a, b) => {
    const sa = (lists[a] as number[]).length
    const sb = (lists[b] as number[]).length
    if (sa !== sb) return sb - sa
    if (costs[a] !== costs[b]) return (costs[a] as number) - (costs[b] as number)
    return (ids[a] as string) < (ids[b] as string) ? -1 : 1
  })
  const rank = new Int32Array(m)
  order.forEach((c, position) => { rank[c] = position })
  return { n: input.ballots.length, costs, supporters: lists.map((l) => Int32Array.from(l)), rank, ids }
}

/** One run of MES with a fixed per-voter share; returns project indices in funding order. */
function fixedShare(p: Prepared, share: number, budgets: Float64Array, scratch: Float64Array): number[] {
  budgets.fill(share)
  const chosen: number[] = []
  let remaining: number[] = []
  const lower = new Float64Array(p.costs.length)
  for (let c = 0; c < p.costs.length; c++) {
    const k = (p.supporters[c] as Int32Array).length
    if (k === 0) continue
    if (p.costs[c] === 0) chosen.push(c)
    else { remaining.push(c); lower[c] = 1 / k }
  }
  const byRank = (a: number, b: number) => (p.rank[a] as number) - (p.rank[b] as number)
  chosen.sort(byRank)
  for (;;) {
    remaining.sort((a, b) => (lower[a] as number) - (lower[b] as number) || byRank(a, b))
    let best = -1
    let bestRho = Infinity
    let bestQ = 0
    const dropped = new Set<number>()
    for (const c of remaining) {
      if ((lower[c] as number) > bestRho) break
      const cost = p.costs[c] as number
      const sup = p.supporters[c] as Int32Array
      const k = sup.length
      let total = 0
      for (let j = 0; j < k; j++) {
        const b = budgets[sup[j] as number] as number
        scratch[j] = b
        total += b
      }
      if (total < cost) { dropped.add(c); continue }
      const sorted = scratch.subarray(0, k).sort()
      let paid = 0
      let q = cost / k
      for (let j = 0; j < k; j++) {
        q = (cost - paid) / (k - j)
        const b = sorted[j] as number
        if (q > b) paid += b
        else break
      }
      const rho = q / cost
      lower[c] = rho
      if (rho < bestRho || (rho === bestRho && byRank(c, best) < 0)) { best = c; bestRho = rho; bestQ = q }
    }
    if (dropped.size) remaining = remaining.filter((c) => !dropped.has(c))
    if (best < 0) break
    chosen.push(best)
    remaining = remaining.filter((c) => c !== best)
    const sup = p.supporters[best] as Int32Array
    for (let j = 0; j < sup.length; j++) {
      const v = sup[j] as number
      const b = budgets[v] as number
      budgets[v] = b > bestQ ? b - bestQ : 0
    }
  }
  return chosen
}

function totalCost(p: Prepared, chosen: readonly number[]): number {
  let sum = 0
  for (const c of chosen) sum += p.costs[c] as number
  return sum
}

/** MES with cost utilities and the add1 completion. */
export function equalShares(input: MesInput, options: MesOptions = {}): MesResult {
  const p = prepare(input)
  const increment = options.increment ?? 1
  const maxSteps = options.maxSteps ?? 1_000_000
  if (!(increment > 0) || !Number.isFinite(increment)) fail('invalid.range', `the add1 increment must be a positive number, got ${increment}`, { field: 'increment' })
  if (p.n === 0) return { selected: [], cost: 0, perVoterShare: 0, steps: 0 }
  const budgets = new Float64Array(p.n)
  const scratch = new Float64Array(p.n)
  const supported = p.supporters.filter((s) => s.length > 0).length
  let share = input.budget / p.n
  let chosen = fixedShare(p, share, budgets, scratch)
  let steps = 0
  while (steps < maxSteps && chosen.length < supported) {
    const next = fixedShare(p, share + increment, budgets, scratch)
    steps++
    if (totalCost(p, next) > input.budget) break
    share += increment
    chosen = next
  }
  return { selected: chosen.map((c) => p.ids[c] as string), cost: totalCost(p, chosen), perVoterShare: share, steps }
}
