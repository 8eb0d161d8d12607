/**
 * Which void lists a tablet honours. A void list names ballots; nothing in it proves the ballots
 * came out of the void seals (a proof would link each voter to their voided ballot, which the
 * sorted list exists to avoid). So a list counts only within what the council decided: every
 * decision it names must be a recorded double-vote decision of this vote with void seals, not
 * already used by an earlier list, and it may void at most as many ballots as those decisions
 * have void seals. A list recorded by a tampered tablet can then void no more than the council
 * decided, and the audit chain names the device and the supervisors who opened it.
 */
export interface VoidListLike { id: string; voteId: string; ballotIds: string[]; decisions: string[]; at: number }
export interface VoidDecisionLike { id: string; voteId?: string; voidedSeals?: string[] }

export function acceptedVoidLists<L extends VoidListLike>(lists: readonly L[], decisions: readonly VoidDecisionLike[], voteId: string): L[] {
  const seals = new Map(decisions.filter((d) => d.voteId === voteId && (d.voidedSeals?.length ?? 0) > 0).map((d) => [d.id, d.voidedSeals!.length]))
  const used = new Set<string>()
  const out: L[] = []
  for (const l of [...lists].filter((x) => x.voteId === voteId).sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))) {
    const named = [...new Set(l.decisions)]
    if (named.length === 0 || named.some((d) => !seals.has(d) || used.has(d))) continue
    const allowed = named.reduce((n, d) => n + (seals.get(d) ?? 0), 0)
    if (new Set(l.ballotIds).size > allowed) continue
    for (const d of named) used.add(d)
    out.push(l)
  }
  return out
}
