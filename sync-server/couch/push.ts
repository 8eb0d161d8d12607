import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { idRest, validateDocument } from '../../src/shared/schemas/index'
import type { Engine, Db } from '../engine'
import type { Principal } from '../auth/accounts'
import { villageOf } from '../auth/access'
import { refusalReason, sameContent, type VoteRecord } from '../validate/rules'
import type { Provenance } from '../validate/signature'
import { noteIds, rowsByKeys } from './keys'

export const QUARANTINE_DB = 'hub-quarantine'

interface KnownVotes { db: Db; epoch: number; votes: Map<string, VoteRecord | null>; stop: () => void }

type Doc = Record<string, unknown> & { _id?: string; _rev?: string; _deleted?: boolean }
export type PushResult = { ok: true; id: string; rev: string } | { id: string; rev?: string; error: string; reason: string }

export interface QuarantineEntry {
  _id: string; _rev?: string
  db: string; docId: string; doc: Doc; reason: string
  principal: string; device: string; at: number
  released: boolean; releasedAt?: number; releasedBy?: string
}

function mapPouchResult(r: PouchDB.Core.Response | PouchDB.Core.Error, id: string): PushResult {
  if ('ok' in r && r.ok) return { ok: true, id: r.id, rev: r.rev }
  const e = r as PouchDB.Core.Error & { error?: unknown }
  const error = e.status === 409 ? 'conflict' : typeof e.name === 'string' && e.name !== 'Error' ? e.name : 'bad_request'
  return { id, error, reason: e.message ?? error }
}

/**
 * Writes pushed documents. For village databases every document from a non-admin passes
 * the hub's rules (validate/rules.ts); a refused one is never answered `forbidden` (RxDB
 * would retry it forever): it is quarantined with its reason, the hub keeps (or, for an id
 * it never accepted, writes) a version under that id marked `refused`, writes a `rejection`
 * notice the tablet pulls, and answers `conflict` so RxDB re-reads the hub's version.
 * Valid documents of the same batch land.
 */
export class Pusher {
  /** The hub's own write sequence: tenths of a second since the epoch, strictly increasing. */
  private hubSeq = 0

  /** Votes as the hub's records show them, per database (local engine only: see knownVotes). */
  private readonly votes = new Map<string, KnownVotes>()

  /** `provenance`: the hub's key and the signature checks (validate/signature.ts); without it every record is judged unsigned. */
  constructor(private readonly engine: Engine, private readonly log: FastifyBaseLogger, readonly provenance?: Provenance) {}

  /**
   * The votes already read from `db`, forgotten whenever a vote is written to it: every ballot
   * batch needs its vote, and the first LevelDB read after a write took ~10 ms of each push.
   * Only for the local engine, which hears every write as it commits (Engine.onWrite); a
   * re-created database is a new Db, so its votes start over.
   */
  private knownVotes(name: string, db: Db): KnownVotes | null {
    if (!this.engine.onWrite) return null
    let known = this.votes.get(name)
    if (known?.db !== db) {
      known?.stop()
      const created: KnownVotes = { db, epoch: 0, votes: new Map(), stop: () => undefined }
      created.stop = this.engine.onWrite(name, (docs) => {
        if (docs.some((d) => d._id.startsWith('vote:') || d.kind === 'vote' || created.votes.has(d._id))) { created.epoch++; created.votes.clear() }
      })
      this.votes.set(name, created)
      known = created
    }
    return known
  }

  async init(): Promise<void> { await this.engine.create(QUARANTINE_DB) }

