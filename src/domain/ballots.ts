import { fail } from './errors.ts'
import type { Ballot, CheckOff, Person, Time, Vote } from './model/types.ts'

export type VoteStatus = 'scheduled' | 'open' | 'closed'

/**
 * A ballot recorded as cast after the vote was closed on record — by a tablet that did not know of
 * the close yet (the hub refuses it the same way). It never counts.
 */
export function isLateBallot(vote: Pick<Vote, 'closedAt'>, ballot: Pick<Ballot, 'castAt'>): boolean {
  return vote.closedAt > 0 && ballot.castAt > vote.closedAt
}

/**
 * A vote's status "as the records show": open from `opensAt` until `closedAt` (an early close
 * on record) or else `closesAt`. `at` is the time being judged (a ballot's `castAt`, or now).
 */
export function voteStatus(vote: Pick<Vote, 'opensAt' | 'closesAt' | 'closedAt'>, at: Time): VoteStatus {
  if (at < vote.opensAt) return 'scheduled'
  return at < voteEnd(vote) ? 'open' : 'closed'
}

/** When a vote ends as the records show: its close on record (closed early), or else the end it was scheduled for. */
export function voteEnd(vote: Pick<Vote, 'closesAt' | 'closedAt'>): Time {
  return vote.closedAt || vote.closesAt
}

/**
 * Checks a ballot's choices against the vote: known candidates, no repeats, the approval
 * limits (at least `minChoices`, at most `maxChoices`), a knapsack's total cost within the
 * budget, one choice for choose-one. Returns the choices in candidate-list order.
 */
export function validateChoices(vote: Pick<Vote, 'candidates' | 'ballotType' | 'minChoices' | 'maxChoices' | 'budget'>, choices: readonly string[]): string[] {
  const index = new Map(vote.candidates.map((c, i) => [c.id, i]))
  const seen = new Set<string>()
  for (const choice of choices) {
    if (!index.has(choice)) fail('ballot.unknown-candidate', `${choice} is not a candidate in this vote`, { choice })
    if (seen.has(choice)) fail('ballot.duplicate-choice', `${choice} is ticked twice`, { choice })
    seen.add(choice)
  }
  const n = choices.length
  if (vote.ballotType === 'choose-one' && n > 1) fail('ballot.too-many', `choose one: ${n} chosen`, { chosen: n, max: 1 })
  if (vote.maxChoices > 0 && n > vote.maxChoices) fail('ballot.too-many', `at most ${vote.maxChoices} may be ticked, ${n} were`, { chosen: n, max: vote.maxChoices })
  if (n < vote.minChoices) fail('ballot.too-few', `at least ${vote.minChoices} must be ticked, ${n} were`, { chosen: n, min: vote.minChoices })
  if (vote.ballotType === 'knapsack') {
    const total = vote.candidates.reduce((sum, c) => sum + (seen.has(c.id) ? c.cost : 0), 0)
    if (total > vote.budget) fail('ballot.over-budget', `the chosen projects cost ${total}, more than the budget ${vote.budget}`, { total, budget: vote.budget })
  }
  return [...seen].sort((a, b) => (index.get(a) as number) - (index.get(b) as number))
}

/** Whether the hub or a tablet may accept this ballot: right vote, cast while open, valid choices. */
export function acceptBallot(vote: Vote, ballot: Ballot): string[] {
  if (ballot.voteId !== vote.id) fail('ballot.wrong-vote', `ballot ${ballot.id} belongs to ${ballot.voteId}, not ${vote.id}`, { ballot: ballot.id })
  const status = voteStatus(vote, ballot.castAt)
  if (status === 'scheduled') fail('vote.not-open', `the vote opens at ${new Date(vote.opensAt).toISOString()}; ballot cast at ${new Date(ballot.castAt).toISOString()}`, { opensAt: vote.opensAt, castAt: ballot.castAt })
  if (status === 'closed') fail('vote.closed', `the vote closed at ${new Date(vote.closedAt || vote.closesAt).toISOString()}; ballot cast at ${new Date(ballot.castAt).toISOString()}`, { closedAt: vote.closedAt || vote.closesAt, castAt: ballot.castAt })
  return validateChoices(vote, ballot.choices)
}

/** Whether `voterId` is on the vote's roster. */
export function assertEligible(vote: Pick<Vote, 'roster'>, voterId: string): void {
  if (!vote.roster.includes(voterId)) fail('vote.not-eligible', `${voterId} is not on this vote's roster`, { voterId })
}

/** Whether the hub or a tablet may accept this check-off: right vote, voter on the roster, recorded while open. */
export function acceptCheckOff(vote: Vote, c: CheckOff): void {
  if (c.voteId !== vote.id) fail('ballot.wrong-vote', `check-off ${c.id} belongs to ${c.voteId}, not ${vote.id}`, { checkoff: c.id })
  if (vote.roster.length > 0) assertEligible(vote, c.voterId)
  const status = voteStatus(vote, c.at)
  if (status === 'scheduled') fail('vote.not-open', `the vote opens at ${new Date(vote.opensAt).toISOString()}; check-off at ${new Date(c.at).toISOString()}`, { opensAt: vote.opensAt, at: c.at })
  if (status === 'closed') fail('vote.closed', `the vote closed at ${new Date(vote.closedAt || vote.closesAt).toISOString()}; check-off at ${new Date(c.at).toISOString()}`, { closedAt: vote.closedAt || vote.closesAt, at: c.at })
}

/**
 * The roster of a vote from the village's people: every eligible person, or — one vote per
 * household — every household with at least one eligible member. Sorted, no repeats.
 */
export function rosterFor(people: readonly Pick<Person, 'id' | 'householdId' | 'eligible'>[], perHousehold: boolean): string[] {
  const ids = new Set<string>()
  for (const p of people) if (p.eligible) ids.add(perHousehold ? p.householdId : p.id)
  return [...ids].sort()
}

/** Who is checked off when this person votes: the person, or their household. */
export function voterIdFor(person: Pick<Person, 'id' | 'householdId'>, vote: Pick<Vote, 'perHousehold'>): string {
  return vote.perHousehold ? person.householdId : person.id
}
