import { createHash, randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { idRest, validateDocument } from '../../src/shared/schemas/index'
import { EngineError, type Engine } from '../engine'
import type { Principal } from '../auth/accounts'
import { villageOf } from '../auth/access'
import { LIMITS, type Counters } from '../limits'
import { tooMany } from './errors'
import { isRefusalCode, storedParams, type Refusal, type RefusalCode, type RefusalParams } from '../../src/shared/refusal'
import { REJUDGING_KINDS, rejudged } from '../../src/shared/rejudge'

export const QUARANTINE_DB = 'hub-quarantine'

type Doc = Record<string, unknown> & { _id?: string; _rev?: string; _deleted?: boolean }

export type QuarantineEntry = {
  _id: string; _rev?: string
  db: string; docId: string; doc: Doc; reason: string
  /** the refusal's code and params (src/shared/refusal.ts); absent in entries of hubs before codes */
  code?: RefusalCode; params?: RefusalParams
  principal: string; device: string; at: number
  released: boolean; releasedAt?: number; releasedBy?: string
}

/** A refused document and why (its code, params and reason). */
export type RefusedDoc = Refusal & { doc: Doc }
type Weighed = RefusedDoc & { digest: string; bytes: number }

/**
 * The last refusal of one id from one writer: which entry holds it and a digest of its content, so
 * a tablet that sends the same refused record again (RxDB retries) is not quarantined twice, and the
 * hub can give that writer — and only that writer — its record back marked refused.
 */
type LastRefusal = { _id: string; _rev?: string; entry: string; digest: string; reason: string; code?: RefusalCode; params?: RefusalParams; at: number }

/** The hub's own quarantine documents, read back: checked field by field (a wrong shape is left out, never trusted). */
const isString = (v: unknown): v is string => typeof v === 'string'
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v)
function codeOf(v: Doc): Pick<LastRefusal, 'code' | 'params'> {
  return { ...(isRefusalCode(v.code) ? { code: v.code } : {}), ...(v.params !== undefined ? { params: storedParams(v.params) } : {}) }
}
function asEntry(v: unknown): QuarantineEntry | null {
  if (!isObject(v) || !isString(v._id) || !isString(v.db) || !isString(v.docId) || !isObject(v.doc) || !isString(v.reason)
    || !isString(v.principal) || !isString(v.device) || typeof v.at !== 'number') return null
  const { _id, db, docId, doc, reason, principal, device, at } = v
  return {
    _id, ...(isString(v._rev) ? { _rev: v._rev } : {}), db, docId, doc, reason, ...codeOf(v), principal, device, at, released: v.released === true,
    ...(typeof v.releasedAt === 'number' ? { releasedAt: v.releasedAt } : {}), ...(isString(v.releasedBy) ? { releasedBy: v.releasedBy } : {}),
  }
}
function asLastRefusal(v: unknown): LastRefusal | null {
  if (!isObject(v) || !isString(v._id) || !isString(v.entry) || !isString(v.digest) || !isString(v.reason) || typeof v.at !== 'number') return null
  const { _id, entry, digest, reason, at } = v
  return { _id, ...(isString(v._rev) ? { _rev: v._rev } : {}), entry, digest, reason, ...codeOf(v), at }
}

const ENTRY = 'q:'
const LAST = 'last:'
const RELEASED = 'released:'
/**
 * `retry:<entry id>`: an unreleased entry a later record could make good (src/shared/rejudge.ts), with
 * its code and params — so a pass reads only those, newest first (entry ids sort by database and time),
 * never the village's other refusals.
 */
const RETRY = 'retry:'
/** Written once the retry marks of entries kept before them were made. */
const RETRY_INDEX = 'retry-index'
/** Quarantine entries are named `q:<db>:<time>:<random>`: counted and listed per database without reading them. */
const entryId = (db: string, at: number) => `${ENTRY}${db}:${at.toString(36).padStart(9, '0')}:${randomBytes(6).toString('hex')}`
const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const lastId = (db: string, principal: string, docId: string) => `${LAST}${db}|${principal}|${sha(docId).slice(0, 40)}`
/** The refused content, bookkeeping aside (the same record sent again has the same digest), and its size. */
function weigh(doc: Doc): { digest: string; bytes: number } {
  const { _rev: _r, _revisions: _v, ...rest } = doc
  const json = JSON.stringify(rest)
  return { digest: sha(json), bytes: json.length }
}
const bytesOf = (doc: Doc) => JSON.stringify(doc).length

