/**
 * Typed views of a village's replicated records (the envelope and bodies of
 * src/data/schemas), for the township summary. Plain TypeScript: the hub imports it.
 */
import type { YishiDoc } from '../schemas/envelope'

export type Doc = YishiDoc<YishiDoc['kind'], Record<string, unknown>>

const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d)
const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d)
const bool = (v: unknown): boolean => v === true

export interface VillageRecords {
  villageId: string
  name: string
  townshipId: string
  townshipName: string
  docs: Doc[]
  byKind: Map<string, Doc[]>
  byId: Map<string, Doc>
  /** Children by parent id (`ref`). */
  byRef: Map<string, Doc[]>
}

/** A document as the hub stores it (`_id`, `_rev`; RxDB's plugin moves `id` to `_id`) → envelope. */
export function fromCouch(raw: Record<string, unknown>): Doc {
  const { _id, _rev: _r, _deleted: _d, ...rest } = raw
  return { ...(rest as unknown as Doc), id: typeof rest.id === 'string' ? rest.id : String(_id) }
}

/** Indexes a village's documents; refused documents (never accepted by the hub) are left out. */
export function indexRecords(villageId: string, docs: readonly Doc[]): VillageRecords {
  const byKind = new Map<string, Doc[]>()
  const byId = new Map<string, Doc>()
  const byRef = new Map<string, Doc[]>()
  const live = docs.filter((d) => !d.refused && d.village === villageId)
  for (const d of live) {
    byId.set(d.id, d)
    const k = byKind.get(d.kind) ?? []
    k.push(d)
    byKind.set(d.kind, k)
    if (d.ref) {
      const r = byRef.get(d.ref) ?? []
      r.push(d)
      byRef.set(d.ref, r)
    }
  }
  const village = byKind.get('village')?.[0]
  return {
    villageId,
    name: str(village?.body.name, villageId),
    townshipId: str(village?.body.township),
    townshipName: str(village?.body.townshipName),
    docs: live,
    byKind, byId, byRef,
  }
}

export function kind(r: VillageRecords, k: string): Doc[] {
  return r.byKind.get(k) ?? []
}

export function children(r: VillageRecords, parentId: string, k?: string): Doc[] {
  const all = r.byRef.get(parentId) ?? []
  return k ? all.filter((d) => d.kind === k) : all
}

export interface VoteOption { id: string; label: string; cost: number; proposal: string }
export interface VoteView {
  id: string; title: string; method: string; status: string; budget: number; eligible: number
  maxChoices: number; options: VoteOption[]; closedAt: number | null; ruleName: string
}

export function voteView(d: Doc): VoteView {
  const b = d.body
  const options = Array.isArray(b.options) ? (b.options as Record<string, unknown>[]) : []
  const method = str(b.method, 'approval')
  return {
    id: d.id,
    title: str(b.title),
    method,
    status: str(b.status),
    budget: num(b.budget),
    eligible: num(b.eligible),
    maxChoices: num(b.maxChoices),
    options: options.map((o) => ({ id: str(o.id), label: str(o.label), cost: num(o.cost), proposal: str(o.proposal) })),
    closedAt: str(b.status) === 'closed' ? d.deviceTime : null,
    ruleName: method === 'equal-shares' ? 'mes' : 'greedy',
  }
}

/** Counted ballots of a vote: choices of ballots not blank or spoiled. */
export function ballotsOf(r: VillageRecords, voteId: string): string[][] {
  return children(r, voteId, 'ballot')
    .filter((b) => !bool(b.body.blank) && !bool(b.body.spoiled))
    .map((b) => (Array.isArray(b.body.choices) ? (b.body.choices as unknown[]).map((c) => str(c)) : []))
}

export { str, num, bool }
