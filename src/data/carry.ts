/**
 * Carrying data without a network, and keeping the tablet small.
 * - exportUnsynced: this device's writes the hub has not confirmed, as one JSON file
 *   (`yishi-export/2`) with the device's certificate, signed with the device key. Every record in it
 *   carries its own device signature, so the file is one more path for the same records under the
 *   same rule as a push or a peer (src/shared/provenance.ts): anyone of the village may bring it.
 * - importBundle: the checks of `checkIncoming` (schemas, village, signature of each record's
 *   device; refused ones go to the tablet's quarantine with their reason); records already present
 *   are skipped, so importing twice changes nothing; a different version of an immutable record is a
 *   conflict (a voter checked off on two tablets shows up as a double vote), of a mutable one is
 *   merged by the same rule as sync. This tablet then pushes the imported records, and the hub takes
 *   them on their device's signature. Records quarantined earlier for lack of what the file brings
 *   (a co-signature before its signer's key) are judged again and taken when they pass now (retake.ts).
 *   A file of an older version (`yishi-export/1`, unsigned records)
 *   can only be taken by the hub (`POST /couch/_hub/import` checks it against its device's secret).
 * - archiveYear / openArchivedYear: a closed year leaves the tablet (it stays on the hub) and can
 *   be fetched again read-only.
 */
import { refusal, type Refusal } from '@/shared/refusal'
import { recordRefusal } from '@/shared/acceptance'
import { createRxDatabase, type RxStorage } from 'rxdb'
import type { VillageDb } from './db'
import { DataError } from './errors'
import { canonicalJson, sha256Hex } from './hash'
import { resolveConflict, type ConflictSink } from './conflicts'
import { checkIncoming, quarantine } from './quarantine'
import { envelopeOf, isImmutableKind, withoutStorage, type YishiDoc } from '@/shared/schemas'
import { verifySigned, type DeviceCertificate, type Signer, type TrustStore } from '@/shared/provenance'
import { COLLECTION_NAME, DOCS_SCHEMA } from './rxSchema'
import { SEQ_FLOOR_KEY, type Writer } from './writer'
import { ARCHIVED_YEARS_KEY, hubFetch, type HubCredentials } from './replication'
import { loadSigning } from './signingRule'
import { signingRefusals } from '@/shared/villagesigning'
import { retakeQuarantined, type RetakeCheck } from './retake'

export const BUNDLE_FORMAT = 'yishi-export/2'

export interface ExportBundle {
  format: typeof BUNDLE_FORMAT
  village: string
  device: string
  createdAt: number
  /** highest seq of the device included */
  upToSeq: number
  docs: YishiDoc[]
  /** the device's certificate from the hub (null before the tablet first reached the hub with its key) */
  certificate: DeviceCertificate | null
  /** the device key's Ed25519 signature (base64url) over canonicalJson of every other field */
  signature: string
}

/** True when the device key named by the file's certificate (or `publicKey`) signed the file as it is. */
export function verifyBundle(bundle: ExportBundle, publicKey = bundle.certificate?.publicKey): Promise<boolean> {
  const { signature, ...unsigned } = bundle
  return verifySigned(unsigned, signature, publicKey)
}

/** This device's writes with seq above `afterSeq` (default: what the hub has not confirmed), signed with its key. */
export async function exportUnsynced(vdb: VillageDb, writer: Writer, key: { signer: Signer; certificate: DeviceCertificate | null }, afterSeq: number, now = Date.now()): Promise<ExportBundle> {
  const found = await vdb.docs.find({ selector: { device: writer.deviceId, seq: { $gt: afterSeq } }, sort: [{ seq: 'asc' }] }).exec()
  const docs = found.map((d) => withoutStorage(d.toJSON() as YishiDoc))
  const unsigned: Omit<ExportBundle, 'signature'> = { format: BUNDLE_FORMAT, village: vdb.villageId, device: writer.deviceId, createdAt: now, upToSeq: docs.at(-1)?.seq ?? afterSeq, docs, certificate: key.certificate }
  return { ...unsigned, signature: await key.signer.sign(unsigned) }
}


export interface ImportReport { added: number; skipped: number; merged: number; conflicts: number; refused: ({ id: string } & Refusal)[] }

/**
 * Imports an export file on this tablet (see the file comment). `trust`: what this tablet trusts
 * (devicekeys.ts `loadTrust`); the file's certificate is added to it when the hub issued it.
 */
