import * as D from '@/domain'
import type { YishiDoc } from '@/shared/schemas'
import { indexRecords, voteRecordsOf } from '@/shared/township/records'
import type { HubKeys } from '@/shared/hubkeys'

/** What the read-only view of an archived year shows. */
export interface ArchiveSummary {
  proposals: { id: string; title: string; status: string; cost: number }[]
  votes: { id: string; title: string; ballots: number; paper: number; rows: { id: string; name: string; support: number; funded: number }[] }[]
  funds: { id: string; name: string; amount: number; spent: number }[]
  ledger: { id: string; at: number; payee: string; purpose: string; amount: number }[]
}

/**
 * An archived year's records, summed up for reading: proposals, each vote's support per candidate
 * as its result counts it (the domain's `voteResult`, as on the vote screen: late and voided
 * ballots left out, a paper count added once two people agree on it) with the money allocated to
 * each, and the fund's ledger.
 */
export function summarizeArchive(docs: readonly YishiDoc[], hubKeys: HubKeys | null): ArchiveSummary {
  const r = indexRecords(docs[0]?.village ?? '', docs, hubKeys)
  const votes = r.votes.map((v) => {
    const result = D.voteResult(v, voteRecordsOf(r, v.id))
    const support = new Map(result.selection?.projects.map((p) => [p.id, p.support])
      ?? D.tallyApprovals(v.candidates.map((c) => c.id), result.counted.map((b) => b.choices)).map((t) => [t.id, t.support]))
    return {
      id: v.id, title: v.title, ballots: result.counted.length, paper: result.paperBallots,
      rows: v.candidates.map((c) => ({
        id: c.id, name: c.title, support: support.get(c.id) ?? 0,
        funded: r.allocations.filter((a) => a.projectId === c.id).reduce((sum, a) => sum + a.amount, 0),
      })).sort((a, b) => b.support - a.support),
    }
  })
  const entries = [...r.ledger].sort((a, b) => a.at - b.at)
  return {
    proposals: r.proposals.map((p) => ({ id: p.id, title: p.title, status: p.status, cost: p.estimatedCost })),
    votes,
    funds: r.funds.map((f) => ({
      id: f.id, name: f.source || String(f.year), amount: f.amount,
      spent: entries.filter((e) => e.fundId === f.id).reduce((sum, e) => sum + D.signedAmount(e), 0),
    })),
    ledger: entries.map((e) => ({ id: e.id, at: e.at, payee: e.payee, purpose: e.description, amount: D.signedAmount(e) })),
  }
}
