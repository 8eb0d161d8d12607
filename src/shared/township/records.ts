/**
 * A village's replicated records (envelope + body, src/shared/schemas) turned back into the
 * domain's records (body + `id` + `villageId`), indexed for the township summary.
 * Plain TypeScript: the hub imports it.
 */
import type { DocKind, YishiDoc } from '../schemas/envelope'
import { envelopeOf } from '../schemas/stored'
import { isKind, recordOf, type ConflictRecord, type Decision, type RecordOf, type SealKey } from '../records'
import type { PersonKeyRecord } from '../personacts'
import type {
  Allocation, Answer, Attendance, Ballot, CheckOff, CoSignature, Fund, LedgerEntry, Meeting, Notice, Objection,
  Override, PaperCount, Person, Progress, Proposal, Resolution, Vote,
} from '../../domain/model/types'
import type { VoidListLike } from '../../domain/voids'
import { isCoSigned } from '../../domain/budget'
import { openedVoidLists, signedCosigns, witnessedKeys } from '../personacts'
import type { HubKeys } from '../hubkeys'
import { signedRoster } from '../rosterroles'
import type { VoteRecords } from '../../domain/results'

export type Doc = YishiDoc<YishiDoc['kind'], Record<string, unknown>>

/** A document as the hub stores it (`_id`, `_rev`; RxDB's plugin moves `id` to `_id`) → envelope; null for one that is not a record. */
export const fromCouch = envelopeOf

/** The records among documents the hub stores (design documents and anything else left out). */
export function fromCouchDocs(raws: readonly unknown[]): Doc[] {
  return raws.flatMap((raw) => envelopeOf(raw) ?? [])
}

/** A conflict sync recorded; `loser` is the version that lost (for a double vote: the other tablet's check-off). */
export type { ConflictRecord } from '../records'
/** A council decision; one on a double vote also names the vote, the voter and the seals kept and void. */
export type DecisionRecord = Decision
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
  checkoffs: CheckOff[]
  paperCounts: PaperCount[]
  voidLists: (VoidListLike & { openedBy: string[] })[]
  /** The supervisors' seal keys: who sealed each vote, and so who must open its void lists. */
  sealKeys: SealKey[]
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
  /** Procedure documents as stored: read them with the domain's `villageProcedure`. */
  procedures: unknown[]
  conflicts: ConflictRecord[]
  decisions: DecisionRecord[]
  rejections: number
}

/**
 * Indexes a village's documents; refused documents (never accepted by the hub) are left out.
 * `hubKeys`: the hub's keys, which certify the clerks' keys every person key goes back to (null: no
 * person key can be vouched for, so no person's act counts).
 */
export function indexRecords(villageId: string, docs: readonly Doc[], hubKeys: HubKeys | null): VillageRecords {
  const live = docs.filter((d) => !d.refused && d.village === villageId && d.body && typeof d.body === 'object')
  const of = <K extends DocKind>(kind: K): RecordOf<K>[] => live.flatMap((d) => (isKind(d, kind) ? [recordOf(d)] : []))
  const village = live.find((d) => d.kind === 'village')
  // roles count only signed (src/shared/rosterroles.ts): who is supervisor, clerk or on the council, as on the tablet
  const persons = signedRoster(of('person').map((p) => ({ ...p, roles: p.roles ?? [] })), { village: villageId, hubKeys, keys: of('personkey') })
  return {
    villageId,
    name: typeof village?.body.name === 'string' ? village.body.name : villageId,
    townshipId: typeof village?.body.townshipId === 'string' ? village.body.townshipId : '',
    docs: live,
    funds: of('fund'),
    allocations: of('allocation'),
    ledger: of('ledger'),
    cosigns: of('cosign'),
    votes: of('vote').map((v) => ({ ...v, candidates: v.candidates ?? [], roster: v.roster ?? [], sealKeys: v.sealKeys ?? [], closedAt: v.closedAt ?? 0, rule: v.rule || 'greedy' })),
    ballots: of('ballot'),
    checkoffs: of('checkoff'),
    paperCounts: of('papercount'),
    voidLists: of('voidlist').map((l) => ({ ...l, openedBy: l.openedBy ?? [] })),
    sealKeys: of('sealkey'),
    meetings: of('meeting'),
    attendance: of('attendance'),
    resolutions: of('resolution'),
    notices: of('notice'),
    objections: of('objection'),
    answers: of('answer'),
    proposals: of('proposal'),
    persons,
    progress: of('progress'),
    overrides: of('override'),
    // keys a certified clerk of the roster vouches for, as the tablet takes them
    personKeys: witnessedKeys(of('personkey'), { village: villageId, roster: persons, hubKeys }),
    procedures: of('procedure'),
    conflicts: of('conflict'),
    decisions: of('decision'),
    rejections: live.filter((d) => d.kind === 'rejection').length,
  }
}

/** The supervisors on the roster: who may co-sign an expense (the domain's co-sign rule). */
export function cosignRule(r: Pick<VillageRecords, 'persons'>): { supervisors: string[] } {
  return { supervisors: r.persons.filter((p) => (p.roles as readonly string[]).includes('supervisor')).map((p) => p.id) }
}

/** The co-signatures that count: those the supervisor they name signed with their own key (src/shared/personacts.ts), as on the tablet. */
export function countedCosigns(r: Pick<VillageRecords, 'villageId' | 'cosigns' | 'personKeys'>): CoSignature[] {
  return signedCosigns(r.cosigns, r.personKeys, r.villageId)
}

/** Ledger entries co-signed as the domain counts it (`isCoSigned`: an approving supervisor other than who recorded it, over the counted co-signatures). */
export function cosignedEntries(r: VillageRecords): Set<string> {
  const rule = cosignRule(r)
  const cosigns = countedCosigns(r)
  return new Set(r.ledger.filter((l) => isCoSigned(l, cosigns, rule)).map((l) => l.id))
}

/** What the domain's `voteResult` needs of a vote, from the village's records. */
export function voteRecordsOf(r: VillageRecords, voteId: string): VoteRecords<Ballot, VoidListLike, DecisionRecord> {
  return {
    ballots: r.ballots.filter((b) => b.voteId === voteId).map((b) => ({ ...b, choices: b.choices ?? [] })),
    checkoffs: r.checkoffs.filter((c) => c.voteId === voteId),
    // a void list voids only with the signature of every supervisor who opened it, as on the tablet
    voidLists: openedVoidLists(r.voidLists.filter((l) => l.voteId === voteId), r.votes, r.sealKeys, r.personKeys, r.villageId),
    decisions: r.decisions,
    conflicts: r.conflicts,
    paperCounts: r.paperCounts.filter((p) => p.voteId === voteId),
  }
}
