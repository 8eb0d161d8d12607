/**
 * One village's summary for the township dashboard, computed from its records with the
 * domain's rules. Pure (time and hub facts are parameters): the hub runs it
 * (sync-server/township), and a staff device can run it on a village it holds in full.
 */
import type { MeetingSummary, TownshipFlag, VillageSummary, VoteResultSummary } from './types'
import { indexRecords, voteRecordsOf, type Doc, type VillageRecords } from './records'
import type { HubKeys } from '../hubkeys'
import { complianceFlags } from './compliance'
import { DEFAULT_TEMPLATE, villageProcedure } from '../../domain/procedure'
import { DEFAULT_MEETING_RULES, quorum } from '../../domain/meeting'
import { voteStatus } from '../../domain/ballots'
import { unresolvedConflicts, unresolvedDoubleVotes } from '../../domain/conflicts'
import { voteResult as domainResult } from '../../domain/results'
import { decisionsAwaitingSeals } from '../../domain/voids'
import { signedAmount } from '../../domain/budget'
import type { Vote } from '../../domain/model/types'

export const CYCLE_STEPS = DEFAULT_TEMPLATE.steps.map((s) => s.key)

const DAY = 24 * 3600 * 1000
/** A decision not put on public notice within this long after the vote closed is overdue. */
export const DECISION_NOTICE_DUE_MS = 7 * DAY

/** What the hub knows about a village beyond its records. */
export interface HubFacts {
  /** Hub clock when each tablet's writes last reached this hub. */
  deviceSync?: Record<string, number>
  lastReachedTownship?: number | null
  lastReachedDistrict?: number | null
  /** Documents of this village held in the hub's quarantine. */
  quarantined?: number
}

/** The step in progress: from the latest cycle on record (as the tablet's cycle screen reads it), else from what the records show. */
function currentStep(r: VillageRecords, now: number): number {
  const state = villageProcedure(r.procedures).cycles.at(-1)?.state
  if (state) return state.current === '' ? CYCLE_STEPS.length - 1 : Math.max(CYCLE_STEPS.indexOf(state.current), 0)
  const stage = (s: string) => r.notices.some((n) => n.stage === s)
  const checks: [number, boolean][] = [
    [7, stage('accounts')],
    [6, stage('process') || r.progress.length > 0],
    [5, stage('decision')],
    [4, r.votes.some((v) => voteStatus(v, now) !== 'scheduled')],
    [3, r.votes.length > 0 || stage('vote-announcement')],
    [2, r.meetings.some((m) => m.status === 'closed')],
    [1, r.proposals.some((p) => ['shortlisted', 'candidate', 'merged'].includes(p.status))],
    [0, r.proposals.length > 0],
  ]
  return checks.find(([, reached]) => reached)?.[0] ?? -1
}

/** A vote's figures as the tablet's results screen counts them (the domain's `voteResult`). */
function voteResult(r: VillageRecords, v: Vote, now: number): VoteResultSummary {
  const records = voteRecordsOf(r, v.id)
  const result = domainResult(v, records)
  const closed = voteStatus(v, now) === 'closed'
  const eligible = v.roster.length
  const cast = result.counted.length + result.paperBallots
  const selected = closed ? (result.selection?.selected ?? []) : []
  return {
    id: v.id, title: v.title, rule: v.rule, budget: v.budget, ballots: result.counted.length, paper: result.paperBallots,
    voided: result.onTime.length - result.counted.length, awaitingSeals: decisionsAwaitingSeals(v, records).length, late: result.late, eligible,
    turnout: eligible > 0 ? cast / eligible : null,
    closedAt: closed ? (v.closedAt || v.closesAt) : null,
    // a malformed vote (the rule cannot run) is shown without a result
    selected, cost: closed ? (result.selection?.cost ?? 0) : 0,
    selectedTitles: selected.map((id) => v.candidates.find((c) => c.id === id)?.title ?? id),
  }
}

function meetingSummaries(r: VillageRecords): MeetingSummary[] {
  return r.meetings.filter((m) => m.status === 'closed').map((m) => {
    const present = new Set(r.attendance.filter((a) => a.meetingId === m.id).map((a) => a.personId)).size
    const rule = DEFAULT_MEETING_RULES[m.kind]
    let quorate: boolean | null = null
    try { if (rule && m.memberCount > 0) quorate = quorum(rule, m.memberCount, Math.min(present, m.memberCount)).quorate } catch { quorate = null }
    return { id: m.id, title: m.title, at: m.scheduledAt, kind: m.kind, present, quorate }
  }).sort((a, b) => a.at - b.at)
}

