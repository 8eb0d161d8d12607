import { fail } from './errors.ts'
import { formatYuan } from './money.ts'
import type { Allocation, CoSignature, Fund, LedgerEntry, Time, Vote } from './model/types.ts'

/**
 * Budget and accounts: allocations never exceed the fund; every expense needs the
 * supervisory committee's co-signature (by someone other than the person who recorded it);
 * spending is tracked against each project's allocation; `accountsSummary` gives the
 * figures of the "accounts" notice. All amounts in fen.
 */
export function allocatedTotal(fund: Pick<Fund, 'id'>, allocations: readonly Allocation[]): number {
  return allocations.reduce((sum, a) => sum + (a.fundId === fund.id ? a.amount : 0), 0)
}

/** Throws unless the allocations of this fund together fit in it. */
export function checkAllocations(fund: Fund, allocations: readonly Allocation[]): void {
  const total = allocatedTotal(fund, allocations)
  if (total > fund.amount) {
    fail('budget.over-fund', `allocations total ${formatYuan(total)}, more than the ${fund.year} fund of ${formatYuan(fund.amount)} (${formatYuan(total - fund.amount)} over)`, { total, fund: fund.amount, over: total - fund.amount })
  }
}

/** Adds an allocation if it still fits; returns the new list. */
export function addAllocation(fund: Fund, allocations: readonly Allocation[], next: Allocation): Allocation[] {
  if (next.fundId !== fund.id) fail('invalid.reference', `allocation ${next.id} is for ${next.fundId}, not ${fund.id}`)
  const out = [...allocations.filter((a) => a.id !== next.id), next]
  checkAllocations(fund, out)
  return out
}

export interface CoSignRule {
  /** Person ids of the supervisory committee. */
  supervisors: ReadonlySet<string> | readonly string[]
  /** Approving co-signatures needed (default 1). */
  required?: number
}

/**
 * Each supervisor's last word on an entry (supervisors other than its recorder), by its time; at the same
 * time a question. A supervisor who questioned an expense answers it by signing again once it is put
 * right (an invoice brought); another supervisor's approval does not silence their question.
 */
export function lastCoSignWords<C extends CoSignature>(entry: LedgerEntry, cosigns: readonly C[], rule: CoSignRule): C[] {
  const supervisors = new Set(rule.supervisors)
  const last = new Map<string, C>()
  for (const c of cosigns) {
    if (c.ledgerId !== entry.id || !supervisors.has(c.supervisorId) || c.supervisorId === entry.recordedBy) continue
    const before = last.get(c.supervisorId)
    if (!before || c.at > before.at || (c.at === before.at && !c.approve)) last.set(c.supervisorId, c)
  }
  return [...last.values()]
}

/** Whether an entry is co-signed: enough supervisors' last words are approvals, and none is a question standing (`lastCoSignWords`). */
export function isCoSigned(entry: LedgerEntry, cosigns: readonly CoSignature[], rule: CoSignRule): boolean {
  const words = lastCoSignWords(entry, cosigns, rule)
  if (words.some((c) => !c.approve)) return false
  return words.length >= (rule.required ?? 1)
}

/** Throws unless a co-signature can be given: the signer is a supervisor and not the recorder. */
export function checkCoSignature(entry: LedgerEntry, cosign: CoSignature, rule: CoSignRule): void {
  if (cosign.ledgerId !== entry.id) fail('invalid.reference', `co-signature ${cosign.id} is for ${cosign.ledgerId}, not ${entry.id}`)
  if (!new Set(rule.supervisors).has(cosign.supervisorId)) fail('ledger.cosign', `${cosign.supervisorId} is not on the supervisory committee`, { person: cosign.supervisorId })
  if (cosign.supervisorId === entry.recordedBy) fail('ledger.cosign', `${cosign.supervisorId} recorded this expense and cannot also co-sign it`, { person: cosign.supervisorId })
}