  async push(p: Principal, dbName: string, docs: Doc[], newEdits: boolean): Promise<PushResult[]> {
    noteIds(dbName, docs.map((d) => d._id).filter((id): id is string => typeof id === 'string'))
    const db = this.engine.db(dbName)
    const village = villageOf(dbName)
    if (p.kind === 'admin' || village === null) return this.write(db, docs, newEdits)

    const ids = docs.map((d) => (typeof d._id === 'string' ? d._id : ''))
    // Only documents that carry a revision can replace something: a new one (no _rev, as RxDB
    // sends documents the hub does not have) meets PouchDB's own conflict check instead.
    const revised = docs.filter((d) => typeof d._id === 'string' && d._id !== '' && (d._rev !== undefined || !newEdits)).map((d) => d._id as string)
    const existing = revised.length > 0 ? await rowsByKeys(db, revised, { include_docs: true }) : { rows: [] }
    const current = new Map<string, Doc>()
    for (const r of existing.rows) if (r.doc) current.set(r.key, r.doc as Doc)
    const batchVotes = new Map<string, Doc>()
    for (const d of docs) if (typeof d._id === 'string' && d._id.startsWith('vote:') && d.kind === 'vote') batchVotes.set(d._id, d)
    const voteCache = new Map<string, VoteRecord | null>()
    const neededVotes = new Set<string>()
    for (const d of docs) if ((d.kind === 'ballot' || d.kind === 'checkoff') && typeof d.ref === 'string' && !batchVotes.has(d.ref)) neededVotes.add(d.ref)
    if (neededVotes.size > 0) {
      const known = this.knownVotes(dbName, db)
      const epoch = known?.epoch
      const missing: string[] = []
      for (const id of neededVotes) {
        const hit = known?.votes.get(id)
        if (hit !== undefined) voteCache.set(id, hit)
        else missing.push(id)
      }
      if (missing.length > 0) {
        const votes = await rowsByKeys(db, missing, { include_docs: true })
        // kept only if no vote was written while this read ran
        const keep = known && known.epoch === epoch
        if (keep && known.votes.size > 2000) known.votes.clear()
        for (const r of votes.rows) {
          const d = r.doc as Doc | null | undefined
          const v = d && !d.refused ? (d.body as VoteRecord) : null
          voteCache.set(r.key, v)
          if (keep) known.votes.set(r.key, v)
        }
      }
    }
    const vote = (id: string): VoteRecord | null => {
      const inBatch = batchVotes.get(id)
      if (inBatch) return inBatch.body as VoteRecord
      return voteCache.get(id) ?? null
    }

    const proofs = this.provenance ? await this.provenance.proofs(village, docs, p.name) : null
    const results: (PushResult | null)[] = new Array(docs.length).fill(null)
    const toWrite: Doc[] = []
    const writeIndex: number[] = []
    const refused: { doc: Doc; index: number; reason: string }[] = []
    docs.forEach((doc, i) => {
      const id = ids[i] as string
      const cur = current.get(id) ?? null
      // Re-sending an immutable record unchanged is answered with the hub's revision.
      if (cur && !cur._deleted && newEdits && sameContent(doc, cur) && doc._rev === cur._rev) {
        results[i] = { ok: true, id, rev: String(cur._rev) }
        return
      }
      const reason = id === '' ? 'the record has no id' : refusalReason(doc, { principal: p, village, current: cur, vote, ...(proofs ? { proof: proofs[i] } : {}) })
      if (reason) refused.push({ doc, index: i, reason })
      else { toWrite.push(doc); writeIndex.push(i) }
    })

    const failures: PushResult[] = []
    if (toWrite.length > 0) {
      const written = await this.write(db, toWrite, newEdits)
      if (newEdits) written.forEach((r, j) => { results[writeIndex[j] as number] = r })
      else failures.push(...written)
    }
    if (refused.length > 0) {
      await this.refuse(p, dbName, village, db, refused.map((r) => ({ ...r, current: current.get(ids[r.index] as string) ?? null })))
      for (const r of refused) {
        results[r.index] = { id: ids[r.index] || '', error: newEdits ? 'conflict' : 'forbidden', reason: `refused by the hub: ${r.reason}` }
      }
    }
    // With new_edits=false CouchDB answers only the failures (PouchDB may return fewer rows).
    return newEdits ? (results as PushResult[]) : [...failures, ...results.filter((r): r is PushResult => r !== null && 'error' in r)]
  }

  /** Writes through the engine; with new_edits=false only the failures come back (CouchDB's answer). */
  private async write(db: Db, docs: Doc[], newEdits: boolean): Promise<PushResult[]> {
    const res = await db.bulkDocs(docs as PouchDB.Core.PutDocument<Record<string, unknown>>[], { new_edits: newEdits })
    const mapped = res.map((r, i) => mapPouchResult(r, String(docs[i]?._id ?? '')))
    return newEdits ? mapped : mapped.filter((r) => 'error' in r)
  }

