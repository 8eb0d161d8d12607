/** Maps a village's records to src/domain/compliance.ts and returns its flags. */
import { complianceFlags as domainFlags } from '../../domain/compliance'
import { DEFAULT_MEETING_RULES, type MeetingRule } from '../../domain/meeting'
import { DEFAULT_TEMPLATE, type ProcedureState, type ProcedureTemplate } from '../../domain/procedure'
import type { MeetingKind, Notice } from '../../domain/model/types'
import type { TownshipFlag } from './types'
import { cosignRule, type VillageRecords } from './records'

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

/** The projects each decision notice covers: the vote it publishes (candidates and their proposals), or a fund's allocations. */
function decisions(r: VillageRecords): { notice: Notice; projectIds: string[] }[] {
  return r.notices.filter((n) => n.stage === 'decision').map((notice) => {
    const vote = r.votes.find((v) => v.id === notice.subjectId)
    const projectIds = vote
      ? vote.candidates.flatMap((c) => [c.id, ...(c.proposalIds ?? [])])
      : r.allocations.filter((a) => a.fundId === notice.subjectId || a.id === notice.subjectId).map((a) => a.projectId)
    return { notice, projectIds }
  })
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
  const flags = domainFlags({
    now,
    meetings: r.meetings,
    resolutions: r.resolutions,
    meetingRules: villageTemplate.meetingRules,
    ledger: r.ledger,
    cosigns: r.cosigns,
    cosignRule: cosignRule(r),
    progress: r.progress,
    decisions: decisions(r),
    funds: r.funds,
    allocations: r.allocations,
    procedures,
    overrides: r.overrides,
  })
  return flags.map((f) => ({ code: f.code, ref: f.subjectId, message: f.message }))
}
