/**
 * Carrying data without a network, and keeping the tablet small.
 * - exportUnsynced: this device's writes the hub has not confirmed, as one JSON file signed with
 *   HMAC-SHA256 keyed by sha256(device secret) — the hub keeps exactly that hash of the secret,
 *   so an admin upload can verify which enrolled device made the file.
 * - importBundle: the same validation as a push; records already present are skipped, so
 *   importing twice changes nothing; a different version of an immutable record is a conflict
 *   (a voter checked off on two tablets shows up as a double vote), of a mutable one is merged by
 *   the same rule as sync. This tablet pushes imported records like its own; the hub takes them
 *   only once their own device has brought them (same version: nothing to do) — until the hub
 *   accepts relayed records, a record that reaches the hub first from another tablet is refused.
 * - archiveYear / openArchivedYear: a closed year leaves the tablet (it stays on the hub) and can
 *   be fetched again read-only.
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { createRxDatabase, type RxStorage } from 'rxdb'
import type { VillageDb } from './db'
import { DataError } from './errors'
import { canonicalJson, sha256Hex } from './hash'
import { resolveConflict, type ConflictSink } from './conflicts'
import { isImmutableKind, validateDocument, type YishiDoc } from '../shared/schemas'
import { COLLECTION_NAME, DOCS_SCHEMA } from './rxSchema'
import { SEQ_FLOOR_KEY, type Writer } from './writer'
import { ARCHIVED_YEARS_KEY, hubFetch, type HubCredentials } from './replication'

export const BUNDLE_FORMAT = 'yishi-export/1'

export interface ExportBundle {
  format: typeof BUNDLE_FORMAT
  village: string
  device: string
  createdAt: number
  /** highest seq of the device included */
  upToSeq: number
  docs: YishiDoc[]
  /** hex HMAC-SHA256 of canonicalJson({ format, village, device, createdAt, upToSeq, docs }), key = sha256(secret) hex */
  signature: string
}

function signingKey(secret: string): Uint8Array {
  return utf8ToBytes(bytesToHex(sha256(utf8ToBytes(secret))))
}

export function signBundle(unsigned: Omit<ExportBundle, 'signature'>, secret: string): ExportBundle {
  const signature = bytesToHex(hmac(sha256, signingKey(secret), utf8ToBytes(canonicalJson(unsigned))))
  return { ...unsigned, signature }
}

/** Verifies a bundle against the device's secret hash (what the hub stores). */
export function verifyBundle(bundle: ExportBundle, secretSha256Hex: string): boolean {
  const { signature, ...unsigned } = bundle
  const expected = bytesToHex(hmac(sha256, utf8ToBytes(secretSha256Hex), utf8ToBytes(canonicalJson(unsigned))))
  return expected === signature
}

/** This device's writes with seq above `afterSeq` (default: what the hub has not confirmed). */
export async function exportUnsynced(vdb: VillageDb, writer: Writer, credentials: HubCredentials, afterSeq: number, now = Date.now()): Promise<ExportBundle> {
  const found = await vdb.docs.find({ selector: { device: writer.deviceId, seq: { $gt: afterSeq } }, sort: [{ seq: 'asc' }] }).exec()
  const docs = found.map((d) => strip(d.toJSON() as YishiDoc))
  return signBundle({ format: BUNDLE_FORMAT, village: vdb.villageId, device: writer.deviceId, createdAt: now, upToSeq: docs.at(-1)?.seq ?? afterSeq, docs }, credentials.secret)
}

function strip(doc: YishiDoc): YishiDoc {
  const out = { ...doc } as Record<string, unknown>
  delete out._rev; delete out._meta; delete out._attachments; delete out._deleted
  return out as unknown as YishiDoc
}

export interface ImportReport { added: number; skipped: number; merged: number; conflicts: number; refused: { id: string; reason: string }[] }

/** Imports an export file on this tablet (see the file comment). */
export async function importBundle(vdb: VillageDb, raw: unknown): Promise<ImportReport> {
  const bundle = raw as Partial<ExportBundle>
  if (bundle?.format !== BUNDLE_FORMAT || !Array.isArray(bundle.docs)) throw new DataError('invalid', 'this file is not a Yishi export')
  if (bundle.village !== vdb.villageId) throw new DataError('invalid', `this file belongs to village "${String(bundle.village)}", not "${vdb.villageId}"`)
  const report: ImportReport = { added: 0, skipped: 0, merged: 0, conflicts: 0, refused: [] }
  const sink: ConflictSink = { pending: [], notify: () => {} }
  const existing = await vdb.docs.findByIds(bundle.docs.map((d) => d.id)).exec()
  const inserts: YishiDoc[] = []
  for (const doc of bundle.docs) {
    const ok = validateDocument(doc)
    if (!ok.ok) { report.refused.push({ id: String(doc?.id), reason: ok.reason }); continue }
    if (doc.village !== vdb.villageId || doc.device !== bundle.device) { report.refused.push({ id: doc.id, reason: 'not written by the device that made this file' }); continue }
    const cur = existing.get(doc.id)
    if (!cur) { inserts.push(strip(doc)); continue }
    const mine = cur.toJSON() as YishiDoc
    if (mine.device === doc.device && mine.seq >= doc.seq) { report.skipped++; continue }
    if (isImmutableKind(doc.kind)) {
      resolveConflict({ realMasterState: { ...mine, _deleted: false }, newDocumentState: { ...strip(doc), _deleted: false } }, sink)
      report.skipped++
      continue
    }
    const merged = resolveConflict({ realMasterState: { ...mine, _deleted: false }, newDocumentState: { ...strip(doc), _deleted: false } }, sink)
    if (merged !== undefined && canonicalJson(strip(merged)) !== canonicalJson(mine)) {
      await cur.incrementalModify(() => strip(merged))
      report.merged++
    } else report.skipped++
  }
  if (inserts.length > 0) {
    const res = await vdb.docs.bulkInsert(inserts)
    report.added += res.success.length
    report.skipped += res.error.length
  }
  report.conflicts = sink.pending.length
  if (report.conflicts > 0) { vdb.conflicts.pending.push(...sink.pending); vdb.conflicts.notify() }
  return report
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
      const batch = res.docs.filter((d) => d.year === opts.year && !d._deleted)
        .map(({ _id, _rev: _r, _conflicts: _c, ...rest }) => ({ ...rest, id: _id }) as unknown as YishiDoc)
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
