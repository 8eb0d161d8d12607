/**
 * Typed repositories, one per kind. Reads return domain records (plus `meta`), reactive as RxJS
 * observables; writes go through the domain's validating constructors and the Writer (envelope,
 * validation, audit chain). The UI never touches RxDB: stores call these.
 */
import { map, type Observable } from 'rxjs'
import * as D from '@/domain'
import type { VillageDb } from './db'
import { newIdRest } from './hash'
import { PARENT_FIELD, idRest, isImmutableKind, type DocKind, type Refusal, type YishiDoc } from '@/shared/schemas'
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
export type Stored<T> = T & { meta: DocMeta }

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

function bodyOf(kind: DocKind, record: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, villageId: _v, meta: _m, ...body } = record
  return body
}

export function fromDoc<T>(doc: YishiDoc): Stored<T> {
  const meta: DocMeta = { author: doc.author, device: doc.device, deviceTime: doc.deviceTime, seq: doc.seq, year: doc.year }
  if (doc.refused) meta.refused = doc.refused
  const id = doc.kind === 'village' ? idRest(doc.id) : doc.id
  return { ...doc.body, id, villageId: doc.village, meta } as unknown as Stored<T>
}

export class Repository<T extends { id: string }> {
  constructor(
    readonly kind: DocKind,
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
      if (doc.refused && !opts.includeRefused) continue
      out.push(fromDoc<T>(doc))
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
    return this.vdb.docs.findOne(this.docId(id)).$.pipe(map((d) => (d ? fromDoc<T>(d.toJSON() as YishiDoc) : null)))
  }

  async get(id: string): Promise<Stored<T> | null> {
    const d = await this.vdb.docs.findOne(this.docId(id)).exec()
    return d ? fromDoc<T>(d.toJSON() as YishiDoc) : null
  }

  /** Builds the record with the domain constructor (a DomainError explains bad input) without saving. */
  build(input: Record<string, unknown>): T {
    const id = input.id ?? (this.kind === 'village' ? undefined : `${this.kind}:${newIdRest()}`)
    return this.construct({ ...input, id, villageId: this.vdb.villageId })
  }

  /** The write item for a record (used to save several records at once with Repositories.insertAll). */
  item(record: T, year?: number): { kind: DocKind; id: string; ref: string; body: Record<string, unknown>; year?: number } {
    const body = bodyOf(this.kind, record as unknown as Record<string, unknown>)
    const parent = PARENT_FIELD[this.kind]
    const ref = parent ? String(body[parent] ?? '') : ''
    const fundYear = this.kind === 'fund' && typeof body.year === 'number' ? body.year : undefined
    return { kind: this.kind, id: this.docId(record.id), ref, body, ...(year ?? fundYear ? { year: year ?? fundYear } : {}) }
  }

  /** Creates a record: domain constructor → envelope → validation → insert with its audit event. */
  async create(input: Record<string, unknown>): Promise<Stored<T>> {
    const record = this.build(input)
    const [doc] = await this.writer.insert([this.item(record)])
    return fromDoc<T>(doc as YishiDoc)
  }

  /** A new version of a mutable record: the current one with `patch` applied, rebuilt by the domain constructor. */
  async update(id: string, patch: Partial<T>): Promise<Stored<T>> {
    if (isImmutableKind(this.kind)) throw new Error(`${this.kind} records cannot be changed`)
    const current = await this.get(id)
    if (!current) throw new Error(`${id} is not on this tablet`)
    const { meta, ...plain } = current
    const record = this.construct({ ...plain, ...patch, id: current.id, villageId: this.vdb.villageId })
    const doc = await this.writer.update(this.item(record, meta.year))
    return fromDoc<T>(doc)
  }
}

const same = <T>(input: unknown) => input as T

