/**
 * Counting approval (and choose-one, knapsack) ballots. A tally is a function of the multiset
 * of ballots: the order they arrive in never changes it.
 */
export interface TallyRow { id: string; support: number }

/** Support per candidate, in the candidates' order. Choices that are not candidates are ignored. */
export function tallyApprovals(candidateIds: readonly string[], ballots: ReadonlyArray<readonly string[]>): TallyRow[] {
  const index = new Map<string, number>()
  candidateIds.forEach((id, i) => index.set(id, i))
  const counts = new Float64Array(candidateIds.length)
  for (const ballot of ballots) {
    for (const choice of ballot) {
      const i = index.get(choice)
      if (i !== undefined) counts[i] = (counts[i] as number) + 1
    }
  }
  return candidateIds.map((id, i) => ({ id, support: counts[i] as number }))
}

/** Tally as a plain record id → support. */
export function tallyRecord(candidateIds: readonly string[], ballots: ReadonlyArray<readonly string[]>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const row of tallyApprovals(candidateIds, ballots)) out[row.id] = row.support
  return out
}