export async function importBundle(vdb: VillageDb, raw: unknown, trust: TrustStore | null): Promise<ImportReport> {
  const bundle = raw as Partial<ExportBundle> & { format?: unknown }
  if ((bundle?.format !== BUNDLE_FORMAT && bundle?.format !== 'yishi-export/1') || !Array.isArray(bundle.docs)) throw new DataError('invalid', 'this file is not a Yishi export')
  if (bundle.village !== vdb.villageId) throw new DataError('invalid', `this file belongs to village "${String(bundle.village)}", not "${vdb.villageId}"`)
  if (bundle.format === BUNDLE_FORMAT && trust) {
    if (bundle.certificate) {
      const problem = await trust.addCertificate(bundle.certificate)
      if (problem) throw new DataError('invalid', `this file's tablet cannot be trusted: ${problem}`)
    }
    const key = trust.devices.get(String(bundle.device))?.publicKey
    if (key && !(await verifyBundle(bundle as ExportBundle, key))) throw new DataError('invalid', 'this file was changed after its tablet made it')
  }
  const report: ImportReport = { added: 0, skipped: 0, merged: 0, conflicts: 0, refused: [] }
  // a merged version is a new write of this tablet: stamped, signed and audited by its writer
  const sink: ConflictSink = { pending: [], notify: () => {}, ...(vdb.conflicts.restamp ? { restamp: vdb.conflicts.restamp } : {}) }
  const checked = await checkIncoming(vdb, bundle.docs, trust)
  // acts a person signs, person keys and roles, as the hub judges them (signingRule.ts; a refusal mark is the hub's word already)
  const judged = checked.fresh.filter((doc) => !doc.refused)
  const unsigned = trust ? signingRefusals(await loadSigning(vdb, judged, { current: trust.hubKey, retired: trust.retired ?? [] }), judged) : new Map()
  for (const [doc, why] of unsigned) checked.refused.push({ id: doc.id, ...why, doc })
  checked.fresh = checked.fresh.filter((doc) => !unsigned.has(doc))
  report.skipped += checked.present
  // what could not be checked here is not taken either (it comes through the hub), but is not suspect
  report.refused = [...checked.refused, ...checked.unchecked].map(({ doc: _doc, ...r }) => r)
  await quarantine(vdb, `file:${String(bundle.device)}`, checked.refused)
  const existing = await vdb.docs.findByIds(checked.fresh.map((d) => d.id)).exec()
  const inserts: YishiDoc[] = []
  for (const doc of checked.fresh) {
    const cur = existing.get(doc.id)
    if (!cur) { inserts.push(withoutStorage(doc)); continue }
    const mine = cur.toJSON() as YishiDoc
    if (mine.device === doc.device && mine.seq >= doc.seq) { report.skipped++; continue }
    if (isImmutableKind(doc.kind)) {
      resolveConflict({ realMasterState: { ...mine, _deleted: false }, newDocumentState: { ...withoutStorage(doc), _deleted: false } }, sink)
      report.skipped++
      continue
    }
    const merged = resolveConflict({ realMasterState: { ...mine, _deleted: false }, newDocumentState: { ...withoutStorage(doc), _deleted: false } }, sink)
    if (merged !== undefined && canonicalJson(withoutStorage(merged)) !== canonicalJson(mine)) {
      await cur.incrementalModify(() => withoutStorage(merged))
      report.merged++
    } else report.skipped++
  }
  if (inserts.length > 0) {
    const res = await vdb.docs.bulkInsert(inserts)
    report.added += res.success.length
    report.skipped += res.error.length
  }
  // what the file brought can make good records quarantined earlier for lack of it (retake.ts)
  if (trust && inserts.length > 0) await retakeQuarantined(vdb, inserts, fileCheck(vdb, trust), { current: trust.hubKey, retired: trust.retired ?? [] })
  report.conflicts = sink.pending.length
  if (report.conflicts > 0) { vdb.conflicts.pending.push(...sink.pending); vdb.conflicts.notify() }
  return report
}

/** A quarantined record judged again as a file's records are (`checkIncoming`), and by the village's rules for a record. */
function fileCheck(vdb: VillageDb, trust: TrustStore): RetakeCheck {
  return async (doc, _from, vote) => {
    const checked = await checkIncoming(vdb, [doc], trust)
    const why = checked.refused[0] ?? checked.unchecked[0]
    if (why) return refusal(why.code, why.reason, why.params)
    return recordRefusal(doc, { village: vdb.villageId, current: null, vote, receiver: 'this tablet' })
  }
}

/** A council year with records on this tablet. */
export interface TabletYear { year: number; count: number; closed: boolean }

/** A year is closed (may be archived) once the calendar has moved past it. */
export function isClosedYear(year: number, now = Date.now()): boolean {
  return year < new Date(now).getFullYear()
}

/** The years this tablet holds records of, newest first, with how many records each. */
export async function yearsOnTablet(vdb: VillageDb, now = Date.now()): Promise<TabletYear[]> {
  const out: TabletYear[] = []
  // walk the (year, kind) index from the newest year down: one query per year held
  let below = Number.POSITIVE_INFINITY
  for (let guard = 0; guard < 200; guard++) {
    const next = await vdb.docs.findOne({ selector: { year: { $lt: below } }, sort: [{ year: 'desc' }, { kind: 'desc' }] }).exec()
    if (!next) break
    const year = next.year
    out.push({ year, count: await vdb.docs.count({ selector: { year } }).exec(), closed: isClosedYear(year, now) })
    below = year
  }
  return out
}

