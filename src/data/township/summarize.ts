/**
 * One village's summary for the township dashboard, computed from its records.
 * Pure (time and hub facts are parameters); the hub runs it (sync-server/township),
 * and a staff device can run it on a village it holds in full.
 */
import type { TownshipFlag, VillageSummary, VoteResultSummary } from './types'
import { ballotsOf, bool, children, indexRecords, kind, num, str, voteView, type Doc, type VillageRecords } from './records'
import { selectVote } from './tally'
import { complianceFlags } from './compliance'

/** Steps of the default cycle (DOMAIN.md), in order. */
export const CYCLE_STEPS = [
  'collect', 'feedback', 'deliberate', 'announce', 'decide', 'publicise-decision', 'publicise-process', 'publicise-accounts',
] as const

const DAY = 24 * 3600 * 1000

/** What the hub knows about a village beyond its records. */
export interface HubFacts {
  /** Hub clock when each tablet's writes last reached this hub. */
  deviceSync?: Record<string, number>
  lastReachedTownship?: number | null
  lastReachedDistrict?: number | null
  /** Documents of this village held in the hub's quarantine. */
  quarantined?: number
}

function currentStep(r: VillageRecords): number {
  const notices = kind(r, 'notice')
  const stage = (s: string) => notices.some((n) => n.body.stage === s)
  const votes = kind(r, 'vote')
  const checks: [number, boolean][] = [
    [7, stage('accounts')],
    [6, stage('process') || kind(r, 'progress').length > 0],
    [5, stage('decision')],
    [4, votes.some((v) => v.body.status === 'closed')],
    [3, votes.some((v) => v.body.status === 'open' || v.body.status === 'draft')],
    [2, kind(r, 'meeting').some((m) => m.body.status === 'closed' || children(r, m.id, 'attendance').length > 0)],
    [1, kind(r, 'proposal').some((p) => ['shortlisted', 'candidate', 'merged'].includes(str(p.body.status)))],
    [0, kind(r, 'proposal').length > 0],
  ]
  return checks.find(([, reached]) => reached)?.[0] ?? -1
}

function voteResult(r: VillageRecords, voteDoc: Doc): VoteResultSummary {
  const v = voteView(voteDoc)
  const ballots = ballotsOf(r, v.id)
  const counted = children(r, v.id, 'ballot').length
  const selection = v.status === 'closed' ? selectVote(v, ballots) : { selected: [], cost: 0 }
  return {
    id: v.id, title: v.title, rule: v.ruleName, budget: v.budget, ballots: counted, eligible: v.eligible,
    turnout: v.eligible > 0 ? counted / v.eligible : null,
    closedAt: v.closedAt, selected: selection.selected, cost: selection.cost,
  }
}

function quorate(r: VillageRecords, m: Doc, present: number): boolean | null {
  const members = num(m.body.members)
  const rule = m.body.rule as Record<string, unknown> | undefined
  if (!members || !rule) return null
  return present >= Math.ceil(num(rule.quorum) * members - 1e-9)
}

function noticeEnd(n: Doc): number | null {
  const posted = num(n.body.postedAt, NaN)
  const closes = str(n.body.closesOn)
  if (closes) return Date.parse(`${closes}T23:59:59+08:00`)
  if (Number.isFinite(posted)) return posted + num(n.body.days, 7) * DAY
  return null
}

function unanswered(r: VillageRecords, objection: Doc): boolean {
  return children(r, objection.id, 'answer').length === 0
}

