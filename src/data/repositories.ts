/**
 * Typed repositories, one per kind. Reads return domain records (plus `meta`), reactive as RxJS
 * observables; writes go through the domain's validating constructors and the Writer (envelope,
 * validation, audit chain). The UI never touches RxDB: stores call these.
 */
import { map, type Observable } from 'rxjs'
import * as D from '@/domain'
import type { VillageDb } from './db'
import { newIdRest } from './hash'
import { PARENT_FIELD, isImmutableKind, type DocKind, type Refusal, type YishiDoc } from '@/shared/schemas'
import { isKind, recordOf, type AuditRecord, type ConflictRecord, type Comment, type Decision, type Rejection, type RecordOf, type SealKey, type VoidListRecord } from '@/shared/records'
import type { Writer } from './writer'
import type { PersonKeyDoc } from './personkeys'
import type { PersonSignature } from '@/shared/personacts'

export interface DocMeta {
  author: string
  device: string
  deviceTime: number
  seq: number
  year: number
  /** Set when the hub refused this record; it is not live data. */
  refused?: Refusal
}
/** A record as read from this tablet: with its village and where and when it was written. */
export type Stored<T> = T & { villageId: string; meta: DocMeta }

export interface ListOptions {
  /** Only children of this record (ballots of a vote, attendance of a meeting…). */
  ref?: string
  /** Include records the hub refused (default: no). */
  includeRefused?: boolean
  limit?: number
  /** Oldest first (default newest first, by device time). */
  oldestFirst?: boolean
}

type Constructor<T> = (input: unknown) => T
/** What a record is built from: its fields (the domain constructor checks them), `id` and `villageId` filled in when absent. */
type RecordInput<T> = Partial<T> | Record<string, unknown>

/** The body a record is stored with: every field but `id`, `villageId` and `meta`. */
function bodyOf(record: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'id' && k !== 'villageId' && k !== 'meta'))
}

export function fromDoc<K extends DocKind, T extends RecordOf<K>>(doc: YishiDoc<K>): Stored<T> {
  const meta: DocMeta = { author: doc.author, device: doc.device, deviceTime: doc.deviceTime, seq: doc.seq, year: doc.year }
  if (doc.refused) meta.refused = doc.refused
  return { ...recordOf<K, T>(doc), meta }
}

export class Repository<K extends DocKind, T extends RecordOf<K>> {
  constructor(
    readonly kind: K,
    private readonly vdb: VillageDb,
    private readonly writer: Writer,
    private readonly construct: Constructor<T>,
  ) {}

  private query(opts: ListOptions = {}) {
    const selector: Record<string, unknown> = { kind: this.kind }
    if (opts.ref !== undefined) selector.ref = opts.ref
    return this.vdb.docs.find({
      selector,
      sort: [{ deviceTime: opts.oldestFirst ? 'asc' : 'desc' }],
      ...(opts.limit ? { limit: opts.limit } : {}),
    })
  }

  private rows(docs: { toJSON(): unknown }[], opts: ListOptions): Stored<T>[] {
    const out: Stored<T>[] = []
    for (const d of docs) {
      const doc = d.toJSON() as YishiDoc
      if (!isKind(doc, this.kind) || (doc.refused && !opts.includeRefused)) continue
      out.push(fromDoc<K, T>(doc))
    }
    return out
  }

  list$(opts: ListOptions = {}): Observable<Stored<T>[]> {
    return this.query(opts).$.pipe(map((docs) => this.rows(docs, opts)))
  }

  async list(opts: ListOptions = {}): Promise<Stored<T>[]> {
    return this.rows(await this.query(opts).exec(), opts)
  }

  /** How many records of this kind are stored, refused ones included (an index-only count; `list` leaves refused ones out). */
  async count(opts: Pick<ListOptions, 'ref'> = {}): Promise<number> {
    const selector: Record<string, unknown> = { kind: this.kind }
    if (opts.ref !== undefined) selector.ref = opts.ref
    return this.vdb.docs.count({ selector }).exec()
  }

  private docId(id: string): string {
    return this.kind === 'village' && !id.startsWith('village:') ? `village:${id}` : id
  }

  get$(id: string): Observable<Stored<T> | null> {
    return this.vdb.docs.findOne(this.docId(id)).$.pipe(map((d) => (d ? this.stored(d.toJSON() as YishiDoc) : null)))
  }

  async get(id: string): Promise<Stored<T> | null> {
    const d = await this.vdb.docs.findOne(this.docId(id)).exec()
    return d ? this.stored(d.toJSON() as YishiDoc) : null
  }

  /** The record as written (the writer hands back the document of this kind it wrote). */
  private written(doc: YishiDoc | undefined): Stored<T> {
    const stored = doc ? this.stored(doc) : null
    if (!stored) throw new Error(`the ${this.kind} was not written`)
    return stored
  }