/** Throws unless an expense stays within its project's allocation (counting every expense, signed or not). */
export function checkExpense(entry: LedgerEntry, allocations: readonly Allocation[], ledger: readonly LedgerEntry[]): void {
  const allocated = allocations.filter((a) => a.fundId === entry.fundId && a.projectId === entry.projectId).reduce((s, a) => s + a.amount, 0)
  if (allocated === 0) fail('budget.unknown-project', `${entry.projectId} has no allocation from ${entry.fundId}`, { projectId: entry.projectId })
  if (entry.kind !== 'expense') return
  const spent = net(ledger.filter((l) => l.id !== entry.id && l.fundId === entry.fundId && l.projectId === entry.projectId))
  if (spent + entry.amount > allocated) {
    fail('ledger.over-allocation', `${formatYuan(entry.amount)} would bring ${entry.projectId} to ${formatYuan(spent + entry.amount)}, over its allocation of ${formatYuan(allocated)}`, { amount: entry.amount, spent, allocated })
  }
}

function net(entries: readonly LedgerEntry[]): number {
  return entries.reduce((s, l) => s + (l.kind === 'expense' ? l.amount : -l.amount), 0)
}

export interface ProjectAccount { projectId: string; title: string; allocated: number; spent: number; pending: number; remaining: number }
export interface AccountsSummary {
  fundId: string
  year: number
  fund: number
  allocated: number
  unallocated: number
  /** Co-signed expenses minus co-signed refunds. */
  spent: number
  /** Recorded but not yet co-signed. */
  pending: number
  uncosignedEntries: string[]
  projects: ProjectAccount[]
}

/** What a ledger entry does to the money spent: an expense adds, a refund takes back. */
export function signedAmount(entry: Pick<LedgerEntry, 'kind' | 'amount'>): number {
  return entry.kind === 'expense' ? entry.amount : -entry.amount
}

/** The figures of the accounts notice: spent versus allocated, per project and in all. */
export function accountsSummary(fund: Fund, allocations: readonly Allocation[], ledger: readonly LedgerEntry[], cosigns: readonly CoSignature[], rule: CoSignRule): AccountsSummary {
  const byProject = new Map<string, ProjectAccount>()
  const row = (projectId: string, title = '') => {
    let r = byProject.get(projectId)
    if (!r) { r = { projectId, title, allocated: 0, spent: 0, pending: 0, remaining: 0 }; byProject.set(projectId, r) }
    return r
  }
  for (const a of allocations) if (a.fundId === fund.id) { const r = row(a.projectId, a.title); r.allocated += a.amount; if (!r.title) r.title = a.title }
  const uncosigned: string[] = []
  for (const l of ledger) {
    if (l.fundId !== fund.id) continue
    const r = row(l.projectId)
    const signed = signedAmount(l)
    if (isCoSigned(l, cosigns, rule)) r.spent += signed
    else { r.pending += signed; uncosigned.push(l.id) }
  }
  const projects = [...byProject.values()].sort((a, b) => (a.projectId < b.projectId ? -1 : 1))
  for (const p of projects) p.remaining = p.allocated - p.spent - p.pending
  const allocated = projects.reduce((s, p) => s + p.allocated, 0)
  const spent = projects.reduce((s, p) => s + p.spent, 0)
  const pending = projects.reduce((s, p) => s + p.pending, 0)
  return { fundId: fund.id, year: fund.year, fund: fund.amount, allocated, unallocated: fund.amount - allocated, spent, pending, uncosignedEntries: uncosigned, projects }
}

/**
 * The allocations that put a vote's result into the fund: one per selected project, at its
 * cost, decided by the vote. Throws if together they would exceed what the fund has left.
 */
export function allocationsFromSelection(fund: Fund, existing: readonly Allocation[], vote: Pick<Vote, 'id' | 'candidates'>, selected: readonly string[], at: Time, idFor: (projectId: string) => string): Allocation[] {
  const byId = new Map(vote.candidates.map((c) => [c.id, c]))
  const added = selected.map((projectId): Allocation => {
    const c = byId.get(projectId)
    if (!c) fail('budget.unknown-project', `${projectId} is not a candidate of ${vote.id}`, { projectId })
    return { id: idFor(projectId), fundId: fund.id, projectId, title: c.title, amount: c.cost, decidedBy: vote.id, at }
  })
  checkAllocations(fund, [...existing, ...added])
  return added
}