/** Kinds the domain has no constructor for yet are checked by their JSON schema only. */
export interface Comment { id: string; on: string; text: string; by: string; at: number; photos?: string[] }
export interface Decision { id: string; subjectId: string; outcome: string; reason: string; by: string; keep: string; at: number }
export interface ConflictRecordDoc { id: string; subjectId: string; reason: 'double-checkoff' | 'duplicate-insert' | 'concurrent-edit'; winner: { device: string; seq: number; author?: string }; loser: YishiDoc; fields: string[]; at: number }
/** The hub's notice of a refusal: `code` and `params` from a hub with refusal codes (src/shared/refusal.ts), else only `reason`. */
export interface RejectionDoc { id: string; subjectId: string; reason: string; code?: string; params?: Record<string, string | number>; device?: string; seq?: number; at?: number }
export interface AuditDoc extends Omit<D.AuditEvent, 'id'> { id: string; digest: string }
/** A supervisor's seal key: public key in clear, secret key sealed with their passphrase (see src/data/sealkeys.ts). */
export interface SealKeyDoc {
  id: string; personId: string; publicKey: string; kdf: 'pbkdf2-sha256'; iterations: number; salt: string
  cipher: 'aes-256-gcm'; iv: string; secret: string; createdAt: number; replaces?: string
  /** the supervisor's signature with their signing key (absent on keys set up before seal keys were signed) */
  keyId?: string; signature?: string
}
/** Ballots the supervisors voided together, after the council's decisions (`decisions`) on double votes, signed by each of them. */
export interface VoidListDoc extends D.VoidList { id: string; decisions: string[]; signatures?: PersonSignature[] }
const voidListRecord = (input: unknown): VoidListDoc => {
  const i = (input ?? {}) as Record<string, unknown>
  const decisions = Array.isArray(i.decisions) ? i.decisions.map(String) : []
  if (decisions.length < 1) D.fail('invalid.required', 'voidlist.decisions: required')
  const list = D.voidList(String(i.voteId ?? ''), (i.ballotIds ?? []) as string[], (i.openedBy ?? []) as string[], Number(i.at))
  const signatures = Array.isArray(i.signatures) ? (i.signatures as PersonSignature[]).map(({ personId, keyId, signature }) => ({ personId, keyId, signature })) : null
  return { id: String(i.id), ...list, decisions: [...new Set(decisions)].sort(), ...(signatures ? { signatures } : {}) }
}

export function createKindRepositories(vdb: VillageDb, writer: Writer) {
  const repo = <T extends { id: string }>(kind: DocKind, construct: Constructor<T>) => new Repository<T>(kind, vdb, writer, construct)
  return {
    villages: repo<D.Village>('village', D.village),
    units: repo<D.Unit>('unit', D.unit),
    persons: repo<D.Person>('person', D.person),
    proposals: repo<D.Proposal>('proposal', D.proposal),
    meetings: repo<D.Meeting>('meeting', D.meeting),
    votes: repo<D.Vote>('vote', D.vote),
    notices: repo<D.Notice>('notice', D.notice),
    funds: repo<D.Fund>('fund', D.fund),
    allocations: repo<D.Allocation>('allocation', D.allocation),
    procedures: repo<D.ProcedureRecord>('procedure', D.procedureRecord),
    comments: repo<Comment>('comment', same),
    attendance: repo<D.Attendance>('attendance', D.attendance),
    resolutions: repo<D.Resolution>('resolution', D.resolution),
    checkoffs: repo<D.CheckOff>('checkoff', D.checkOff),
    ballots: repo<D.Ballot>('ballot', D.ballot),
    paperCounts: repo<D.PaperCount>('papercount', D.paperCount),
    ledger: repo<D.LedgerEntry>('ledger', D.ledgerEntry),
    cosignatures: repo<D.CoSignature>('cosign', D.coSignature),
    objections: repo<D.Objection>('objection', D.objection),
    answers: repo<D.Answer>('answer', D.answer),
    overrides: repo<D.Override>('override', D.override),
    progress: repo<D.Progress>('progress', D.progress),
    decisions: repo<Decision>('decision', same),
    conflicts: repo<ConflictRecordDoc>('conflict', same),
    rejections: repo<RejectionDoc>('rejection', same),
    audit: repo<AuditDoc>('audit', same),
    sealKeys: repo<SealKeyDoc>('sealkey', same),
    voidLists: repo<VoidListDoc>('voidlist', voidListRecord),
    personKeys: repo<PersonKeyDoc>('personkey', same),
  }
}
export type KindRepositories = ReturnType<typeof createKindRepositories>
