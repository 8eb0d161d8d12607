/**
 * Every write of this device goes through one Writer: it validates the document, stamps the envelope
 * (village, year, author, device, device time, per-device seq), signs it with the device key (`sig`,
 * src/shared/provenance.ts) and appends the device's hash-chained audit event, built by the domain
 * (`appendAudit`, src/domain/audit.ts: `audit:<device>-<n>`, body = the event without id; its digest
 * covers the signed record), itself signed. Writes are serialised, so seq and chain never fork.
 */
import type { Refusal } from '@/shared/refusal'
import { appendAudit, recordDigest } from '@/domain/audit'
import type { VillageDb } from './db'
import { DataError } from './errors'
import { BODY_VERSIONS, isImmutableKind, validateDocument, type DocKind, type YishiDoc } from '@/shared/schemas'
import { yearOfTime } from './rxSchema'
import { signedContent, type Signer } from '@/shared/provenance'
import { retrying, UnsavedWrites } from './unsaved'

export interface WriterIdentity {
  villageId: string
  deviceId: string
  /** The acting person (`person:…`, or an account name); read at each write. */
  actor: () => string
  /** The council year new records belong to; default the year of the device clock. */
  year?: () => number
  /** Device clock; tests pass their own. */
  now?: () => number
  /** The device key (src/data/devicekeys.ts); without it records are written unsigned, as before keys existed. */
  signer?: Signer
}

export interface WriteItem {
  kind: DocKind
  id: string
  ref: string
  body: Record<string, unknown>
  year?: number
  /** device time to record instead of the clock (a ballot records its hour-coarse cast time) */
  deviceTime?: number
}

export interface ChainHead { n: number; hash: string }

export const SEQ_FLOOR_KEY = 'seq-floor'

export class Writer {
  private seq = 0
  private firstSeq = 0
  private head: ChainHead = { n: 0, hash: '' }
  private queue: Promise<unknown> = Promise.resolve()
  private readonly now: () => number
  /** Audit events of merged versions the chain already counts but the database has not stored yet. */
  private unsavedAudits: YishiDoc[] = []
  /** Conflict records and audit events not stored yet, for the person to be told (src/data/unsaved.ts). */
  readonly unsaved = new UnsavedWrites()
  /** Tests replace the delays between attempts. */
  retryDelaysMs: readonly number[] = [50, 250, 1000]

  constructor(readonly vdb: VillageDb, readonly identity: WriterIdentity) {
    this.now = identity.now ?? Date.now
  }

  get deviceId(): string { return this.identity.deviceId }
  get lastSeq(): number { return this.seq }
  /** This device's last seq when the writer opened: records up to it were written before (perhaps without a key). */
  get initialSeq(): number { return this.firstSeq }
  get chainHead(): ChainHead { return { ...this.head } }

  /** Reads this device's last seq and audit chain head from the database. Call once after opening. */
  async init(): Promise<this> {
    const me = this.identity.deviceId
    const [last] = await this.vdb.docs.find({ selector: { device: me }, sort: [{ seq: 'desc' }], limit: 1 }).exec()
    const floor = await this.vdb.db.getLocal<{ seq: number; n: number; hash: string }>(SEQ_FLOOR_KEY)
    this.seq = Math.max(last?.seq ?? 0, floor?.get('seq') ?? 0)
    this.firstSeq = this.seq
    const [audit] = await this.vdb.docs.find({ selector: { device: me, kind: 'audit' }, sort: [{ seq: 'desc' }], limit: 1 }).exec()
    if (audit) this.head = { n: Number(audit.body.seq), hash: String(audit.body.hash) }
    else if (floor) this.head = { n: floor.get('n'), hash: floor.get('hash') }
    this.vdb.conflicts.restamp = (doc) => this.merged(doc)
    return this
  }

  /**
   * A version the conflict handler merged is a new write of this device: stamped, and audited like
   * any other write (action `merge`), so every stored version has an event that carries its digest.
   */
  private merged(doc: YishiDoc): YishiDoc {
    // the conflict handler cannot wait: signed synchronously (a merge is rare)
    const signSync = (d: YishiDoc): YishiDoc => (this.identity.signer ? { ...d, sig: this.identity.signer.signSync(signedContent(d)) } : d)
    const stamped = signSync(this.stamp(doc.kind, doc.id, doc.ref, doc.body, doc.year))
    const audit = signSync(this.audit(stamped, 'merge'))
    void this.serial(() => this.saveAudits([audit]))
    return stamped
  }

  /** The same records with their device signature (unchanged without a key). */
  private async signed(docs: YishiDoc[]): Promise<YishiDoc[]> {
    const signer = this.identity.signer
    if (!signer) return docs
    return Promise.all(docs.map(async (d) => ({ ...d, sig: await signer.sign(signedContent(d)) })))
  }

