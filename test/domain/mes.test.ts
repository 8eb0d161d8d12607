import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as D from '@/domain'

/**
 * A deliberately plain MES (cost utilities, add1): one budget per voter, supporters sorted
 * by budget, every project priced every round. The fast implementation must agree with it.
 */
function referenceMes(e: { projects: Array<{ id: string; cost: number }>; budget: number; ballots: string[][] }): string[] {
  const n = e.ballots.length
  if (n === 0) return []
  const supporters = e.projects.map((p) => e.ballots.flatMap((b, v) => (b.includes(p.id) ? [v] : [])))
  const rank = [...e.projects.keys()].sort((a, b) => D.compareRank(
    { ...(e.projects[a] as { id: string; cost: number }), support: (supporters[a] as number[]).length },
    { ...(e.projects[b] as { id: string; cost: number }), support: (supporters[b] as number[]).length },
  ))
  const position = new Map(rank.map((c, i) => [c, i]))
  const run = (share: number): number[] => {
    const budget = new Array<number>(n).fill(share)
    const chosen: number[] = []
    const free = e.projects.flatMap((p, c) => (p.cost === 0 && (supporters[c] as number[]).length ? [c] : []))
    chosen.push(...free.sort((a, b) => (position.get(a) as number) - (position.get(b) as number)))
    for (;;) {
      let best = -1
      let bestRho = Infinity
      let bestQ = 0
      e.projects.forEach((p, c) => {
        const sup = supporters[c] as number[]
        if (chosen.includes(c) || sup.length === 0 || p.cost === 0) return
        const held = sup.map((v) => budget[v] as number).sort((a, b) => a - b)
        if (held.reduce((s, b) => s + b, 0) < p.cost) return
        let paid = 0
        let q = p.cost / sup.length
        for (let j = 0; j < held.length; j++) {
          q = (p.cost - paid) / (held.length - j)
          if (q > (held[j] as number)) paid += held[j] as number
          else break
        }
        const rho = q / p.cost
        if (rho < bestRho - 1e-12 || (Math.abs(rho - bestRho) <= 1e-12 && (position.get(c) as number) < (position.get(best) as number))) { best = c; bestRho = rho; bestQ = q }
      })
      if (best < 0) return chosen
      chosen.push(best)
      for (const v of supporters[best] as number[]) budget[v] = Math.max(0, (budget[v] as number) - bestQ)
    }
  }
  const cost = (cs: number[]) => cs.reduce((s, c) => s + (e.projects[c] as { cost: number }).cost, 0)
  const supported = supporters.filter((s) => s.length).length
  let share = e.budget / n
  let out = run(share)
  for (let step = 0; step < 10_000 && out.length < supported; step++) {
    const next = run(share + 1)
    if (cost(next) > e.budget) break
    share += 1
    out = next
  }
  return out.map((c) => (e.projects[c] as { id: string }).id)
}

// Costs are distinct multiples of 7 plus an offset so exact ties in ρ stay rare.
const election = fc.integer({ min: 1, max: 8 }).chain((m) => fc.record({
  projects: fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: m, maxLength: m }).map((cs) => cs.map((c, i) => ({ id: `p${i}`, cost: c * 7 + 3 }))),
  budget: fc.integer({ min: 0, max: 600 }),
  ballots: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: m - 1 }), { maxLength: m }).map((xs) => xs.map((x) => `p${x}`)), { maxLength: 30 }),
}))

describe('Method of Equal Shares', () => {
  it('agrees with a plain reference implementation', () => {
    fc.assert(fc.property(election, (e) => {
      expect([...D.equalShares(e).selected].sort()).toEqual(referenceMes(e).sort())
    }), { numRuns: 150 })
  })

  it('counts voters who approve nothing in the share, and funds nothing without support', () => {
    const r = D.equalShares({ projects: [{ id: 'a', cost: 60 }], budget: 100, ballots: [['a'], [], []] })
    // share 33.3 per voter: a's one supporter reaches 60 only after add1 raises the share to 60
    expect(r.selected).toEqual(['a'])
    expect(r.perVoterShare).toBeGreaterThanOrEqual(60)
    expect(D.equalShares({ projects: [{ id: 'a', cost: 1 }], budget: 100, ballots: [['b']] }).selected).toEqual([])
  })
})