  /** The stored record of a document of this kind (null for an id of another kind). */
  private stored(doc: YishiDoc): Stored<T> | null {
    return isKind(doc, this.kind) ? fromDoc<K, T>(doc) : null
  }

  /** Builds the record with the domain constructor (a DomainError explains bad input) without saving. */
  build(input: RecordInput<T>): T {
    const id = input.id ?? (this.kind === 'village' ? undefined : `${this.kind}:${newIdRest()}`)
    return this.construct({ ...input, id, villageId: this.vdb.villageId })
  }

  /** The write item for a record (used to save several records at once with Repositories.insertAll). */
  item(record: T, year?: number): { kind: DocKind; id: string; ref: string; body: Record<string, unknown>; year?: number } {
    const body = bodyOf(record)
    const parent = PARENT_FIELD[this.kind]
    const ref = parent ? String(body[parent] ?? '') : ''
    const fundYear = this.kind === 'fund' && typeof body.year === 'number' ? body.year : undefined
    return { kind: this.kind, id: this.docId(record.id), ref, body, ...(year ?? fundYear ? { year: year ?? fundYear } : {}) }
  }

  /** Creates a record: domain constructor → envelope → validation → insert with its audit event. */
  async create(input: RecordInput<T>): Promise<Stored<T>> {
    const record = this.build(input)
    const [doc] = await this.writer.insert([this.item(record)])
    return this.written(doc)
  }

  /** A new version of a mutable record: the current one with `patch` applied, rebuilt by the domain constructor. */
  async update(id: string, patch: Partial<T> | Record<string, unknown>): Promise<Stored<T>> {
    if (isImmutableKind(this.kind)) throw new Error(`${this.kind} records cannot be changed`)
    const current = await this.get(id)
    if (!current) throw new Error(`${id} is not on this tablet`)
    const { meta, ...plain } = current
    const record = this.construct({ ...plain, ...patch, id: current.id, villageId: this.vdb.villageId })
    const doc = await this.writer.update(this.item(record, meta.year))
    return this.written(doc)
  }
}

const same = <T>(input: unknown) => input as T

/** Kinds the domain has no constructor for yet are checked by their JSON schema only (their records: src/shared/records.ts). */
export type { Comment, Decision } from '@/shared/records'
export type ConflictRecordDoc = ConflictRecord
export type RejectionDoc = Rejection
export type AuditDoc = AuditRecord
export type SealKeyDoc = SealKey
export type VoidListDoc = VoidListRecord
const voidListRecord = (input: unknown): VoidListRecord => {
  const i = (input ?? {}) as Record<string, unknown>
  const decisions = Array.isArray(i.decisions) ? i.decisions.map(String) : []
  if (decisions.length < 1) D.fail('invalid.required', 'voidlist.decisions: required')
  const list = D.voidList(String(i.voteId ?? ''), (i.ballotIds ?? []) as string[], (i.openedBy ?? []) as string[], Number(i.at))
  const signatures = Array.isArray(i.signatures) ? (i.signatures as PersonSignature[]).map(({ personId, keyId, signature }) => ({ personId, keyId, signature })) : null
  return { id: String(i.id), ...list, decisions: [...new Set(decisions)].sort(), ...(signatures ? { signatures } : {}) }
}

export function createKindRepositories(vdb: VillageDb, writer: Writer) {
  const repo = <K extends DocKind, T extends RecordOf<K> = RecordOf<K>>(kind: K, construct: Constructor<T>) => new Repository<K, T>(kind, vdb, writer, construct)
  return {
    villages: repo('village', D.village),
    units: repo('unit', D.unit),
    persons: repo('person', D.person),
    proposals: repo('proposal', D.proposal),
    meetings: repo('meeting', D.meeting),
    votes: repo('vote', D.vote),
    notices: repo('notice', D.notice),
    funds: repo('fund', D.fund),
    allocations: repo('allocation', D.allocation),
    procedures: repo('procedure', D.procedureRecord),
    comments: repo('comment', same<Comment>),
    attendance: repo('attendance', D.attendance),
    resolutions: repo('resolution', D.resolution),
    checkoffs: repo('checkoff', D.checkOff),
    ballots: repo('ballot', D.ballot),
    paperCounts: repo('papercount', D.paperCount),
    ledger: repo('ledger', D.ledgerEntry),
    cosignatures: repo('cosign', D.coSignature),
    objections: repo('objection', D.objection),
    answers: repo('answer', D.answer),
    overrides: repo('override', D.override),
    progress: repo('progress', D.progress),
    decisions: repo('decision', same<Decision>),
    conflicts: repo('conflict', same<ConflictRecordDoc>),
    rejections: repo('rejection', same<RejectionDoc>),
    audit: repo('audit', same<AuditDoc>),
    sealKeys: repo('sealkey', same<SealKeyDoc>),
    voidLists: repo('voidlist', voidListRecord),
    personKeys: repo('personkey', same<PersonKeyDoc>),
  }
}
export type KindRepositories = ReturnType<typeof createKindRepositories>
