/**
 * Method of Equal Shares (MES) for approval ballots with **cost utilities** (a voter's utility
 * for a project they approve is its cost), completed by **add1**: start each voter's share at
 * budget / voters; while the outcome still fits the real budget, raise every voter's share by
 * one currency unit (`increment`) and run again; keep the last outcome that fit. This is the
 * variant that reproduces the real Pabulib outcomes in test/fixtures/pabulib.
 *
 * One round: every remaining project c whose supporters still hold at least cost(c) is priced
 * at the smallest per-supporter payment q with Σ min(budgetᵢ, q) = cost(c); the project with
 * the smallest ρ = q / cost(c) is funded and its supporters pay min(budgetᵢ, q). Exact ties in
 * ρ (equal within a relative 1e-12) go to more support, then lower cost, then the smaller id. Projects nobody supports are
 * never funded; free projects with support are funded first.
 *
 * Speed: voters with the same approval set always hold the same budget, so they are one
 * weighted group (Wieliczka: 6,586 voters, 1,190 groups); budgets live in typed arrays; a
 * project's ρ can only grow as budgets shrink, so the last ρ computed is a lower bound and
 * projects are priced lazily in order of it.
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
  /** Per project id: what its supporters still held at the end of the outcome returned (for explanations). */
  supportersLeft: Record<string, number>
  /** Per funded project id: the most one supporter paid towards it. */
  maxPayment: Record<string, number>
}

interface Prepared {
  /** Voters, including those whose ballot names no candidate (they still dilute the share). */
  n: number
  costs: Float64Array
  /** Per project: the voter groups that approve it. */
  supporters: Int32Array[]
  /** Per project: how many voters approve it. */
  support: Float64Array
  /** Voters per group: voters with the same approval set always hold the same budget. */
  weights: Float64Array
  /** Tie-break position: lower is preferred. */
  rank: Int32Array
  ids: string[]
}

function prepare(input: MesInput): Prepared {
  const m = input.projects.length
  const index = new Map<string, number>()
  input.projects.forEach((p, i) => index.set(p.id, i))
  // Group identical approval sets: exact, and several times fewer "voters" on real data.
  const groups = new Map<string, { projects: number[]; weight: number }>()
  for (const ballot of input.ballots) {
    const projects = [...new Set(ballot)].map((choice) => index.get(choice)).filter((c): c is number => c !== undefined).sort((a, b) => a - b)
    if (projects.length === 0) continue
    const key = projects.join(',')
    const group = groups.get(key)
    if (group) group.weight++
    else groups.set(key, { projects, weight: 1 })
  }
  const lists: number[][] = input.projects.map(() => [])
  const weights = new Float64Array(groups.size)
  const support = new Float64Array(m)
  let g = 0
  for (const group of groups.values()) {
    weights[g] = group.weight
    for (const c of group.projects) {
      (lists[c] as number[]).push(g)
      support[c] = (support[c] as number) + group.weight
    }
    g++
  }
  const costs = Float64Array.from(input.projects, (p) => p.cost)
  const ids = input.projects.map((p) => p.id)
  const order = ids.map((_, i) => i).sort((a, b) => {
    const sa = support[a] as number
    const sb = support[b] as number
    if (sa !== sb) return sb - sa
    if (costs[a] !== costs[b]) return (costs[a] as number) - (costs[b] as number)
    return (ids[a] as string) < (ids[b] as string) ? -1 : 1
  })
  const rank = new Int32Array(m)
  order.forEach((c, position) => { rank[c] = position })
  return { n: input.ballots.length, costs, supporters: lists.map((l) => Int32Array.from(l)), support, weights, rank, ids }
}

/** ρ values within this relative distance are a tie (floating-point noise, not a real difference). */
const TIE = 1e-12
const TIE_UP = 1 + TIE
const TIE_DOWN = 1 - TIE

interface Scratch { budgets: Float64Array; held: Float64Array }

