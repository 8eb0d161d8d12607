import type { TownshipSummary } from '@/shared/township/types'
import { cosignedEntries, type VillageRecords } from '@/shared/township/records'
import type { ExportTable } from '@/shared/table/table'

/** Labels for column headers, in the person's language. */
export type Label = (key: string) => string

const yuan = (fen: number) => fen / 100
const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString())

/** One row per vote of every village: the result anyone can check against the .pb file. */
export function resultsTable(s: TownshipSummary, t: Label): ExportTable {
  return {
    name: t('export.results'),
    // `selected`: the funded projects by name; `selected_ids`: the same, as ids, to check against the .pb file
    headers: ['village_id', t('col.village'), 'vote_id', 'title', 'rule', 'budget_yuan', 'ballots', 'paper_ballots', 'voided', 'awaiting_seals', 'late', 'eligible', 'turnout', 'closed_at', 'selected', 'selected_ids', 'cost_yuan'],
    rows: s.villages.flatMap((v) => v.votes.map((r) => [
      v.villageId, v.name, r.id, r.title, r.rule, yuan(r.budget), r.ballots, r.paper, r.voided, r.awaitingSeals ?? 0, r.late, r.eligible,
      r.turnout === null ? null : Math.round(r.turnout * 1000) / 1000, iso(r.closedAt), (r.selectedTitles ?? r.selected).join('、'), r.selected.join(' '), yuan(r.cost),
    ])),
  }
}

export function allocationsTable(s: TownshipSummary, t: Label): ExportTable {
  return {
    name: t('export.allocations'),
    headers: ['village_id', t('col.village'), 'allocation_id', 'project_id', 'project', 'allocated_yuan', 'spent_yuan'],
    rows: s.villages.flatMap((v) => v.allocations.map((a) => [v.villageId, v.name, a.id, a.project, a.title, yuan(a.allocated), yuan(a.spent)])),
  }
}

export function accountsTable(s: TownshipSummary, t: Label): ExportTable {
  return {
    name: t('export.accounts'),
    headers: ['village_id', t('col.village'), 'year', 'fund_yuan', 'allocated_yuan', 'spent_yuan', 'remaining_yuan', 'compliance_flags'],
    rows: s.villages.map((v) => [
      v.villageId, v.name, v.fundYear, yuan(v.fund), yuan(v.allocated), yuan(v.spent), yuan(v.fund - v.spent),
      v.flags.map((f) => f.code).join(' '),
    ]),
  }
}

/** The opened village's ledger, entry by entry, with its co-signature. */
export function ledgerTable(r: VillageRecords, t: Label): ExportTable {
  const cosigned = cosignedEntries(r)
  return {
    name: t('export.ledger'),
    headers: ['ledger_id', 'date', 'project_id', 'kind', 'amount_yuan', 'payee', 'description', 'cosigned'],
    rows: [...r.ledger].sort((a, b) => a.at - b.at).map((l) => [
      l.id, iso(l.at), l.projectId, l.kind, yuan(l.amount), l.payee, l.description, cosigned.has(l.id),
    ]),
  }
}
