/**
 * What a tablet takes from another tablet or a file, and what it refuses.
 *
 * `checkIncoming(vdb, docs, trust)` applies to each record the same checks as the hub: the shared
 * schemas (`validateDocument`), the village, and where it came from (`recordProvenance`: signed,
 * unaltered, by an enrolled and unrevoked device of the village, or by the hub). A version this
 * tablet already holds is not checked again (an older unsigned record both tablets got from the hub
 * passes between them as "present"). A record that cannot be checked here — unsigned (written before
 * its device had a key), or any record while this tablet has no trust yet — is not taken and not
 * suspect (`unchecked`): it comes through the hub. A record that fails its check (altered, forged,
 * of a revoked or unknown device, of another village, invalid) is refused; refused records are kept
 * in the tablet's quarantine with their reason and origin (`quarantine`), never silently dropped; a
 * supervisor or the township can read them (`quarantined`). The quarantine is a local document (never replicated), bounded to the
 * newest QUARANTINE_LIMIT entries, each record kept up to QUARANTINE_DOC_CHARS characters.
 */
import { map, type Observable } from 'rxjs'
import type { VillageDb } from './db'
import { canonicalJson } from './hash'
import { envelopeOf, validateDocument, type YishiDoc } from '@/shared/schemas'
import { recordProvenance, signedContent, type Trust } from '@/shared/provenance'
import { refusal, storedParams, type Refusal, type RefusalCode, type RefusalParams } from '@/shared/refusal'

export const QUARANTINE_KEY = 'quarantine'
export const QUARANTINE_LIMIT = 200
export const QUARANTINE_DOC_CHARS = 20_000

export interface TabletQuarantineEntry {
  id: string
  /** where it came from: `file:<device>` or `peer:<device>` */
  from: string
  reason: string
  /** the refusal's code and params (src/shared/refusal.ts); absent in entries kept before codes */
  code?: RefusalCode
  params?: RefusalParams
  at: number
  /** the record as received (null when larger than QUARANTINE_DOC_CHARS) */
  doc: unknown
}

export type Refused = { id: string; doc: unknown } & Refusal
export interface IncomingCheck {
  /** records to take in (new, or another version of a record held here) */
  fresh: YishiDoc[]
  /** versions this tablet already holds */
  present: number
  /** records that cannot be checked here (unsigned, or no trust yet): they come through the hub */
  unchecked: Refused[]
  /** records that failed their check: to quarantine */
  refused: Refused[]
}


const sameVersion = (a: object, b: object) => canonicalJson(signedContent(a)) === canonicalJson(signedContent(b))

/** Checks records received from another tablet or a file (see the file comment). No trust (the tablet never reached the hub): everything new is refused. */
export async function checkIncoming(vdb: VillageDb, docs: readonly unknown[], trust: Trust | null): Promise<IncomingCheck> {
  const out: IncomingCheck = { fresh: [], present: 0, unchecked: [], refused: [] }
  const ids = docs.map((d) => String((d as { id?: unknown; _id?: unknown } | null)?.id ?? (d as { _id?: unknown } | null)?._id ?? ''))
  const held = await vdb.docs.findByIds(ids.filter((id) => id !== '')).exec()
  for (const [i, raw] of docs.entries()) {
    const id = ids[i] ?? ''
    const refuse = (why: Refusal, list = out.refused) => { list.push({ id, ...why, doc: raw }) }
    const valid = validateDocument(raw)
    if (!valid.ok) { refuse(refusal(valid.code, valid.reason, valid.params)); continue }
    const doc = envelopeOf(raw)
    if (!doc) { refuse(refusal('form.not-record', 'not a record')); continue }
    if (doc.village !== vdb.villageId) { refuse(refusal('record.other-village', `${id} belongs to village "${doc.village}", not "${vdb.villageId}"`, { village: doc.village, device: doc.device })); continue }
    const mine = held.get(id)
    if (mine && sameVersion(mine.toJSON(), doc) && (doc.refused === undefined || mine.refused !== undefined)) { out.present++; continue }
    if (!trust) { refuse(refusal('proof.no-trust', 'this tablet has not reached the hub yet, so it cannot check records from other tablets', { device: doc.device }), out.unchecked); continue }
    const p = await recordProvenance(doc, trust)
    if (!p.ok) { refuse(refusal(p.code, p.reason, p.params), p.unsigned ? out.unchecked : out.refused); continue }
    out.fresh.push(doc)
  }
  return out
}

/** Keeps refused records with their refusal (newest QUARANTINE_LIMIT entries). */
export async function quarantine(vdb: VillageDb, from: string, refused: readonly Refused[], at = Date.now()): Promise<void> {
  if (refused.length === 0) return
  const entries: TabletQuarantineEntry[] = refused.map((r) => {
    const text = JSON.stringify(r.doc ?? null)
    return { id: r.id, from, reason: r.reason, code: r.code, params: storedParams(r.params), at, doc: text.length <= QUARANTINE_DOC_CHARS ? r.doc : null }
  })
  await changeQuarantine(vdb, (kept) => [...entries, ...kept].slice(0, QUARANTINE_LIMIT))
}

const changing = new WeakMap<VillageDb, Promise<unknown>>()

/**
 * Changes the tablet's quarantine, one change at a time per tablet: records refused by a batch are
 * never lost to a pass that takes others out (retake.ts) reading the entries at the same time.
 */
export function changeQuarantine(vdb: VillageDb, change: (kept: TabletQuarantineEntry[]) => TabletQuarantineEntry[]): Promise<void> {
  const next = (changing.get(vdb) ?? Promise.resolve()).then(async () => {
    await vdb.db.upsertLocal(QUARANTINE_KEY, { entries: change(await quarantined(vdb)) })
  })
  changing.set(vdb, next.catch(() => undefined))
  return next
}

/** The tablet's quarantine, the newest batch first (a batch in the order received). */
export async function quarantined(vdb: VillageDb): Promise<TabletQuarantineEntry[]> {
  return (await vdb.db.getLocal<{ entries: TabletQuarantineEntry[] }>(QUARANTINE_KEY))?.get('entries') ?? []
}

/** The tablet's quarantine as it changes (see `quarantined`). */
export function quarantined$(vdb: VillageDb): Observable<TabletQuarantineEntry[]> {
  return vdb.db.getLocal$<{ entries: TabletQuarantineEntry[] }>(QUARANTINE_KEY).pipe(map((d) => d?.get('entries') ?? []))
}