/**
 * The hub's quarantine: every refused document, kept with its reason, writer and time (nothing is
 * lost; the admin may release one). A refusal writes nothing under the refused id in the village
 * database — it can neither squat an id another tablet needs nor reach other tablets: they pull a
 * small `rejection` notice naming the id and the reason, never the content. Each writer's share of
 * quarantine writes is bounded per window (limits.ts).
 */
export class Quarantine {
  /** The hub's own write sequence for notices: tenths of a second since the epoch, strictly increasing. */
  private hubSeq = 0

  /** `sign`: signs the hub's own records (notices, refusal marks) with the hub's key before they leave (validate/signature.ts). */
  constructor(private readonly engine: Engine, private readonly counters: Counters, private readonly log: FastifyBaseLogger,
    private readonly sign: (docs: Doc[]) => Promise<void> = async () => undefined) {}

  private get db() { return this.engine.db(QUARANTINE_DB) }

  async init(): Promise<void> {
    await this.engine.create(QUARANTINE_DB)
    await this.renameOldEntries()
    await this.markOldRetries()
  }

  /** Entries kept before retry marks existed get theirs once, found through each writer's last refusal of each id. */
  private async markOldRetries(): Promise<void> {
    if (await this.db.get(RETRY_INDEX).catch(() => null)) return
    const pointers = (await this.db.allDocs({ startkey: LAST, endkey: `${LAST}\ufff0`, include_docs: true })).rows
      .map((r) => asLastRefusal('doc' in r ? r.doc : null)).filter((l): l is LastRefusal => l !== null && rejudged(l, REJUDGING_KINDS))
    const released = new Set((await this.db.allDocs({ startkey: `${RELEASED}${ENTRY}`, endkey: `${RELEASED}${ENTRY}\ufff0` })).rows.map((r) => r.key.slice(RELEASED.length)))
    const marks = pointers.filter((l) => !released.has(l.entry)).map((l) => retryMark(l.entry, l))
    // another hub process on the same CouchDB may be doing the same: the same ids, one write wins
    await this.inSlices(this.db, [...marks, { _id: RETRY_INDEX, at: Date.now() }], 'could not mark a quarantine entry to be judged again')
    if (marks.length > 0) this.log.info({ entries: marks.length }, 'quarantine entries marked to be judged again')
  }

  /** Entries of earlier hubs were named `q:<time>:<random>`, with `released` inside: renamed once by database. */
  private async renameOldEntries(): Promise<void> {
    const old = (await this.db.allDocs({ startkey: ENTRY, endkey: `${ENTRY}\ufff0` })).rows.filter((r) => r.key.split(':').length === 3)
    for (let i = 0; i < old.length; i += 100) {
      const page = await this.db.allDocs({ keys: old.slice(i, i + 100).map((r) => r.key), include_docs: true })
      const writes: Record<string, unknown>[] = []
      for (const row of page.rows) {
        const e = 'doc' in row ? asEntry(row.doc) : null
        if (!e) continue
        const { _id, _rev, released, releasedAt, releasedBy, ...rest } = e
        const id = entryId(e.db, e.at)
        writes.push({ ...rest, _id: id, released: false }, { _id, _rev, _deleted: true })
        if (released) writes.push({ _id: `${RELEASED}${id}`, by: releasedBy ?? '', at: releasedAt ?? 0 })
      }
      await this.db.bulkDocs(writes as never)
    }
    if (old.length > 0) this.log.info({ entries: old.length }, 'quarantine entries renamed by database')
  }

  /**
   * Admits `refused` (pushed by `p` to `dbName`) into the quarantine: those already quarantined
   * unchanged for this writer are left out (their earlier reason stands); for the rest the writer's
   * share is taken, or a 429 is thrown before anything is written. Returns what to keep.
   */
  async admit(p: Principal, dbName: string, refused: RefusedDoc[]): Promise<{ fresh: Weighed[]; last: Map<string, LastRefusal> }> {
    const ids = refused.map((r) => lastId(dbName, p.name, String(r.doc._id ?? '')))
    const last = await this.pointers([...new Set(ids)])
    const weighed: Weighed[] = refused.map((r) => ({ ...r, ...weigh(r.doc) }))
    const fresh = weighed.filter((r, i) => last.get(ids[i]!)?.digest !== r.digest)
    if (fresh.length === 0) return { fresh, last }
    const { quarantinePerWindow: max, quarantineBytesPerWindow: maxBytes, quarantineWindowMs: window } = LIMITS
    const wait = await this.counters.take([{ key: `q#${p.name}`, max }], fresh.length, window)
    if (wait > 0) throw tooMany(`this device has had more than ${max} records refused within the hour; wait before sending more`, wait)
    const bytes = fresh.reduce((n, r) => n + r.bytes, 0)
    const waitBytes = await this.counters.take([{ key: `qb#${p.name}`, max: maxBytes }], bytes, window)
    if (waitBytes > 0) {
      await this.counters.give([`q#${p.name}`], fresh.length)
      throw tooMany(`this device has had more than ${maxBytes / 1024 / 1024} MB of records refused within the hour; wait before sending more`, waitBytes)
    }
    return { fresh, last }
  }

