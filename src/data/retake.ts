/**
 * Records quarantined only because what they rest on came later. A peer serves 200 records a batch,
 * in the order it last wrote them, and a file carries one tablet's writes: a supervisor's co-signature
 * can arrive before the person record with their newly signed roles, or before the key that signs it,
 * and is refused then (`act.not-entitled`, `act.unsigned`). The replication's checkpoint moves past it,
 * so that peer never serves it again. Once the tablet has stored what such a record rests on, the
 * entries whose refusal that could change are judged again through the same gate that refused them
 * (a device's signature, the village's rules for a record, the hub's rule for acts a person signs) and
 * those that pass now are stored and leave the quarantine; the others stay, with today's reason.
 *
 * Which refusals are judged again, and what stored record can change each: the shared rule
 * (src/shared/rejudge.ts), the hub's too.
 *
 * Bounded: one pass after each batch stored, over at most QUARANTINE_LIMIT entries (the quarantine's
 * size). A record this tablet holds in another version is left (the hub serves it): it takes only
 * records it does not hold, and drops an entry whose very record it now holds.
 */
import type { VillageDb } from './db'
import { canonicalJson } from './hash'
import { QUARANTINE_LIMIT, changeQuarantine, quarantined, type TabletQuarantineEntry } from './quarantine'
import { loadSigning } from './signingRule'
import { signingRefusals } from '@/shared/villagesigning'
import { rejudged } from '@/shared/rejudge'
import type { VoteTimes } from '@/shared/acceptance'
import type { HubKeys } from '@/shared/hubkeys'
import { signedContent } from '@/shared/provenance'
import { storedParams, type Refusal } from '@/shared/refusal'
import { envelopeOf, withoutStorage, type YishiDoc } from '@/shared/schemas'

/** The gate's checks before the signing rule: `from` is the entry's origin (`peer:<device>`, `file:<device>`), `vote` the tablet's stored votes. */
export type RetakeCheck = (doc: YishiDoc, from: string, vote: (id: string) => VoteTimes | null) => Promise<Refusal | null>

/** A record as signed by its device: every entry of it is settled together. */
const contentOf = (doc: unknown) => { const d = doc && typeof doc === 'object' ? envelopeOf(doc) : null; return d ? canonicalJson(signedContent(d)) : '' }
const sameSigned = (a: object, b: object) => canonicalJson(signedContent(a)) === canonicalJson(signedContent(b))

/**
 * Judges again the quarantined entries that the records just `stored` could make good (see the file
 * comment), stores those that pass and takes them out of the quarantine. The records taken, in the
 * quarantine's order.
 */
export async function retakeQuarantined(vdb: VillageDb, stored: readonly { kind?: unknown }[], check: RetakeCheck, hubKeys: HubKeys | null): Promise<YishiDoc[]> {
  const kinds = new Set(stored.map((d) => String(d.kind)))
  const seen = new Set<string>()
  const picked: { key: string; entry: TabletQuarantineEntry; doc: YishiDoc }[] = []
  for (const entry of (await quarantined(vdb)).slice(0, QUARANTINE_LIMIT)) {
    const doc = rejudged(entry, kinds) ? envelopeOf(entry.doc) : null
    const key = contentOf(doc)
    // the newest entry of a record stands for it (the same record refused twice is judged once)
    if (!doc || seen.has(key)) continue
    seen.add(key)
    picked.push({ key, entry, doc: withoutStorage(doc) })
  }
  if (picked.length === 0) return []
  const held = await vdb.docs.findByIds(picked.map((p) => p.doc.id)).exec()
  const votes = await vdb.docs.findByIds(picked.flatMap((p) => (p.doc.kind === 'ballot' || p.doc.kind === 'checkoff' ? [p.doc.ref] : []))).exec()
  const vote = (id: string): VoteTimes | null => {
    const v = votes.get(id)?.toJSON() as YishiDoc | undefined
    return v && v.kind === 'vote' && !v.refused ? (v.body as VoteTimes) : null
  }
  const settled = new Map<string, Refusal | null>()
  const judged: typeof picked = []
  for (const p of picked) {
    const mine = held.get(p.doc.id)?.toJSON() as YishiDoc | undefined
    if (mine) { if (!mine.refused && sameSigned(mine, p.doc)) settled.set(p.key, null); continue }
    const why = await check(p.doc, p.entry.from, vote)
    if (why) settled.set(p.key, why)
    else judged.push(p)
  }
  const docs = judged.map((p) => p.doc)
  const unsigned = signingRefusals(await loadSigning(vdb, docs, hubKeys), docs)
  const passing = judged.filter((p) => !unsigned.has(p.doc))
  for (const p of judged) { const why = unsigned.get(p.doc); if (why) settled.set(p.key, why) }
  const written = passing.length > 0 ? await vdb.docs.bulkInsert(passing.map((p) => p.doc)) : { success: [] }
  const taken = new Set(written.success.map((d) => d.primary))
  for (const p of passing) if (taken.has(p.doc.id)) settled.set(p.key, null)
  // entries kept meanwhile stay
  await changeQuarantine(vdb, (kept) => kept.flatMap((e): TabletQuarantineEntry[] => {
    const why = settled.get(contentOf(e.doc))
    if (why === null) return []
    return why ? [{ ...e, code: why.code, reason: why.reason, params: storedParams(why.params) }] : [e]
  }))
  return passing.filter((p) => taken.has(p.doc.id)).map((p) => p.doc)
}
