import { fail } from './errors.ts'
import type { Allocation, Notice, Override, Time, Vote } from './model/types.ts'

/**
 * The procedure's gates between steps that happen in the world, not only on the cycle screen:
 * - a vote takes ballots only once its announcement (公告, stage `vote-announcement`, subject = the
 *   vote) has run its whole publicity window;
 * - money is spent on a project only once the public notice of the decision that funded it
 *   (stage `decision`) has run its window.
 * Taking such a step earlier needs an `early` override on record (who, why, when) for that vote or
 * project; the step is then allowed, and compliance still shows it to the township.
 */
export type GateState = 'open' | 'no-notice' | 'notice-running'
export interface Gate {
  state: GateState
  /** When the notice's window ends (0 when there is no notice). */
  until: Time
  /** The notice the gate waits for, if any. */
  notice: Notice | null
  /** The recorded `early` override that lets the step go ahead before `until`, if any. */
  override: Override | null
}

type NoticeLike = Pick<Notice, 'id' | 'stage' | 'subjectId' | 'startAt' | 'endAt'>

/** The notice of `stage` about `subjectId` that ends last (a re-publication extends the window). */
function latestNotice<N extends NoticeLike>(notices: readonly N[], stage: Notice['stage'], subjectIds: ReadonlySet<string>): N | null {
  let best: N | null = null
  for (const n of notices) if (n.stage === stage && subjectIds.has(n.subjectId) && (!best || n.endAt > best.endAt)) best = n
  return best
}

function earlyOverride(overrides: readonly Override[], subjectId: string): Override | null {
  return overrides.filter((o) => o.action === 'early' && o.subjectId === subjectId).sort((a, b) => a.at - b.at)[0] ?? null
}

function gate(notice: Notice | null, overrides: readonly Override[], subjectId: string, at: Time): Gate {
  const override = earlyOverride(overrides, subjectId)
  const state: GateState = !notice ? 'no-notice' : at < notice.endAt ? 'notice-running' : 'open'
  return { state: state !== 'open' && override && override.at <= at ? 'open' : state, until: notice?.endAt ?? 0, notice, override: state === 'open' ? null : override }
}

/** The announcement of a vote: the vote-announcement notice about it that ends last. */
export function announcementOf(voteId: string, notices: readonly Notice[]): Notice | null {
  return latestNotice(notices, 'vote-announcement', new Set([voteId]))
}

/** Whether the vote may take ballots at `at` as far as its announcement goes. */
export function voteGate(voteId: string, notices: readonly Notice[], overrides: readonly Override[], at: Time): Gate {
  return gate(announcementOf(voteId, notices), overrides, voteId, at)
}

/**
 * When a vote that waits for its gate starts taking ballots by itself: at its own opening time, or when
 * its announcement's window ends if that is later; 0 while it has no announcement (it never opens alone).
 */
export function voteOpensAt(opensAt: Time, gate: Pick<Gate, 'state' | 'until'>): Time {
  return gate.state === 'no-notice' ? 0 : Math.max(opensAt, gate.until)
}

/** Throws `gate.vote-notice` (with `state` and `until`) unless the vote may open at `at`. */
export function assertVoteGate(voteId: string, notices: readonly Notice[], overrides: readonly Override[], at: Time): Gate {
  const g = voteGate(voteId, notices, overrides, at)
  if (g.state === 'no-notice') fail('gate.vote-notice', 'the vote has no public announcement yet: publish it, and open the vote when its publicity ends', { state: g.state, until: 0 })
  if (g.state === 'notice-running') fail('gate.vote-notice', `the vote's announcement runs until ${new Date(g.until).toISOString()}: the vote opens then`, { state: g.state, until: g.until })
  return g
}

/** Which projects each decision notice covers: the vote it publishes (candidates and their proposals), or a fund's allocations. */
export function decisionCoverage(notices: readonly Notice[], votes: readonly Pick<Vote, 'id' | 'candidates'>[], allocations: readonly Pick<Allocation, 'id' | 'fundId' | 'projectId'>[]): { notice: Notice; projectIds: string[] }[] {
  return notices.filter((n) => n.stage === 'decision').map((notice) => {
    const vote = votes.find((v) => v.id === notice.subjectId)
    const projectIds = vote
      ? vote.candidates.flatMap((c) => [c.id, ...(c.proposalIds ?? [])])
      : allocations.filter((a) => a.fundId === notice.subjectId || a.id === notice.subjectId).map((a) => a.projectId)
    return { notice, projectIds }
  })
}

/** The decision notice about a project that ends last. */
export function decisionNoticeOf(projectId: string, coverage: ReadonlyArray<{ notice: Notice; projectIds: readonly string[] }>): Notice | null {
  let best: Notice | null = null
  for (const c of coverage) if (c.projectIds.includes(projectId) && (!best || c.notice.endAt > best.endAt)) best = c.notice
  return best
}