  /** Keeps what `admit` let in: quarantine entries, the writer's last refusal per id, and a notice per record in its village. */
  /** The writer's last refusals under these pointer ids (the engine's cheapest keyed read: point reads locally, one request to CouchDB). */
  private async pointers(ids: string[]): Promise<Map<string, LastRefusal>> {
    const out = new Map<string, LastRefusal>()
    if (ids.length === 0) return out
    for (const r of (await this.db.byKeys(ids, { include_docs: true })).rows) {
      const l = asLastRefusal(r.doc)
      if (l) out.set(r.key, l)
    }
    return out
  }

  async keep(p: Principal, dbName: string, village: string, admitted: { fresh: Weighed[]; last: Map<string, LastRefusal> }): Promise<void> {
    const { fresh, last } = admitted
    if (fresh.length === 0) return
    const at = Date.now()
    const writes: Record<string, unknown>[] = []
    const pointers = new Map<string, LastRefusal>()
    for (const { doc, reason, code, params, digest } of fresh) {
      const docId = String(doc._id ?? '')
      const kept = { code, params: storedParams(params) }
      const entry: QuarantineEntry = {
        _id: entryId(dbName, at), db: dbName, docId, doc, reason, ...kept, principal: p.name,
        device: p.kind === 'device' ? p.name : typeof doc.device === 'string' ? doc.device : p.name, at, released: false,
      }
      writes.push(entry)
      if (rejudged(kept, REJUDGING_KINDS)) writes.push(retryMark(entry._id, kept))
      const id = lastId(dbName, p.name, docId)
      const rev = pointers.get(id)?._rev ?? last.get(id)?._rev
      pointers.set(id, { _id: id, ...(rev ? { _rev: rev } : {}), entry: entry._id, digest, reason: reason.slice(0, 500), ...kept, at })
    }
    writes.push(...pointers.values())
    await this.inSlices(this.db, writes, 'could not write a quarantine entry')
    const notices = fresh.map((r) => this.notice(village, r, at)).filter((n): n is Doc => n !== null)
    await this.sign(notices)
    await this.inSlices(this.engine.db(dbName), notices, 'could not write a rejection notice')
    this.log.info({ db: dbName, principal: p.name, refused: fresh.map((r) => ({ id: String(r.doc._id ?? '').slice(0, 160), code: r.code, reason: r.reason })) }, 'documents quarantined')
  }

