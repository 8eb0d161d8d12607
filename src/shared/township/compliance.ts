/**
 * A village's compliance flags from its records, by src/domain/compliance.ts: the township summary
 * (hub and staff device) and the supervisors' checklist on the tablet call this one mapping.
 */
import { complianceFlags as domainFlags, type ComplianceFlag, type Names } from '../../domain/compliance'
import { villageProcedure } from '../../domain/procedure'
import { decisionCoverage } from '../../domain/gates'
import type { TownshipFlag } from './types'
import { cosignRule, countedCosigns, type VillageRecords } from './records'

/** The records the checks read. */
export type ComplianceRecords = Pick<VillageRecords,
  'villageId' | 'meetings' | 'resolutions' | 'ledger' | 'cosigns' | 'personKeys' | 'persons' | 'proposals' | 'progress' | 'notices' | 'votes' | 'checkoffs'
  | 'funds' | 'allocations' | 'procedures' | 'overrides'>

export function villageFlags(r: ComplianceRecords, now: number): ComplianceFlag[] {
  // The village's procedure as the tablet's cycle screen reads it (the domain's constructors, the same fallback).
  const { template, cycles } = villageProcedure(r.procedures)
  return domainFlags({
    now,
    meetings: r.meetings,
    resolutions: r.resolutions,
    meetingRules: template.meetingRules,
    ledger: r.ledger,
    // only co-signatures the supervisor signed with their own key count, as on the tablet
    cosigns: countedCosigns(r),
    cosignRule: cosignRule(r),
    progress: r.progress,
    // the projects each decision notice covers: the domain's rule, as the tablet's spending gate applies it
    decisions: decisionCoverage(r.notices, r.votes, r.allocations),
    funds: r.funds,
    allocations: r.allocations,
    procedures: cycles,
    overrides: r.overrides.map((o) => ({ ...o, subjectId: o.subjectId ?? '' })),
    votes: r.votes,
    notices: r.notices,
    checkoffs: r.checkoffs,
    persons: r.persons,
    names: recordNames(r),
  })
}

/** What the village calls the ids a flag mentions: people by name, projects and votes by title. */
export function recordNames(r: Pick<VillageRecords, 'persons' | 'proposals' | 'votes' | 'allocations'>): Names {
  const names = new Map<string, string>()
  for (const a of r.allocations) if (a.title) names.set(a.projectId, a.title)
  for (const p of r.proposals) if (p.title) names.set(p.id, p.title)
  for (const v of r.votes) {
    if (v.title) names.set(v.id, v.title)
    for (const c of v.candidates ?? []) if (c.title && !names.has(c.id)) names.set(c.id, c.title)
  }
  for (const p of r.persons) if (p.name) names.set(p.id, p.name)
  return names
}

export function complianceFlags(r: ComplianceRecords, now: number): TownshipFlag[] {
  return villageFlags(r, now).map((f) => ({ code: f.code, variant: f.variant, ref: f.subjectId, details: f.details }))
}