/** Whether money may be spent on (or work started on) a project at `at`. */
export function spendingGate(projectId: string, coverage: ReadonlyArray<{ notice: Notice; projectIds: readonly string[] }>, overrides: readonly Override[], at: Time): Gate {
  return gate(decisionNoticeOf(projectId, coverage), overrides, projectId, at)
}

/** Throws `gate.spending-publicity` (with `state` and `until`) unless spending on the project may start at `at`. */
export function assertSpendingGate(projectId: string, coverage: ReadonlyArray<{ notice: Notice; projectIds: readonly string[] }>, overrides: readonly Override[], at: Time): Gate {
  const g = spendingGate(projectId, coverage, overrides, at)
  if (g.state === 'no-notice') fail('gate.spending-publicity', 'the decision that funds this project has not been made public yet', { state: g.state, until: 0, projectId })
  if (g.state === 'notice-running') fail('gate.spending-publicity', `the decision's public notice runs until ${new Date(g.until).toISOString()}: spending starts then`, { state: g.state, until: g.until, projectId })
  return g
}

/**
 * Where the village's vote stands on the way from draft to result, as one gate every screen reads:
 * - `no-vote`: no vote drafted yet (draft its candidates and rules first);
 * - `drafted`: drafted, its announcement not published (publish it: `voteId` names the subject);
 * - `announced`: the announcement runs until `until`;
 * - `ready`: the announcement has run; the vote opens at `until` (or can be opened now);
 * - `open`: taking ballots until `until` (`early`: opened before its announcement ended, on record);
 * - `closed`: every vote is closed.
 * With several votes, the first one not closed (earliest opening) is the one in progress.
 */
export type VoteProgressStage = 'no-vote' | 'drafted' | 'announced' | 'ready' | 'open' | 'closed'
export interface VoteProgress { stage: VoteProgressStage; voteId: string; until: Time; early: boolean }

export function voteProgress(votes: readonly Pick<Vote, 'id' | 'opensAt' | 'closesAt' | 'closedAt'>[], notices: readonly Notice[], overrides: readonly Override[], at: Time): VoteProgress {
  if (votes.length === 0) return { stage: 'no-vote', voteId: '', until: 0, early: false }
  const end = (v: Pick<Vote, 'closesAt' | 'closedAt'>) => v.closedAt || v.closesAt
  const sorted = [...votes].sort((a, b) => a.opensAt - b.opensAt || (a.id < b.id ? -1 : 1))
  const v = sorted.find((x) => at < end(x))
  if (!v) {
    const last = sorted[sorted.length - 1] as Pick<Vote, 'id' | 'closesAt' | 'closedAt'>
    return { stage: 'closed', voteId: last.id, until: end(last), early: false }
  }
  const g = voteGate(v.id, notices, overrides, at)
  if (g.state === 'no-notice') return { stage: 'drafted', voteId: v.id, until: 0, early: false }
  if (g.state === 'notice-running') return { stage: 'announced', voteId: v.id, until: g.until, early: false }
  if (at < v.opensAt) return { stage: 'ready', voteId: v.id, until: v.opensAt, early: false }
  return { stage: 'open', voteId: v.id, until: end(v), early: g.override !== null }
}

/**
 * What the cycle's step in progress asks of the clerk now, one answer for home, the cycle screen and
 * the one-line hint on every feature screen:
 * - `complete`: its requirements hold: mark it done on the cycle;
 * - `complete-early`: only its publicity is unmet and an `early` override on record answers for it
 *   (`earlyCovering`): mark it done, no second reason;
 * - `vote-ahead`: the vote this step leads to has already opened or closed (the step's work is behind
 *   the village), yet the cycle still waits: mark it done on the cycle (with a reason if needed);
 * - `vote`: a step about the vote: say where the vote stands (`voteProgress`);
 * - `do`: the step's own instruction.
 */
export type StepAdvice = 'complete' | 'complete-early' | 'vote-ahead' | 'vote' | 'do'
const VOTE_STEPS: ReadonlySet<string> = new Set(['announce', 'decide'])

export function stepAdvice(step: string, unmet: readonly { requirement: string }[], early: Override | null, progress: Pick<VoteProgress, 'stage'>): StepAdvice {
  if (!step) return 'do'
  if (unmet.length === 0) return 'complete'
  if (early) return 'complete-early'
  if (voteAheadOfStep(step, progress.stage)) return 'vote-ahead'
  return VOTE_STEPS.has(step) ? 'vote' : 'do'
}

/**
 * The vote has already started (or closed) while the cycle still stands at announcing it: the step's
 * work is behind the village, only marking it done remains. Also what the township reads beside the step.
 */
export function voteAheadOfStep(step: string, stage: VoteProgressStage): boolean {
  return step === 'announce' && (stage === 'open' || stage === 'closed')
}
