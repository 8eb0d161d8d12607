/**
 * A village's compliance flags from its records, by src/domain/compliance.ts: the township summary
 * (hub and staff device) and the supervisors' checklist on the tablet call this one mapping.
 */
import { complianceFlags as domainFlags, type ComplianceFlag } from '../../domain/compliance'
import { villageProcedure } from '../../domain/procedure'
import type { Notice } from '../../domain/model/types'
import type { TownshipFlag } from './types'
import { cosignRule, type VillageRecords } from './records'

/** The records the checks read. */
export type ComplianceRecords = Pick<VillageRecords,
  'meetings' | 'resolutions' | 'ledger' | 'cosigns' | 'persons' | 'progress' | 'notices' | 'votes' | 'funds' | 'allocations' | 'procedures' | 'overrides'>

/** The projects each decision notice covers: the vote it publishes (candidates and their proposals), or a fund's allocations. */
function decisions(r: ComplianceRecords): { notice: Notice; projectIds: string[] }[] {
  return r.notices.filter((n) => n.stage === 'decision').map((notice) => {
    const vote = r.votes.find((v) => v.id === notice.subjectId)
    const projectIds = vote
      ? vote.candidates.flatMap((c) => [c.id, ...(c.proposalIds ?? [])])
      : r.allocations.filter((a) => a.fundId === notice.subjectId || a.id === notice.subjectId).map((a) => a.projectId)
    return { notice, projectIds }
  })
}

export function villageFlags(r: ComplianceRecords, now: number): ComplianceFlag[] {
  // The village's procedure as the tablet's cycle screen reads it (the domain's constructors, the same fallback).
  const { template, cycles } = villageProcedure(r.procedures)
  return domainFlags({
    now,
    meetings: r.meetings,
    resolutions: r.resolutions,
    meetingRules: template.meetingRules,
    ledger: r.ledger,
    cosigns: r.cosigns,
    cosignRule: cosignRule(r),
    progress: r.progress,
    decisions: decisions(r),
    funds: r.funds,
    allocations: r.allocations,
    procedures: cycles,
    overrides: r.overrides,
  })
}

export function complianceFlags(r: ComplianceRecords, now: number): TownshipFlag[] {
  return villageFlags(r, now).map((f) => ({ code: f.code, ref: f.subjectId, message: f.message, details: f.details }))
}
