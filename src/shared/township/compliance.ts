/** Maps a village's records to src/domain/compliance.ts and returns its flags. */
import { complianceFlags as domainFlags } from '../../domain/compliance'
import { DEFAULT_MEETING_RULES, type MeetingRule } from '../../domain/meeting'
import { DEFAULT_TEMPLATE, type ProcedureState, type ProcedureTemplate } from '../../domain/procedure'
import type { MeetingKind, Notice } from '../../domain/model/types'
import { decisionCoverage } from '../../domain/gates'
import type { TownshipFlag } from './types'
import type { VillageRecords } from './records'
import { signedCosigns } from '../personacts'

function templates(r: VillageRecords): Map<string, ProcedureTemplate> {
  const out = new Map<string, ProcedureTemplate>([[DEFAULT_TEMPLATE.id, DEFAULT_TEMPLATE]])
  for (const p of r.procedures) {
    if (Array.isArray(p.steps) && p.steps.length) {
      out.set(p.id, {
        id: p.id, name: p.name ?? '', steps: p.steps.map((s) => ({ key: s.key, publicityDays: s.publicityDays ?? 0, requires: [] })),
        meetingRules: { ...DEFAULT_MEETING_RULES, ...(p.meetingRules ?? {}) } as Record<MeetingKind, MeetingRule>,
      })
    }
  }
  return out
}

/** The projects each decision notice covers (the domain's rule, as the tablet applies it). */
function decisions(r: VillageRecords): { notice: Notice; projectIds: string[] }[] {
  return decisionCoverage(r.notices, r.votes, r.allocations)
}

export function complianceFlags(r: VillageRecords, now: number): TownshipFlag[] {
  const byId = templates(r)
  const villageTemplate = [...byId.values()].find((t) => t.id !== DEFAULT_TEMPLATE.id) ?? DEFAULT_TEMPLATE
  const procedures = r.procedures.filter((p) => typeof p.current === 'string').map((p) => {
    const state: ProcedureState = {
      id: p.id, templateId: p.templateId ?? '', subjectId: p.subjectId ?? '', current: p.current ?? '',
      startedAt: p.startedAt ?? 0, history: (p.history ?? []).map((h) => ({ step: h.step, completedAt: h.completedAt ?? 0, by: h.by ?? '', overrideId: h.overrideId ?? '' })),
    }
    return { template: byId.get(state.templateId) ?? villageTemplate, state }
  })
  const supervisors = r.persons.filter((p) => (p.roles as readonly string[]).includes('supervisor')).map((p) => p.id)
  const flags = domainFlags({
    now,
    meetings: r.meetings,
    resolutions: r.resolutions,
    meetingRules: villageTemplate.meetingRules,
    ledger: r.ledger,
    // only co-signatures the supervisor signed with their own key count, as on the tablet
    cosigns: signedCosigns(r.cosigns, r.personKeys, r.villageId),
    cosignRule: { supervisors },
    progress: r.progress,
    decisions: decisions(r),
    funds: r.funds,
    allocations: r.allocations,
    procedures,
    overrides: r.overrides.map((o) => ({ ...o, subjectId: o.subjectId ?? '' })),
    votes: r.votes,
    notices: r.notices,
    checkoffs: r.checkoffs,
    persons: r.persons,
  })
  const plain = (d: Record<string, unknown>) => Object.fromEntries(Object.entries(d).filter(([, v]) => typeof v === 'string' || typeof v === 'number')) as Record<string, string | number>
  return flags.map((f) => ({ code: f.code, ref: f.subjectId, message: f.message, details: plain(f.details) }))
}