/** Years archived off this tablet (they stay on the hub). */
export async function archivedYears(vdb: VillageDb): Promise<number[]> {
  return (await vdb.db.getLocal<{ years: number[] }>(ARCHIVED_YEARS_KEY))?.get('years') ?? []
}

/**
 * Removes a closed year from this tablet (the hub keeps it), deletion markers included, so the
 * tablet really shrinks. Refuses a year that is not over, and while any of this device's records
 * of that year are not yet confirmed by the hub.
 */
export async function archiveYear(vdb: VillageDb, writer: Writer, year: number, ackedSeq: number, now = Date.now()): Promise<number> {
  if (!isClosedYear(year, now)) throw new DataError('invalid', `${year} is not over yet: only a past year can be archived`, { reason: 'open-year', year })
  // (device, seq) is indexed; a count() that also filters on year is not fully indexed (RxDB QU14)
  const unsynced = (await vdb.docs.find({ selector: { device: writer.deviceId, seq: { $gt: ackedSeq } } }).exec()).filter((d) => d.year === year).length
  if (unsynced > 0) throw new DataError('invalid', `${unsynced} records of ${year} have not reached the hub yet: sync first`, { reason: 'unsynced', year, count: unsynced })
  const head = writer.chainHead
  await vdb.db.upsertLocal(SEQ_FLOOR_KEY, { seq: writer.lastSeq, n: head.n, hash: head.hash })
  // marked first: from now on the pull takes records of this year as deleted (replication.ts)
  const archived = new Set(await archivedYears(vdb))
  archived.add(year)
  await vdb.db.upsertLocal(ARCHIVED_YEARS_KEY, { years: [...archived].sort() })
  const docs = await vdb.docs.find({ selector: { year } }).exec()
  const ids = docs.map((d) => d.primary)
  for (let i = 0; i < ids.length; i += 500) await vdb.docs.bulkRemove(ids.slice(i, i + 500))
  await purgeDeleted(vdb)
  return ids.length
}

/**
 * Drops the deletion markers RxDB keeps after a remove (for replication). This is what RxDB's
 * cleanup plugin runs in the background (`storageInstance.cleanup`), called once, now, for
 * every deleted record: deletions are never pushed (replication.ts), so nothing waits for them.
 */
async function purgeDeleted(vdb: VillageDb): Promise<void> {
  // the storages purge markers deleted strictly before "now - 0": step past this millisecond
  await new Promise((resolve) => setTimeout(resolve, 2))
  for (let round = 0; round < 100; round++) if (await vdb.docs.storageInstance.cleanup(0)) return
}

/** An archived year fetched back from the hub: read-only, on this tablet only while it is open. */
export interface ArchivedYear {
  year: number
  /** how many records the hub holds for that year */
  total: number
  /** records of the year (refused ones left out), optionally of one kind */
  list(kind?: YishiDoc['kind']): Promise<YishiDoc[]>
  close(): Promise<void>
}

/**
 * Fetches an archived year from the hub (`GET /couch/village-<id>/_year/<year>`, pages of 500)
 * into a separate, read-only, not replicated database. Needs the network (throws HubError
 * otherwise). Close it when done.
 */
export async function openArchivedYear(opts: {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  villageId: string; year: number; hubUrl: string; credentials: HubCredentials; storage: RxStorage<any, any>; fetch?: typeof fetch; pageSize?: number
}): Promise<ArchivedYear> {
  const abort = new AbortController()
  const f = hubFetch(opts.credentials, opts.fetch ?? globalThis.fetch.bind(globalThis), abort.signal, () => {})
  const base = `${opts.hubUrl.replace(/\/$/, '')}/couch/village-${opts.villageId}/_year/${opts.year}?limit=${opts.pageSize ?? 500}`
  // the first page before anything is created here: no network, no empty database left behind
  let res = await (await f(base)).json() as { total: number; docs: Record<string, unknown>[]; next: string | null }
  const db = await createRxDatabase<Record<string, never>>({ name: `yishi-${opts.villageId}-archive-${opts.year}-${sha256Hex(String(Math.random())).slice(0, 6)}`, storage: opts.storage, multiInstance: false })
  try {
    const { docs } = await db.addCollections({ [COLLECTION_NAME]: { schema: DOCS_SCHEMA } })
    for (let page = 0; page < 10_000; page++) {
      const batch = res.docs.flatMap((raw) => {
        const d = raw._deleted ? null : envelopeOf(raw)
        return d && d.year === opts.year ? [d] : []
      })
      if (batch.length > 0) await docs!.bulkUpsert(batch)
      if (!res.next) break
      res = await (await f(`${base}&after=${encodeURIComponent(res.next)}`)).json() as typeof res
    }
    const total = res.total
    return {
      year: opts.year,
      total,
      async list(kind) {
        const found = await docs!.find(kind ? { selector: { kind } } : {}).exec()
        return found.map((d) => d.toJSON() as YishiDoc).filter((d) => !d.refused)
      },
      close: async () => { await db.remove() },
    }
  } catch (e) {
    await db.remove().catch(() => undefined)
    throw e
  }
}
