/**
 * A village's replicated records (envelope + body, src/shared/schemas) turned back into the
 * domain's records (body + `id` + `villageId`), indexed for the township summary.
 * Plain TypeScript: the hub imports it.
 */
import type { YishiDoc } from '../schemas/envelope'
import type { PersonKeyRecord } from '../personacts'
import type {
  Allocation, Answer, Attendance, Ballot, CheckOff, CoSignature, Fund, LedgerEntry, Meeting, Notice, Objection,
  Override, Person, Progress, Proposal, Resolution, Vote,
} from '../../domain/model/types'

export type Doc = YishiDoc<YishiDoc['kind'], Record<string, unknown>>

/** A document as the hub stores it (`_id`, `_rev`; RxDB's plugin moves `id` to `_id`) → envelope. */
export function fromCouch(raw: Record<string, unknown>): Doc {
  const { _id, _rev: _r, _deleted: _d, ...rest } = raw
  return { ...(rest as unknown as Doc), id: typeof rest.id === 'string' ? rest.id : String(_id) }
}

/** The domain record a document carries. */
export function recordOf<T>(d: Doc): T {
  return { ...d.body, id: d.id, villageId: d.village } as T
}

export interface ConflictRecord { id: string; subjectId: string; reason: string }
export interface DecisionRecord { id: string; subjectId: string }
/** A procedure document: a template (`steps`) or a running state (`current`, `history`). */
export interface ProcedureRecord {
  id: string
  name?: string
  steps?: { key: string; publicityDays?: number }[]
  meetingRules?: Record<string, unknown>
  templateId?: string
  subjectId?: string
  current?: string
  startedAt?: number
  history?: { step: string; completedAt?: number; by?: string; overrideId?: string }[]
}

export interface VillageRecords {
  villageId: string
  name: string
  townshipId: string
  docs: Doc[]
  funds: Fund[]
  allocations: Allocation[]
  ledger: LedgerEntry[]
  cosigns: CoSignature[]
  votes: Vote[]
  ballots: Ballot[]
  meetings: Meeting[]
  attendance: Attendance[]
  resolutions: Resolution[]
  notices: Notice[]
  objections: Objection[]
  answers: Answer[]
  proposals: Proposal[]
  persons: Person[]
  progress: Progress[]
  overrides: Override[]
  /** People's signing keys (who signed a co-signature or a meeting's minutes). */
  personKeys: PersonKeyRecord[]
  checkoffs: CheckOff[]
  procedures: ProcedureRecord[]
  conflicts: ConflictRecord[]
  decisions: DecisionRecord[]
  rejections: number
}

/** Indexes a village's documents; refused documents (never accepted by the hub) are left out. */
export function indexRecords(villageId: string, docs: readonly Doc[]): VillageRecords {
  const live = docs.filter((d) => !d.refused && d.village === villageId && d.body && typeof d.body === 'object')
  const of = <T>(kind: string): T[] => live.filter((d) => d.kind === kind).map((d) => recordOf<T>(d))
  const village = live.find((d) => d.kind === 'village')
  return {
    villageId,
    name: typeof village?.body.name === 'string' ? village.body.name : villageId,
    townshipId: typeof village?.body.townshipId === 'string' ? village.body.townshipId : '',
    docs: live,
    funds: of('fund'),
    allocations: of('allocation'),
    ledger: of('ledger'),
    cosigns: of('cosign'),
    votes: of<Vote>('vote').map((v) => ({ ...v, candidates: v.candidates ?? [], roster: v.roster ?? [], closedAt: v.closedAt ?? 0, rule: v.rule || 'greedy' })),
    ballots: of('ballot'),
    meetings: of('meeting'),
    attendance: of('attendance'),
    resolutions: of('resolution'),
    notices: of('notice'),
    objections: of('objection'),
    answers: of('answer'),
    proposals: of('proposal'),
    persons: of<Person>('person').map((p) => ({ ...p, roles: p.roles ?? [] })),
    progress: of('progress'),
    overrides: of('override'),
    personKeys: of('personkey'),
    checkoffs: of('checkoff'),
    procedures: of('procedure'),
    conflicts: of('conflict'),
    decisions: of('decision'),
    rejections: live.filter((d) => d.kind === 'rejection').length,
  }
}

/** Ballots of a vote, as lists of candidate ids. */
export function ballotsOf(r: VillageRecords, voteId: string): string[][] {
  return r.ballots.filter((b) => b.voteId === voteId).map((b) => [...(b.choices ?? [])])
}
