import { fail } from './errors.ts'
import { equalShares } from './mes.ts'
import type { SelectionRule } from './model/types.ts'
import { tallyApprovals } from './tally.ts'

/**
 * Project selection from approval ballots.
 *
 * - `greedy`: rank projects by support; fund each in turn if it still fits the remaining
 *   budget, skip it if not (and go on down the list).
 * - `greedy-no-skip`: the same, but stop at the first project that does not fit.
 * - `mes`: Method of Equal Shares with cost utilities and the `add1` completion (see mes.ts).
 *
 * Tie-breaking (documented, deterministic, independent of ballot order): more support first,
 * then the cheaper project, then the smaller id (plain string order). MES breaks exact ties
 * in its "price per supporter" the same way.
 */
export interface SelectionProject { id: string; cost: number }
export interface SelectionInput {
  projects: readonly SelectionProject[]
  budget: number
  ballots: ReadonlyArray<readonly string[]>
  /**
   * MES add1 step: one currency unit in the units of `cost` and `budget` (default 1). The app
   * keeps money in fen, so it passes 100 (one yuan); Pabulib files use whole units.
   */
  increment?: number
  /**
   * Support counted outside `ballots`, e.g. the per-option totals of a confirmed paper count.
   * Greedy rules add it to the tally; MES refuses it (it needs every ballot, not totals).
   */
  extraSupport?: Readonly<Record<string, number>>
}

export type Reason = 'funded' | 'does-not-fit' | 'stopped' | 'no-support' | 'supporters-cannot-afford'
export interface ProjectExplanation {
  id: string
  cost: number
  support: number
  /** 1-based rank by support (ties broken as above). */
  rank: number
  funded: boolean
  reason: Reason
  /** Plain English, for the public notice; the UI builds its own from the figures. */
  text: string
  /** Budget left when this project's turn came (greedy rules). */
  remainingBefore: number
}

export interface SelectionResult {
  rule: SelectionRule
  selected: string[]
  cost: number
  budget: number
  projects: ProjectExplanation[]
}

export function compareRank(a: { id: string; cost: number; support: number }, b: { id: string; cost: number; support: number }): number {
  if (a.support !== b.support) return b.support - a.support
  if (a.cost !== b.cost) return a.cost - b.cost
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

function ranked(input: SelectionInput) {
  checkInput(input)
  const tally = tallyApprovals(input.projects.map((p) => p.id), input.ballots)
  const extra = input.extraSupport ?? {}
  return input.projects
    .map((p, i) => ({ id: p.id, cost: p.cost, support: (tally[i] as { support: number }).support + (extra[p.id] ?? 0) }))
    .sort(compareRank)
}

function checkInput(input: SelectionInput): void {
  if (!Number.isFinite(input.budget) || input.budget < 0) fail('invalid.range', `budget must be ≥ 0, got ${input.budget}`, { field: 'budget' })
  const ids = new Set<string>()
  for (const p of input.projects) {
    if (ids.has(p.id)) fail('invalid.duplicate', `project ${p.id} is listed twice`, { value: p.id })
    ids.add(p.id)
    if (!Number.isFinite(p.cost) || p.cost < 0) fail('invalid.range', `project ${p.id}: cost must be ≥ 0, got ${p.cost}`, { field: 'cost', value: p.id })
  }
  for (const [id, n] of Object.entries(input.extraSupport ?? {})) {
    if (!ids.has(id)) fail('ballot.unknown-candidate', `${id} is not a candidate in this vote`, { choice: id })
    if (!Number.isSafeInteger(n) || n < 0) fail('invalid.range', `extra support for ${id} must be a whole number ≥ 0, got ${n}`, { field: 'extraSupport', value: id })
  }
}

export function greedy(input: SelectionInput, skip = true): SelectionResult {
  let remaining = input.budget
  let stopped = false
  const projects = ranked(input).map((p, i): ProjectExplanation => {
    const base = { ...p, rank: i + 1, remainingBefore: remaining }
    const head = `#${i + 1}, ${p.support} votes, cost ${p.cost}`
    if (stopped) return { ...base, funded: false, reason: 'stopped', text: `${head}: not funded, selection stopped at an earlier project that did not fit` }
    if (p.support === 0) return { ...base, funded: false, reason: 'no-support', text: `${head}: not funded, nobody voted for it` }
    if (p.cost > remaining) {
      if (!skip) stopped = true
      return { ...base, funded: false, reason: 'does-not-fit', text: `${head}: not funded, only ${remaining} left of ${input.budget}` }
    }
    remaining -= p.cost
    return { ...base, funded: true, reason: 'funded', text: `${head}: funded, ${remaining} left` }
  })
  return result(skip ? 'greedy' : 'greedy-no-skip', input.budget, projects)
}

function result(rule: SelectionRule, budget: number, projects: ProjectExplanation[]): SelectionResult {
  const funded = projects.filter((p) => p.funded)
  return { rule, selected: funded.map((p) => p.id), cost: funded.reduce((s, p) => s + p.cost, 0), budget, projects }
}

export function methodOfEqualShares(input: SelectionInput): SelectionResult {
  if (input.extraSupport && Object.values(input.extraSupport).some((n) => n > 0)) {
    fail('selection.needs-ballots', 'the Method of Equal Shares needs every ballot, not per-option totals: enter the paper ballots one by one, or use a greedy rule', {})
  }
  const rows = ranked(input)
  const mes = equalShares(input, input.increment !== undefined ? { increment: input.increment } : {})
  const order = new Map(mes.selected.map((id, i) => [id, i + 1]))
  const projects = rows.map((p, i): ProjectExplanation => {
    const head = `#${i + 1}, ${p.support} votes, cost ${p.cost}`
    const base = { ...p, rank: i + 1, remainingBefore: 0 }
    const round = order.get(p.id)
    if (round !== undefined) {
      return { ...base, funded: true, reason: 'funded', text: `${head}: funded (round ${round}), its supporters paid at most ${round2(mes.maxPayment[p.id] ?? 0)} each from their equal shares of ${round2(mes.perVoterShare)}` }
    }
    if (p.support === 0) return { ...base, funded: false, reason: 'no-support', text: `${head}: not funded, nobody voted for it` }
    const left = round2(mes.supportersLeft[p.id] ?? 0)
    return {
      ...base, funded: false, reason: 'supporters-cannot-afford',
      text: `${head}: not funded, its supporters had ${left} left of their equal shares after the projects they also chose, less than its cost ${p.cost}`,
    }
  })
  const out = result('mes', input.budget, projects)
  out.selected = mes.selected // in the order MES funded them
  return out
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}

export function select(rule: SelectionRule, input: SelectionInput): SelectionResult {
  switch (rule) {
    case 'greedy': return greedy(input, true)
    case 'greedy-no-skip': return greedy(input, false)
    case 'mes': return methodOfEqualShares(input)
  }
}