/** Summarises one village's records at hub time `now`. */
export function summarizeVillage(villageId: string, docs: readonly Doc[], now: number, facts: HubFacts = {}): VillageSummary {
  const r = indexRecords(villageId, docs)
  const funds = kind(r, 'fund')
  const fundYear = funds.length ? Math.max(...funds.map((f) => num(f.body.year))) : null
  const yearFunds = funds.filter((f) => num(f.body.year) === fundYear)
  const fundIds = new Set(yearFunds.map((f) => f.id))

  const allocations = kind(r, 'allocation').filter((a) => fundIds.has(str(a.body.fund)))
  const proposals = new Map(kind(r, 'proposal').map((p) => [p.id, str(p.body.title)]))
  const ledger = kind(r, 'ledger').filter((l) => fundIds.has(str(l.body.fund)))
  const spentBy = new Map<string, number>()
  for (const l of ledger) spentBy.set(str(l.body.proposal), (spentBy.get(str(l.body.proposal)) ?? 0) + num(l.body.amount))
  const allocationRows = allocations.flatMap((a) => ((a.body.items as Record<string, unknown>[] | undefined) ?? [])
    .filter((i) => bool(i.funded))
    .map((i) => ({
      id: a.id, project: str(i.proposal), title: proposals.get(str(i.proposal)) ?? str(i.proposal),
      allocated: num(i.amount), spent: spentBy.get(str(i.proposal)) ?? 0,
    })))

  const votes = kind(r, 'vote').map((v) => voteResult(r, v))
    .sort((a, b) => (a.closedAt ?? Infinity) - (b.closedAt ?? Infinity))
  const closedVotes = votes.filter((v) => v.closedAt !== null)

  const meetings = kind(r, 'meeting').filter((m) => m.body.status === 'closed').map((m) => {
    const present = children(r, m.id, 'attendance').filter((a) => bool(a.body.present)).length
    return { id: m.id, title: str(m.body.title), at: num(m.body.scheduledAt), kind: str(m.body.type), present, quorate: quorate(r, m, present) }
  }).sort((a, b) => a.at - b.at)

  let running = 0
  let overdue = 0
  for (const n of kind(r, 'notice')) {
    const end = noticeEnd(n)
    const posted = num(n.body.postedAt, NaN)
    const closed = ['closed', 'withdrawn'].includes(str(n.body.status))
    const open = children(r, n.id, 'objection').some((o) => unanswered(r, o))
    if (closed) continue
    if (end !== null && now > end) { if (open || str(n.body.status) !== 'closed') overdue++ }
    else if (Number.isFinite(posted) && posted <= now) running++
  }

  const decided = new Set(kind(r, 'decision').map((d) => str(d.body.subject)))
  const openConflicts = kind(r, 'conflict').filter((c) => !decided.has(c.id) && !decided.has(str(c.body.subject)))

  const deviceDocs = new Map<string, number>()
  const deviceLast = new Map<string, number>()
  for (const d of r.docs) {
    if (d.device === 'hub') continue
    deviceDocs.set(d.device, (deviceDocs.get(d.device) ?? 0) + 1)
    deviceLast.set(d.device, Math.max(deviceLast.get(d.device) ?? 0, d.deviceTime))
  }
  const tablets = [...deviceDocs].map(([device, count]) => ({ device, docs: count, lastSyncAt: facts.deviceSync?.[device] ?? null }))
    .sort((a, b) => a.device.localeCompare(b.device))

  const step = currentStep(r)
  const flags: TownshipFlag[] = complianceFlags(r, now)
  return {
    villageId,
    name: r.name,
    townshipId: r.townshipId,
    step: step >= 0 ? CYCLE_STEPS[step]! : null,
    stepIndex: step,
    stepCount: CYCLE_STEPS.length,
    fundYear,
    fund: yearFunds.reduce((s, f) => s + num(f.body.amount), 0),
    allocated: allocationRows.reduce((s, a) => s + a.allocated, 0),
    spent: ledger.reduce((s, l) => s + num(l.body.amount), 0),
    lastVote: closedVotes.at(-1) ?? null,
    votes,
    allocations: allocationRows,
    meetings,
    publicityRunning: running,
    publicityOverdue: overdue,
    openObjections: kind(r, 'objection').filter((o) => unanswered(r, o)).length,
    doubleVotes: openConflicts.filter((c) => c.body.reason === 'double-checkoff').length,
    conflicts: openConflicts.filter((c) => c.body.reason !== 'double-checkoff').length,
    // The hub's quarantine when it tells; else the rejection notices it wrote into the village.
    quarantined: facts.quarantined ?? kind(r, 'rejection').length,
    tablets,
    flags,
    docCount: r.docs.length,
    lastReachedTownship: facts.lastReachedTownship ?? null,
    lastReachedDistrict: facts.lastReachedDistrict ?? null,
    computedAt: now,
  }
}
