import { fail } from './errors.ts'
import type { PaperCount, Vote } from './model/types.ts'

/**
 * Paper ballots counted by hand. Each of two different people enters the count; the two
 * entries must agree exactly, and total = valid + blank + spoiled.
 */
export interface AgreedCount {
  voteId: string
  total: number
  valid: number
  blank: number
  spoiled: number
  perOption: Record<string, number>
  enteredBy: [string, string]
}

/** Checks one entry against the vote: the sum, known options, and no option above the valid papers. */
export function checkPaperCount(vote: Pick<Vote, 'id' | 'candidates' | 'maxChoices' | 'ballotType'>, count: PaperCount): void {
  if (count.voteId !== vote.id) fail('ballot.wrong-vote', `paper count ${count.id} is for ${count.voteId}, not ${vote.id}`)
  const sum = count.valid + count.blank + count.spoiled
  if (sum !== count.total) {
    fail('papercount.sum', `total ${count.total} ≠ valid ${count.valid} + blank ${count.blank} + spoiled ${count.spoiled} = ${sum}`, { total: count.total, valid: count.valid, blank: count.blank, spoiled: count.spoiled, sum })
  }
  const known = new Set(vote.candidates.map((c) => c.id))
  let ticks = 0
  for (const [option, n] of Object.entries(count.perOption)) {
    if (!known.has(option)) fail('papercount.options', `${option} is not a candidate in this vote`, { option })
    if (n > count.valid) fail('papercount.options', `${option}: ${n} ticks but only ${count.valid} valid papers`, { option, ticks: n, valid: count.valid })
    ticks += n
  }
  const perPaper = vote.ballotType === 'choose-one' ? 1 : vote.maxChoices
  if (perPaper > 0 && ticks > count.valid * perPaper) {
    fail('papercount.options', `${ticks} ticks in all, more than ${count.valid} valid papers × ${perPaper} choices = ${count.valid * perPaper}`, { ticks, max: count.valid * perPaper })
  }
}

/** Where two paper entries differ: a tally (`total`, `valid`, `blank`, `spoiled`) or a candidate's id. */
export interface PaperDifference { field: string; first: number; second: number }

/** Two entries by two different people: both valid and identical, else a clear error. */
export function reconcilePaperCounts(vote: Pick<Vote, 'id' | 'candidates' | 'maxChoices' | 'ballotType'>, first: PaperCount, second: PaperCount): AgreedCount {
  if (first.enteredBy === second.enteredBy) fail('papercount.same-person', `both entries were made by ${first.enteredBy}; a second person must enter the count`, { person: first.enteredBy })
  checkPaperCount(vote, first)
  checkPaperCount(vote, second)
  // `field`: total, valid, blank, spoiled, or a candidate's id; the screens say each in words.
  const differences: PaperDifference[] = []
  for (const field of ['total', 'valid', 'blank', 'spoiled'] as const) {
    if (first[field] !== second[field]) differences.push({ field, first: first[field], second: second[field] })
  }
  const options = new Set([...Object.keys(first.perOption), ...Object.keys(second.perOption)])
  for (const option of [...options].sort()) {
    const a = first.perOption[option] ?? 0
    const b = second.perOption[option] ?? 0
    if (a !== b) differences.push({ field: option, first: a, second: b })
  }
  if (differences.length) fail('papercount.mismatch', `the two entries differ — ${differences.map((d) => `${d.field}: ${d.first} vs ${d.second}`).join('; ')}`, { differences })
  const perOption: Record<string, number> = {}
  for (const c of vote.candidates) perOption[c.id] = first.perOption[c.id] ?? 0
  return { voteId: vote.id, total: first.total, valid: first.valid, blank: first.blank, spoiled: first.spoiled, perOption, enteredBy: [first.enteredBy, second.enteredBy] }
}
