import * as D from '@/domain'
import type { YishiDoc } from '@/shared/schemas'

/** What the read-only view of an archived year shows. */
export interface ArchiveSummary {
  proposals: { id: string; title: string; status: string; cost: number }[]
  votes: { id: string; title: string; ballots: number; paper: number; rows: { id: string; name: string; support: number; funded: number }[] }[]
  funds: { id: string; name: string; amount: number; spent: number }[]
  ledger: { id: string; at: number; payee: string; purpose: string; amount: number }[]
}

const record = <T>(d: YishiDoc): T => ({ ...(d.body as object), id: d.id, villageId: d.village }) as T

/**
 * An archived year's records, summed up for reading: proposals, each vote's support per candidate
 * (the ballots the domain counts — late and voided ones left out, as on the vote screen — plus the
 * latest paper count) with the money allocated to each, and the fund's ledger.
 */
export function summarizeArchive(docs: readonly YishiDoc[]): ArchiveSummary {
  const of = <T>(kind: YishiDoc['kind']) => docs.filter((d) => d.kind === kind).map((d) => record<T>(d))
  const ballots = of<D.Ballot>('ballot')
  const papers = of<D.PaperCount>('papercount')
  const allocations = of<D.Allocation>('allocation')
  const entries = of<D.LedgerEntry>('ledger').sort((a, b) => a.at - b.at)
  const counting = {
    voidLists: of<D.VoidListLike>('voidlist'), decisions: of<D.DoubleVoteDecision>('decision'),
    checkoffs: of<D.CheckOff>('checkoff'), conflicts: of<{ reason: string; subjectId: string; loser?: { body?: unknown } | null }>('conflict'),
  }

  const votes = of<D.Vote>('vote').map((v) => {
    const mine = D.countedBallots(v, ballots, counting).counted
    const paper = papers.filter((p) => p.voteId === v.id).sort((a, b) => b.at - a.at)[0]
    const rows = D.tallyApprovals(v.candidates.map((c) => c.id), mine.map((b) => b.choices))
    return {
      id: v.id, title: v.title, ballots: mine.length, paper: paper?.total ?? 0,
      rows: rows.map((r) => ({
        id: r.id,
        name: v.candidates.find((c) => c.id === r.id)?.title ?? r.id,
        support: r.support + (paper?.perOption[r.id] ?? 0),
        funded: allocations.filter((a) => a.projectId === r.id).reduce((sum, a) => sum + a.amount, 0),
      })).sort((a, b) => b.support - a.support),
    }
  })
  return {
    proposals: of<D.Proposal>('proposal').map((p) => ({ id: p.id, title: p.title, status: p.status, cost: p.estimatedCost })),
    votes,
    funds: of<D.Fund>('fund').map((f) => ({
      id: f.id, name: f.source || String(f.year), amount: f.amount,
      spent: entries.filter((e) => e.fundId === f.id).reduce((sum, e) => sum + D.signedAmount(e), 0),
    })),
    ledger: entries.map((e) => ({ id: e.id, at: e.at, payee: e.payee, purpose: e.description, amount: D.signedAmount(e) })),
  }
}