/** Summarises one village's records at hub time `now`; `hubKeys`: the hub's keys (see `indexRecords`). */
export function summarizeVillage(villageId: string, docs: readonly Doc[], now: number, hubKeys: HubKeys | null, facts: HubFacts = {}): VillageSummary {
  return summarizeRecords(indexRecords(villageId, docs, hubKeys), now, facts)
}

/** The same summary, from records already indexed (a staff device holding the village in full). */
export function summarizeRecords(r: VillageRecords, now: number, facts: HubFacts = {}): VillageSummary {
  const villageId = r.villageId
  const fundYear = r.funds.length ? Math.max(...r.funds.map((f) => f.year)) : null
  const yearFunds = r.funds.filter((f) => f.year === fundYear)
  const fundIds = new Set(yearFunds.map((f) => f.id))

  const ledger = r.ledger.filter((l) => fundIds.has(l.fundId))
  const spentBy = new Map<string, number>()
  for (const l of ledger) spentBy.set(l.projectId, (spentBy.get(l.projectId) ?? 0) + signedAmount(l))
  const allocations = r.allocations.filter((a) => fundIds.has(a.fundId)).map((a) => ({
    id: a.id, project: a.projectId, title: a.title || a.projectId, allocated: a.amount, spent: spentBy.get(a.projectId) ?? 0,
  }))

  const votes = r.votes.map((v) => voteResult(r, v, now)).sort((a, b) => (a.closedAt ?? Infinity) - (b.closedAt ?? Infinity))
  const closedVotes = votes.filter((v) => v.closedAt !== null)

  const answered = new Set(r.answers.map((a) => a.objectionId))
  const openObjections = r.objections.filter((o) => !answered.has(o.id))
  let running = 0
  let overdue = 0
  for (const n of r.notices) {
    if (n.startAt <= now && now <= n.endAt) running++
    else if (now > n.endAt && openObjections.some((o) => o.noticeId === n.id)) overdue++
  }
  const decisionNotices = new Set(r.notices.filter((n) => n.stage === 'decision').map((n) => n.subjectId))
  for (const v of closedVotes) if (!decisionNotices.has(v.id) && now - (v.closedAt ?? now) > DECISION_NOTICE_DUE_MS) overdue++


  const deviceDocs = new Map<string, number>()
  for (const d of r.docs) if (d.device !== 'hub') deviceDocs.set(d.device, (deviceDocs.get(d.device) ?? 0) + 1)
  const tablets = [...deviceDocs].map(([device, count]) => ({ device, docs: count, lastSyncAt: facts.deviceSync?.[device] ?? null }))
    .sort((a, b) => a.device.localeCompare(b.device))

  const step = currentStep(r, now)
  const finished = villageProcedure(r.procedures).cycles.at(-1)?.state.current === ''
  const flags: TownshipFlag[] = complianceFlags(r, now)
  return {
    villageId,
    name: r.name,
    townshipId: r.townshipId,
    step: step >= 0 ? CYCLE_STEPS[step]! : null,
    stepIndex: step,
    stepCount: CYCLE_STEPS.length,
    finished,
    fundYear,
    fund: yearFunds.reduce((s, f) => s + f.amount, 0),
    allocated: allocations.reduce((s, a) => s + a.allocated, 0),
    spent: ledger.reduce((s, l) => s + signedAmount(l), 0),
    lastVote: closedVotes.at(-1) ?? null,
    votes,
    allocations,
    meetings: meetingSummaries(r),
    publicityRunning: running,
    publicityOverdue: overdue,
    openObjections: openObjections.length,
    doubleVotes: unresolvedDoubleVotes(r.conflicts, r.decisions).length,
    doubleVotesAwaitingSeals: votes.reduce((n, v) => n + v.awaitingSeals, 0),
    conflicts: unresolvedConflicts(r.conflicts, r.decisions).length,
    // The hub's quarantine when it tells; else the rejection notices it wrote into the village.
    quarantined: facts.quarantined ?? r.rejections,
    tablets,
    flags,
    docCount: r.docs.length,
    lastReachedTownship: facts.lastReachedTownship ?? null,
    lastReachedDistrict: facts.lastReachedDistrict ?? null,
    computedAt: now,
  }
}