  /** Envelope for a new version written now by this device. */
  stamp(kind: DocKind, id: string, ref: string, body: Record<string, unknown>, year?: number, at?: number): YishiDoc {
    const deviceTime = at ?? this.now()
    return {
      id, kind, v: BODY_VERSIONS[kind], village: this.identity.villageId,
      year: year ?? this.identity.year?.() ?? yearOfTime(deviceTime),
      author: this.identity.actor(), device: this.identity.deviceId, deviceTime, seq: ++this.seq, ref, body,
    }
  }

  private audit(doc: YishiDoc, action: 'insert' | 'update' | 'merge'): YishiDoc {
    const { id, ...event } = appendAudit({ seq: this.head.n, hash: this.head.hash }, {
      device: this.identity.deviceId, at: doc.deviceTime, actor: doc.author, action, subjectId: doc.id, digest: recordDigest(doc),
    })
    this.head = { n: event.seq, hash: event.hash }
    return this.stamp('audit', id, '', event, doc.year, doc.deviceTime)
  }

  /**
   * Stores audit events the chain already counts, trying again on failure; what still fails is
   * kept (and counted in `unsaved`) and stored before this device's next write, so the chain has no gap.
   */
  private async saveAudits(audits: YishiDoc[]): Promise<void> {
    const missing = async () => {
      const stored = await this.vdb.docs.findByIds(audits.map((a) => a.id)).exec()
      return audits.filter((a) => !stored.has(a.id))
    }
    try {
      await retrying(async () => { const todo = await missing(); if (todo.length) await this.bulk(todo) }, this.retryDelaysMs)
      for (const a of audits) this.unsaved.saved(a.id)
    } catch (e) {
      this.unsavedAudits.push(...audits.filter((a) => !this.unsavedAudits.includes(a)))
      for (const a of audits) this.unsaved.failed(a.id, 'audit', e)
    }
  }

  /** Tries the audit events kept from an earlier failure again (before a new write: the chain stays in order). */
  private async retryUnsavedAudits(): Promise<void> {
    if (this.unsavedAudits.length === 0) return
    const audits = this.unsavedAudits.splice(0)
    await this.saveAudits(audits)
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task)
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Inserts new records (all or none are checked first), each with its audit event. */
  insert(items: WriteItem[]): Promise<YishiDoc[]> {
    return this.serial(async () => {
      await this.retryUnsavedAudits()
      const existing = await this.vdb.docs.findByIds(items.map((i) => i.id)).exec()
      const taken = items.find((i) => existing.has(i.id))
      if (taken) throw new DataError('already-recorded', `${taken.id} is already recorded on this tablet`, { id: taken.id })
      const seqBefore = this.seq; const headBefore = this.head
      const docs = items.map((i) => this.stamp(i.kind, i.id, i.ref, i.body, i.year, i.deviceTime))
      const bad = docs.map((d) => [d, validateDocument(d)] as const).find(([, r]) => !r.ok)
      if (bad) {
        this.seq = seqBefore; this.head = headBefore
        const why = bad[1] as Refusal
        throw new DataError('invalid', why.reason, { id: bad[0].id, refusal: { code: why.code, params: why.params } })
      }
      const signedDocs = await this.signed(docs)
      const audits = await this.signed(signedDocs.map((d) => this.audit(d, 'insert')))
      await this.bulk([...signedDocs, ...audits])
      return signedDocs
    })
  }

  /** A new version of a mutable record. */
  update(item: WriteItem): Promise<YishiDoc> {
    return this.serial(async () => {
      await this.retryUnsavedAudits()
      if (isImmutableKind(item.kind)) throw new DataError('immutable', `a ${item.kind} cannot be changed once recorded`, { id: item.id })
      const current = await this.vdb.docs.findOne(item.id).exec()
      if (!current) throw new DataError('not-found', `${item.id} is not on this tablet`, { id: item.id })
      const seqBefore = this.seq
      const stamped = this.stamp(item.kind, item.id, item.ref, item.body, item.year ?? current.year)
      const r = validateDocument(stamped)
      if (!r.ok) { this.seq = seqBefore; throw new DataError('invalid', r.reason, { id: stamped.id, refusal: { code: r.code, params: r.params } }) }
      const [doc] = await this.signed([stamped]) as [YishiDoc]
      const [audit] = await this.signed([this.audit(doc, 'update')]) as [YishiDoc]
      await current.incrementalModify(() => doc)
      await this.bulk([audit])
      return doc
    })
  }

  private async bulk(docs: YishiDoc[]): Promise<void> {
    const res = await this.vdb.docs.bulkInsert(docs)
    if (res.error.length > 0) {
      const e = res.error[0]
      throw new DataError(e?.status === 409 ? 'already-recorded' : 'invalid', `could not save ${e?.documentId ?? ''} (${e?.status ?? '?'})`, { id: e?.documentId })
    }
  }
}
