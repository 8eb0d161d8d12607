/**
 * The supervisors' checklist: which of its checks has anything to look at yet. A check over nothing (no
 * expense yet, no ballot yet) passes vacuously; the screen must say "not reached yet", not give it a green
 * tick, or a cycle where nothing has happened reads as all-clear. A check that raised a flag is always
 * shown as flagged, whatever this says.
 */
export const CHECKS = ['quorum', 'budget', 'publicity', 'cosign', 'overrides', 'early', 'voteNotice', 'spending', 'rightPerson', 'doubleVotes', 'voidSeals', 'objections'] as const
export type CheckKey = (typeof CHECKS)[number]

/** How many records of each kind the village holds (what the checks read). */
export interface ChecklistFacts {
  resolutions: number
  allocations: number
  progress: number
  expenses: number
  /** Council cycles started (the procedure's steps are checked once one is). */
  cycles: number
  /** Voters checked off in any vote: a vote has taken ballots. */
  checkoffs: number
  /** Acts a named person signs or records (meetings, co-signatures, overrides, votes, notices). */
  acts: number
  /** Council decisions on double votes (what the supervisors' void seals follow). */
  doubleVoteDecisions: number
  notices: number
}

/** For each check, whether anything it looks at has happened. */
export function checksReached(f: ChecklistFacts): Record<CheckKey, boolean> {
  return {
    quorum: f.resolutions > 0,
    budget: f.allocations > 0,
    publicity: f.progress > 0,
    cosign: f.expenses > 0,
    overrides: f.cycles > 0,
    early: f.cycles > 0,
    voteNotice: f.checkoffs > 0,
    spending: f.expenses > 0,
    rightPerson: f.acts > 0,
    doubleVotes: f.checkoffs > 0,
    voidSeals: f.doubleVoteDecisions > 0,
    objections: f.notices > 0,
  }
}