  private async refuse(p: Principal, dbName: string, village: string, db: Db, items: { doc: Doc; reason: string; current: Doc | null }[]): Promise<void> {
    const at = Date.now()
    const device = p.kind === 'device' ? p.name : String(items[0]?.doc.device ?? p.name)
    const quarantine: QuarantineEntry[] = items.map(({ doc, reason }) => ({
      _id: `q:${at.toString(36)}:${randomBytes(6).toString('hex')}`,
      db: dbName, docId: String(doc._id ?? ''), doc, reason, principal: p.name,
      device: typeof doc.device === 'string' ? doc.device : device, at, released: false,
    }))
    await this.engine.db(QUARANTINE_DB).bulkDocs(quarantine as never)

    const hubDocs: Doc[] = []
    for (const { doc, reason, current } of items) {
      const id = typeof doc._id === 'string' ? doc._id : ''
      if (!id || id.startsWith('_')) continue
      if (!current || current._deleted) {
        // The hub never accepted this id: write the document marked as refused, so RxDB's
        // re-read after the conflict finds a version and the push loop ends.
        const { _rev: _r, _deleted: _d, _revisions: _v, _attachments: _a, ...rest } = doc
        const marked: Doc = { ...rest, _id: id, refused: { reason: reason.slice(0, 500), at } }
        if (current?._rev) marked._rev = current._rev
        hubDocs.push(marked)
      }
      const notice = this.rejectionDoc(village, id, doc, reason, at)
      if (notice) hubDocs.push(notice)
    }
    if (hubDocs.length > 0) {
      await this.provenance?.signHubDocs(hubDocs)
      const res = await db.bulkDocs(hubDocs as never)
      res.forEach((r, i) => {
        if (!('ok' in r && r.ok)) this.log.warn({ id: hubDocs[i]?._id, err: r }, 'could not write the refused marker or notice')
      })
    }
    this.log.info({ db: dbName, principal: p.name, refused: items.map((i) => ({ id: i.doc._id, reason: i.reason })) }, 'documents quarantined')
  }

  private rejectionDoc(village: string, subjectId: string, doc: Doc, reason: string, at: number): Doc | null {
    const rest = idRest(subjectId).replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 100) || 'unknown'
    const seq = this.hubSeq = Math.max(this.hubSeq + 1, Math.floor(at / 100))
    const year = typeof doc.year === 'number' && doc.year >= 2000 && doc.year <= 2200 ? doc.year : new Date(at).getFullYear()
    const ref = /^[a-z]+:[A-Za-z0-9_.:-]{1,120}$/.test(subjectId) ? subjectId : `rejection:${rest}`
    const notice: Doc = {
      _id: `rejection:${rest}:${seq}`, kind: 'rejection', v: 1, village, year, author: 'hub', device: 'hub',
      deviceTime: at, seq, ref,
      body: {
        subjectId: ref, reason: reason.slice(0, 500), at,
        device: String(doc.device ?? '').slice(0, 120), seq: typeof doc.seq === 'number' && doc.seq >= 0 ? Math.floor(doc.seq) : 0,
      },
    }
    const ok = validateDocument(notice)
    if (!ok.ok) { this.log.warn({ reason: ok.reason }, 'rejection notice failed its own schema'); return null }
    return notice
  }

  /** Quarantined documents, newest first (admin). */
  async listQuarantine(opts: { db?: string; includeReleased?: boolean; limit?: number } = {}): Promise<QuarantineEntry[]> {
    const res = await this.engine.db(QUARANTINE_DB).allDocs({ include_docs: true, descending: true, limit: Math.min(opts.limit ?? 500, 5000) })
    return res.rows.map((r) => r.doc as unknown as QuarantineEntry)
      .filter((e) => e && (opts.includeReleased || !e.released) && (!opts.db || e.db === opts.db))
  }

  /** Writes a quarantined document into its database as the hub's version (admin's decision). */
  async release(entryId: string, by: string): Promise<PushResult> {
    const q = this.engine.db(QUARANTINE_DB)
    const entry = await q.get(entryId) as unknown as QuarantineEntry
    if (entry.released) return { id: entry.docId, error: 'conflict', reason: 'already released' }
    if (!(await this.engine.exists(entry.db))) return { id: entry.docId, error: 'not_found', reason: 'database is gone' }
    const db = this.engine.db(entry.db)
    const cur = await db.get(entry.docId).catch(() => null) as Doc | null
    const { _rev: _r, _deleted: _d, _revisions: _v, refused: _x, ...rest } = entry.doc
    const doc: Doc = { ...rest, _id: entry.docId, ...(cur?._rev ? { _rev: cur._rev } : {}) }
    const [r] = await this.write(db, [doc], true)
    if (r && 'ok' in r) await q.put({ ...entry, released: true, releasedAt: Date.now(), releasedBy: by } as never)
    return r ?? { id: entry.docId, error: 'unknown', reason: 'no result' }
  }
}