  /** Writes a hundred documents at a time, letting other requests be served in between (PouchDB's bulk writes are synchronous work). */
  private async inSlices(db: ReturnType<Engine['db']>, docs: Record<string, unknown>[], failure: string): Promise<void> {
    for (let i = 0; i < docs.length; i += 100) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve))
      const slice = docs.slice(i, i + 100)
      const res = await db.bulkDocs(slice as never)
      res.forEach((r, j) => { if (!('ok' in r && r.ok)) this.log.warn({ id: slice[j]?._id, err: r }, failure) })
    }
  }

  /** `p`'s last refusal of `docId` in `dbName` (for an answer to a record sent again); a pointer of a hub before codes says `other`. */
  static lastRefusal(admitted: { last: Map<string, LastRefusal> }, dbName: string, p: Principal, docId: string): Refusal | undefined {
    const l = admitted.last.get(lastId(dbName, p.name, docId))
    return l ? { code: l.code ?? 'other', params: l.params ?? {}, reason: l.reason } : undefined
  }

  /**
   * The records `principal` sent under `ids` that the hub refused, as the hub answers that writer's
   * re-read after a conflict: its own content, marked `refused` with the reason. RxDB takes this
   * version and its push loop ends; nobody else is ever given it.
   */
  async recall(dbName: string, principal: string, ids: string[]): Promise<Map<string, Doc>> {
    const out = new Map<string, Doc>()
    if (ids.length === 0) return out
    const last = [...(await this.pointers(ids.map((id) => lastId(dbName, principal, id)))).values()]
    for (const l of last) {
      const e = asEntry(await this.db.get(l.entry).catch(() => null))
      if (!e || e.released || (await this.db.get(`${RELEASED}${l.entry}`).catch(() => null))) continue
      const { _rev: _r, _revisions: _v, _deleted: _d, _attachments: _a, ...rest } = e.doc
      out.set(e.docId, { ...rest, _id: e.docId, _rev: `1-${sha(e._id).slice(0, 32)}`, refused: { reason: l.reason, at: l.at } })
    }
    await this.sign([...out.values()])
    return out
  }

  /** Unreleased entries of `dbName`, counted from their ids alone. */
  async count(dbName: string): Promise<number> {
    const range = async (prefix: string) => (await this.db.allDocs({ startkey: prefix, endkey: `${prefix}\ufff0` })).rows.length
    return (await range(`${ENTRY}${dbName}:`)) - (await range(`${RELEASED}${ENTRY}${dbName}:`))
  }

  /** Quarantined documents, newest first (admin), up to `limit` entries and the hub's answer size. */
  async list(opts: { db?: string; includeReleased?: boolean; limit?: number } = {}): Promise<QuarantineEntry[]> {
    const prefix = opts.db ? `${ENTRY}${opts.db}:` : ENTRY
    const ids = (await this.db.allDocs({ startkey: prefix, endkey: `${prefix}\ufff0` })).rows.map((r) => r.key)
    // who released each (the admin, or `hub` when it took the record itself) and when: small marks, read only when released entries are listed
    const marks = (await this.db.allDocs({ startkey: `${RELEASED}${prefix}`, endkey: `${RELEASED}${prefix}\ufff0`, include_docs: opts.includeReleased === true })).rows
    const released = new Map(marks.map((r) => { const m = ('doc' in r ? r.doc : null) as { by?: unknown; at?: unknown } | null | undefined; return [r.key.slice(RELEASED.length), m] as const }))
    const time = (id: string) => id.split(':')[2] ?? ''
    const wanted = ids.filter((id) => opts.includeReleased || !released.has(id)).sort((a, b) => (time(a) < time(b) ? 1 : time(a) > time(b) ? -1 : 0))
      .slice(0, Math.max(1, Math.min(opts.limit ?? 500, 5000)))
    const out: QuarantineEntry[] = []
    let bytes = 0
    for (let i = 0; i < wanted.length && bytes < LIMITS.responseBytes; i += 50) {
      const page = await this.db.allDocs({ keys: wanted.slice(i, i + 50), include_docs: true })
      for (const row of page.rows) {
        const e = 'doc' in row ? asEntry(row.doc) : null
        if (!e || bytes >= LIMITS.responseBytes) continue
        bytes += bytesOf(e.doc)
        const mark = released.get(e._id)
        out.push(released.has(e._id) ? { ...e, released: true, ...(typeof mark?.by === 'string' ? { releasedBy: mark.by } : {}), ...(typeof mark?.at === 'number' ? { releasedAt: mark.at } : {}) } : e)
      }
    }
    return out
  }

  /** One entry, with its release state. */
  async get(entryId: string): Promise<QuarantineEntry> {
    const e = asEntry(await this.db.get(entryId))
    if (!e) throw new EngineError(404, 'not_found', `no quarantine entry ${entryId}`)
    const mark = await this.db.get(`${RELEASED}${entryId}`).catch(() => null) as { by?: string; at?: number } | null
    return mark ? { ...e, released: true, releasedBy: mark.by ?? '', releasedAt: mark.at ?? 0 } : e
  }

  /** Marks an entry released (the admin wrote it into its database). */
  async markReleased(entryId: string, by: string): Promise<void> {
    await this.db.put({ _id: `${RELEASED}${entryId}`, by, at: Date.now() } as never)
    await this.dropRetries([entryId])
  }

  /**
   * Unreleased entries of `dbName` whose refusal storing records of `kinds` could change
   * (src/shared/rejudge.ts), newest first, at most `max`: read through their retry marks, a page at a
   * time. A mark whose entry was released, or replaced by its writer sending the same id again (its last
   * refusal names another entry), is dropped as it is met.
   */
  async rejudgeable(dbName: string, kinds: ReadonlySet<string>, max: number): Promise<QuarantineEntry[]> {
    const prefix = `${RETRY}${ENTRY}${dbName}:`
    const out: QuarantineEntry[] = []
    const stale: Record<string, unknown>[] = []
    let from = `${prefix}\ufff0`
    for (let page = 0; out.length < max && page < 1000; page++) {
      const rows = (await this.db.allDocs({ startkey: from, endkey: prefix, descending: true, include_docs: true, limit: 100, skip: page === 0 ? 0 : 1 })).rows
      if (rows.length === 0) break
      from = rows[rows.length - 1]!.key
      const marks = rows.flatMap((r) => { const m = 'doc' in r ? r.doc as Doc | null | undefined : null; return m ? [m] : [] })
      const wanted = marks.filter((m) => rejudged(codeOf(m), kinds)).map((m) => String(m._id).slice(RETRY.length))
      if (wanted.length === 0) continue
      const released = new Set((await this.db.byKeys(wanted.map((id) => `${RELEASED}${id}`))).rows.filter((r) => r.value && !r.value.deleted).map((r) => r.key.slice(RELEASED.length)))
      const entries = (await this.db.byKeys(wanted, { include_docs: true })).rows.map((r) => asEntry('doc' in r ? r.doc : null))
      const last = await this.pointers(entries.flatMap((e) => (e ? [lastId(e.db, e.principal, e.docId)] : [])))
      entries.forEach((e, i) => {
        const live = e && e.db === dbName && !released.has(e._id) && last.get(lastId(e.db, e.principal, e.docId))?.entry === e._id
        if (live && out.length < max) out.push(e)
        else if (!live) { const m = marks.find((x) => x._id === `${RETRY}${wanted[i]}`); if (m) stale.push({ _id: m._id, _rev: m._rev, _deleted: true }) }
      })
    }
    await this.inSlices(this.db, stale, 'could not drop a stale retry mark')
    return out
  }

  /** Marks entries released by `by` (their records are in their database now): none is listed, counted or recalled any more. */
  async settle(entries: readonly QuarantineEntry[], by: string): Promise<void> {
    const at = Date.now()
    const ids = [...new Set(entries.map((e) => e._id))]
    await this.inSlices(this.db, ids.map((id) => ({ _id: `${RELEASED}${id}`, by, at })), 'could not mark a quarantine entry released')
    await this.dropRetries(ids)
  }

  /** Drops the retry marks of these entries (released, or refused now for what nothing that arrives can change). */
  private async dropRetries(entryIds: readonly string[]): Promise<void> {
    if (entryIds.length === 0) return
    const rows = (await this.db.byKeys(entryIds.map((id) => `${RETRY}${id}`))).rows
    await this.inSlices(this.db, rows.flatMap((r) => (r.value && !r.value.deleted ? [{ _id: r.key, _rev: r.value.rev, _deleted: true }] : [])), 'could not drop a retry mark')
  }

  /** Entries of `dbName` judged again and still refused: each keeps the reason it is refused for now (and its writer's pointer, when it names the entry). */
  async restate(dbName: string, changed: readonly { entry: QuarantineEntry; refusal: Refusal }[]): Promise<void> {
    const moved = changed.filter(({ entry, refusal }) => entry.code !== refusal.code || entry.reason !== refusal.reason)
    if (moved.length === 0) return
    const kept = (r: Refusal) => ({ code: r.code, params: storedParams(r.params) })
    const pointers = await this.pointers(moved.map(({ entry }) => lastId(entry.db, entry.principal, entry.docId)))
    const writes: Record<string, unknown>[] = []
    for (const { entry, refusal } of moved) {
      const { released: _r, releasedAt: _a, releasedBy: _b, ...stored } = entry
      writes.push({ ...stored, released: false, reason: refusal.reason, ...kept(refusal) })
      const last = pointers.get(lastId(entry.db, entry.principal, entry.docId))
      if (last?.entry === entry._id) writes.push({ ...last, reason: refusal.reason.slice(0, 500), ...kept(refusal) })
    }
    await this.inSlices(this.db, writes, 'could not keep the new reason of a quarantine entry')
    // the village's notice of a writer's current refusal says the new reason: the old one is withdrawn, a new one written
    const current = moved.filter(({ entry }) => pointers.get(lastId(entry.db, entry.principal, entry.docId))?.entry === entry._id)
    const village = villageOf(dbName)
    if (village && current.length > 0) {
      await this.withdrawNotices(dbName, current.map(({ entry }) => entry.doc))
      const notices = current.map(({ entry, refusal }) => this.notice(village, { ...refusal, doc: entry.doc }, Date.now())).filter((n): n is Doc => n !== null)
      await this.sign(notices)
      await this.inSlices(this.engine.db(dbName), notices, 'could not write a rejection notice')
    }
    // an entry refused now for what nothing that arrives can change is not judged again; another keeps its mark, with its new code
    await this.dropRetries(moved.map(({ entry }) => entry._id))
    await this.inSlices(this.db, moved.filter(({ refusal }) => rejudged(kept(refusal), REJUDGING_KINDS)).map(({ entry, refusal }) => retryMark(entry._id, kept(refusal))), 'could not mark a quarantine entry to be judged again')
  }

  /**
   * Withdraws the village's notices of the refusal of `docs` (each now written in `dbName`): each
   * notice naming the record, written by the same device with the same seq, is deleted (its content
   * kept in the deletion, as tablets replicate it). Tablets no longer show the record as refused.
   */
  async withdrawNotices(dbName: string, docs: readonly Doc[]): Promise<void> {
    if (docs.length === 0) return
    const db = this.engine.db(dbName)
    const gone: Record<string, unknown>[] = []
    for (const doc of docs) {
      const subjectId = String(doc._id ?? '')
      const prefix = `rejection:${noticeRest(subjectId)}:`
      for (const row of (await db.allDocs({ startkey: prefix, endkey: `${prefix}\ufff0`, include_docs: true })).rows) {
        const n = 'doc' in row ? row.doc as Doc | null | undefined : null
        const body = n?.body as { subjectId?: unknown; device?: unknown; seq?: unknown } | undefined
        if (!n || n._deleted || n.kind !== 'rejection' || !body || body.subjectId !== noticeRef(subjectId)) continue
        if (body.device !== String(doc.device ?? '').slice(0, 120) || body.seq !== noticeSeq(doc)) continue
        gone.push({ ...n, _deleted: true })
      }
    }
    await this.inSlices(db, gone, 'could not withdraw a rejection notice')
  }

  /** The village's notice of a refusal: the id, the code and params, the reason; never the content. */
  private notice(village: string, { doc, reason, code, params }: RefusedDoc, at: number): Doc | null {
    const subjectId = typeof doc._id === 'string' ? doc._id : ''
    if (!subjectId || subjectId.startsWith('_')) return null
    const rest = noticeRest(subjectId)
    const seq = this.hubSeq = Math.max(this.hubSeq + 1, Math.floor(at / 100))
    const year = typeof doc.year === 'number' && doc.year >= 2000 && doc.year <= 2200 ? doc.year : new Date(at).getFullYear()
    const ref = noticeRef(subjectId)
    const notice: Doc = {
      _id: `rejection:${rest}:${seq}`, kind: 'rejection', v: 1, village, year, author: 'hub', device: 'hub',
      deviceTime: at, seq, ref,
      body: {
        subjectId: ref, reason: reason.slice(0, 500), code, params: storedParams(params), at,
        device: String(doc.device ?? '').slice(0, 120), seq: noticeSeq(doc),
      },
    }
    const ok = validateDocument(notice)
    if (!ok.ok) { this.log.warn({ reason: ok.reason }, 'rejection notice failed its own schema'); return null }
    return notice
  }
}

/** A notice's id is `rejection:<rest>:<seq>`, `rest` from the refused record's id. */
const noticeRest = (subjectId: string) => idRest(subjectId).replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 100) || 'unknown'
/** The record a notice names (its `ref` and `subjectId`). */
const noticeRef = (subjectId: string) => (/^[a-z]+:[A-Za-z0-9_.:-]{1,120}$/.test(subjectId) ? subjectId : `rejection:${noticeRest(subjectId)}`)
/** The refused record's own seq, as a notice names it. */
const noticeSeq = (doc: Doc) => (typeof doc.seq === 'number' && doc.seq >= 0 ? Math.floor(doc.seq) : 0)
/** The retry mark of an entry a later record could make good. */
const retryMark = (entryId: string, r: { code?: RefusalCode | undefined; params?: RefusalParams | undefined }): Record<string, unknown> =>
  ({ _id: `${RETRY}${entryId}`, ...(r.code ? { code: r.code } : {}), params: storedParams(r.params ?? {}) })
