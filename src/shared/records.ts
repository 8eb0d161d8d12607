/**
 * One record model for the tablet, the township and the hub: the record each kind of document
 * carries (its body, with the envelope's `id` and `villageId`). The domain's types where the domain
 * has the kind; here the kinds it does not (comments, decisions, conflicts, the audit chain, seal keys,
 * void lists). Plain TypeScript: the hub imports it.
 */
import type * as D from '../domain'
import type { DoubleVoteDecision } from '../domain/voids'
import type { PersonKeyRecord, PersonSignature } from './personacts'
import { idRest, type DocKind, type YishiDoc } from './schemas/envelope'

/**
 * A record as its plain fields: the same properties, and usable where any fields are taken
 * (`Record<string, unknown>`, e.g. to sign it), which an interface is not.
 */
export type Fields<T> = { [P in keyof T]: T[P] }

// Type aliases, not interfaces, for the same reason.
/** A comment; a meeting's signed minutes carry the signer's role and their signature with their own key. */
export type Comment = { id: string; on: string; text: string; by: string; at: number; photos?: string[]; role?: string; keyId?: string; signature?: string }
/** A council decision; one on a double vote also names the vote, the voter and the seals kept and void. */
export interface Decision extends DoubleVoteDecision { outcome: string; keep: string }
/** A version sync overruled, kept as evidence (a double vote: the other tablet's check-off). */
export interface ConflictRecord {
  id: string; subjectId: string; reason: 'double-checkoff' | 'duplicate-insert' | 'concurrent-edit'
  winner: { device: string; seq: number; author?: string }; loser: YishiDoc; fields: string[]; at: number
}
/** The hub's notice of a refusal: `code` and `params` from a hub with refusal codes (refusal.ts), else only `reason`. */
export interface Rejection { id: string; subjectId: string; reason: string; code?: string; params?: Record<string, string | number>; device?: string; seq?: number; at?: number }
export interface AuditRecord extends Omit<D.AuditEvent, 'id'> { id: string; digest: string }
/** A supervisor's seal key: public key in clear, secret key sealed with their passphrase (src/data/sealkeys.ts). */
export type SealKey = {
  id: string; personId: string; publicKey: string; kdf: 'pbkdf2-sha256'; iterations: number; salt: string
  cipher: 'aes-256-gcm'; iv: string; secret: string; createdAt: number; replaces?: string
  /** the supervisor's signature with their signing key (absent on keys set up before seal keys were signed) */
  keyId?: string; signature?: string
  /** 3: the signature covers the sealed secret too (src/shared/personacts.ts `SEALKEY_CLAIM`); absent on keys signed before */
  claim?: 3
}
/** Ballots the supervisors voided together, after the council's decisions (`decisions`) on double votes, signed by each of them. */
export type VoidListRecord = Fields<D.VoidList & { id: string; decisions: string[]; signatures?: PersonSignature[] }>

/** The record of each kind. */
export interface KindRecords {
  village: D.Village; unit: D.Unit; person: D.Person; proposal: D.Proposal; meeting: D.Meeting; vote: D.Vote
  notice: D.Notice; fund: D.Fund; allocation: D.Allocation; procedure: D.ProcedureRecord
  comment: Comment; attendance: D.Attendance; resolution: D.Resolution; checkoff: D.CheckOff; ballot: D.Ballot
  papercount: D.PaperCount; ledger: D.LedgerEntry; cosign: D.CoSignature; objection: D.Objection; answer: D.Answer
  override: D.Override; audit: AuditRecord; decision: Decision; progress: D.Progress; conflict: ConflictRecord
  rejection: Rejection; sealkey: SealKey; voidlist: VoidListRecord; personkey: PersonKeyRecord
}
export type RecordOf<K extends DocKind> = KindRecords[K]

/** Narrows a document to its kind (`doc.kind` alone does not narrow the envelope's type parameter). */
export function isKind<K extends DocKind>(doc: YishiDoc, kind: K): doc is YishiDoc<K> {
  return doc.kind === kind
}

/**
 * The record a document carries: its body with `id` (a village's without `village:`) and `villageId`.
 * `T` is the kind's record or a wider one a layer keeps (the tablet's person key with its sealed secret).
 */
export function recordOf<K extends DocKind, T extends RecordOf<K> = RecordOf<K>>(doc: YishiDoc<K>): T & { villageId: string } {
  const id = doc.kind === 'village' ? idRest(doc.id) : doc.id
  // The one step from a stored body to its type: a document passed its kind's body schema
  // (validateDocument) on the write, push, pull or import that brought it. Not a refused one (the hub
  // refused it for a reason, maybe that): read those only as refused (their `meta.refused`).
  // eslint-disable-next-line no-restricted-syntax -- see above: checked where the document entered
  return { ...doc.body, id, villageId: doc.village } as unknown as T & { villageId: string }
}