/** One run of MES with a fixed per-voter share; returns project indices in funding order. */
function fixedShare(p: Prepared, share: number, s: Scratch, onFund?: (project: number, maxPayment: number) => void): number[] {
  const { budgets, held } = s
  budgets.fill(share)
  const chosen: number[] = []
  let remaining: number[] = []
  const lower = new Float64Array(p.costs.length)
  for (let c = 0; c < p.costs.length; c++) {
    const k = p.support[c] as number
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
    let dropped = false
    for (const c of remaining) {
      if ((lower[c] as number) > bestRho * TIE_UP) break
      const cost = p.costs[c] as number
      const sup = p.supporters[c] as Int32Array
      const groups = sup.length
      const voters = p.support[c] as number
      let total = 0
      let min = Infinity
      for (let j = 0; j < groups; j++) {
        const g = sup[j] as number
        const b = budgets[g] as number
        held[j] = b
        total += b * (p.weights[g] as number)
        if (b < min) min = b
      }
      if (total < cost) { lower[c] = Infinity; dropped = true; continue }
      let q = cost / voters
      if (min < q) {
        // Some supporters cannot pay an equal part: they pay all they have, the rest share the
        // remainder. Raise q until no one else falls below it (at most one pass per budget level).
        for (let pass = 0; pass < groups; pass++) {
          let paid = 0
          let left = 0
          for (let j = 0; j < groups; j++) {
            const b = held[j] as number
            const w = p.weights[sup[j] as number] as number
            if (b < q) paid += b * w
            else left += w
          }
          if (left === 0) break // q is at the largest budget: everyone pays all they hold
          const next = (cost - paid) / left
          if (next <= q) break
          q = next
        }
      }
      // Everyone paying an equal part: ρ is exactly 1 / supporters (no rounding to disturb ties).
      const rho = min >= q ? 1 / voters : q / cost
      lower[c] = rho
      if (rho < bestRho * TIE_DOWN || (rho <= bestRho * TIE_UP && byRank(c, best) < 0)) { best = c; bestRho = Math.min(rho, bestRho); bestQ = q }
    }
    if (dropped) remaining = remaining.filter((c) => lower[c] !== Infinity)
    if (best < 0) break
    chosen.push(best)
    onFund?.(best, bestQ)
    remaining = remaining.filter((c) => c !== best)
    const sup = p.supporters[best] as Int32Array
    for (let j = 0; j < sup.length; j++) {
      const g = sup[j] as number
      const b = budgets[g] as number
      budgets[g] = b > bestQ ? b - bestQ : 0
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
  if (p.n === 0) return { selected: [], cost: 0, perVoterShare: 0, steps: 0, supportersLeft: {}, maxPayment: {} }
  const groups = p.weights.length
  const scratch: Scratch = { budgets: new Float64Array(groups), held: new Float64Array(groups) }
  const supported = p.supporters.filter((s) => s.length > 0).length
  let share = input.budget / p.n
  let chosen = fixedShare(p, share, scratch)
  let steps = 0
  while (steps < maxSteps && chosen.length < supported) {
    const next = fixedShare(p, share + increment, scratch)
    steps++
    if (totalCost(p, next) > input.budget) break
    share += increment
    chosen = next
  }
  // Run the kept outcome once more to read the money left and the payments, for explanations.
  const maxPayment: Record<string, number> = {}
  fixedShare(p, share, scratch, (c, q) => { maxPayment[p.ids[c] as string] = q })
  const supportersLeft: Record<string, number> = {}
  p.supporters.forEach((sup, c) => {
    let left = 0
    for (let j = 0; j < sup.length; j++) left += (scratch.budgets[sup[j] as number] as number) * (p.weights[sup[j] as number] as number)
    supportersLeft[p.ids[c] as string] = left
  })
  return { selected: chosen.map((c) => p.ids[c] as string), cost: totalCost(p, chosen), perVoterShare: share, steps, supportersLeft, maxPayment }
}
