/**
 * One JSON schema per document kind: the `body` of the envelope, versioned by the envelope's `v`.
 * Money is in integer fen (分, 1/100 yuan). Times are ms since epoch.
 * Photos are referenced by content hash (sha-256, hex). Ids of other records are full ids (`kind:rest`).
 * Plain data: importable by the hub in Node.
 */
import type { DocKind } from './envelope'

export interface JsonSchema {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null'
  enum?: readonly (string | number | boolean)[]
  minLength?: number
  maxLength?: number
  pattern?: string
  minimum?: number
  maximum?: number
  multipleOf?: number
  properties?: Record<string, JsonSchema>
  required?: readonly string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  /** human name of the field, used in refusal reasons */
  title?: string
}

const text = (maxLength: number, minLength = 0): JsonSchema => ({ type: 'string', maxLength, minLength })
const id: JsonSchema = { type: 'string', pattern: '^[a-z]+:[A-Za-z0-9_.:-]{1,120}$', maxLength: 142 }
const optId: JsonSchema = { type: 'string', pattern: '^([a-z]+:[A-Za-z0-9_.:-]{1,120})?$', maxLength: 142 }
const int = (minimum = 0, maximum = Number.MAX_SAFE_INTEGER): JsonSchema => ({ type: 'integer', minimum, maximum })
const fen: JsonSchema = int(0, 1e13)
const time: JsonSchema = int(0, 9_999_999_999_999)
const hash: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{64}$', maxLength: 64 }
const photos: JsonSchema = { type: 'array', items: hash, maxItems: 20 }
const ids = (maxItems: number): JsonSchema => ({ type: 'array', items: id, maxItems })
const bool: JsonSchema = { type: 'boolean' }
const strings = (maxItems: number, maxLength = 60): JsonSchema => ({ type: 'array', items: text(maxLength), maxItems })
const anyObject: JsonSchema = { type: 'object' }
/** An Ed25519 signature, base64url (64 bytes); '' when none. */
const sig: JsonSchema = { type: 'string', pattern: '^([A-Za-z0-9_-]{86})?$', maxLength: 86 }

/**
 * Known fields are typed and the domain's required fields are required. Unknown extra fields are
 * tolerated (the domain model grows while tablets in the field run older code) but the whole body
 * is capped in size by validateDocument.
 */
function obj(properties: Record<string, JsonSchema>, required: readonly string[]): JsonSchema {
  return { type: 'object', properties, required }
}
function closed(properties: Record<string, JsonSchema>, required: readonly string[]): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false }
}
const oneOf = (values: readonly string[]): JsonSchema => ({ type: 'string', enum: values })

const fraction = obj({ num: int(0, 1000), den: int(1, 1000), strict: bool }, ['num', 'den', 'strict'])
const meetingRule = obj({ quorum: fraction, threshold: fraction }, ['quorum', 'threshold'])
const candidate = obj({ id, title: text(200, 1), cost: fen, proposalIds: ids(100) }, ['id', 'title', 'cost'])

/**
 * Current body schema of each kind (version = BODY_VERSIONS[kind]). A body is the domain record
 * (src/domain/model/types.ts) without `id` and `villageId`, which live in the envelope.
 */
export const BODY_SCHEMAS: Record<DocKind, JsonSchema> = {
  // ---- mutable
  village: obj({ townshipId: text(41), name: text(80, 1), procedureId: optId }, ['name']),
  unit: obj({ kind: oneOf(['courtyard', 'compound', 'building', 'villager-group']), name: text(80, 1) }, ['kind', 'name']),
  person: obj({
    name: text(60, 1), householdId: optId, unitId: optId, adult: bool, eligible: bool, householdHead: bool,
    roles: { type: 'array', items: text(40, 1), maxItems: 10 },
    // the signature that makes the roles count (src/shared/rosterroles.ts): the hub's key or a certified clerk's
    rolesSig: closed({ at: time, by: text(142, 1), keyId: text(142, 1), signature: sig }, ['at', 'by', 'keyId', 'signature']),
  }, ['name', 'eligible', 'roles']),
  proposal: obj({
    unitId: optId, title: text(200, 1), description: text(5000), proposedBy: optId, createdAt: time,
    status: text(30, 1), mergedInto: optId, estimatedCost: fen, photos,
  }, ['title', 'status']),
  meeting: obj({
    unitId: optId, kind: text(40, 1), title: text(200, 1), scheduledAt: time, place: text(200),
    agenda: { type: 'array', items: obj({ key: text(40, 1), title: text(200) }, ['key']), maxItems: 50 },
    memberCount: int(), minutes: text(50_000), status: oneOf(['planned', 'open', 'closed']),
  }, ['kind', 'title', 'scheduledAt', 'status']),
  vote: obj({
    unitId: optId, kind: text(40, 1), title: text(200, 1), candidates: { type: 'array', items: candidate, maxItems: 200 },
    ballotType: text(30, 1), minChoices: int(0, 500), maxChoices: int(0, 500), budget: fen, opensAt: time, closesAt: time,
    closedAt: time, roster: ids(20_000), perHousehold: bool, rule: text(30), sealKeys: strings(20, 200),
  }, ['title', 'candidates', 'ballotType', 'opensAt', 'closesAt']),
  notice: obj({
    stage: text(40, 1), subjectId: optId, title: text(200, 1), body: text(20_000), startAt: time, endAt: time, republishes: optId, photos,
  }, ['stage', 'title', 'startAt', 'endAt']),
  fund: obj({ year: int(2000, 2200), amount: fen, source: text(200) }, ['year', 'amount']),
  allocation: obj({ fundId: id, projectId: id, title: text(200), amount: fen, decidedBy: optId, at: time }, ['fundId', 'projectId', 'amount']),
  procedure: obj({
    name: text(120), steps: { type: 'array', maxItems: 40, items: obj({ key: text(40, 1), publicityDays: int(0, 365), requires: strings(20) }, ['key']) },
    meetingRules: { type: 'object', additionalProperties: meetingRule },
    templateId: optId, subjectId: optId, current: text(40), startedAt: time,
    history: { type: 'array', maxItems: 100, items: obj({ step: text(40, 1), completedAt: time, by: text(142), overrideId: optId }, ['step', 'completedAt']) },
  }, []),
  // ---- immutable
  // v2: `role` (a meeting's signature or minutes photo) and the signer's own `keyId` and `signature`
  comment: obj({ on: optId, text: text(5000, 1), by: optId, at: time, photos, role: text(40), keyId: optId, signature: sig }, ['text']),
  attendance: obj({ meetingId: id, personId: id, at: time, recordedBy: optId, proxyFor: optId }, ['meetingId', 'personId', 'at']),
  resolution: obj({
    meetingId: id, agendaKey: text(40), motion: text(5000, 1), members: int(), present: int(), yes: int(), no: int(), abstain: int(),
    outcome: oneOf(['adopted', 'rejected', 'not-quorate']), explanation: text(2000), at: time, recordedBy: optId,
  }, ['meetingId', 'motion', 'yes', 'no', 'abstain', 'outcome']),
  checkoff: obj({ voteId: id, voterId: id, at: time, device: text(120), recordedBy: id, seal: text(4000) }, ['voteId', 'voterId', 'at', 'recordedBy']),
  ballot: closed({ voteId: id, choices: ids(500), castAt: time, device: text(120) }, ['voteId', 'choices', 'castAt']),
  papercount: obj({
    voteId: id, enteredBy: id, at: time, total: int(), valid: int(), blank: int(), spoiled: int(),
    perOption: { type: 'object', additionalProperties: int() },
  }, ['voteId', 'enteredBy', 'total', 'valid', 'blank', 'spoiled', 'perOption']),
  ledger: obj({
    fundId: id, projectId: optId, kind: oneOf(['expense', 'refund']), amount: fen, payee: text(200), description: text(2000, 1),
    at: time, recordedBy: optId, photos,
  }, ['fundId', 'kind', 'amount', 'description', 'at']),
  // v2: the supervisor's own signature (their person key, `keyId`) over the act (src/shared/personacts.ts)
  cosign: obj({ ledgerId: id, supervisorId: id, approve: bool, note: text(2000), at: time, keyId: optId, signature: sig }, ['ledgerId', 'supervisorId', 'approve', 'at']),
  objection: obj({ noticeId: id, raisedBy: text(142), text: text(5000, 1), at: time, photos }, ['noticeId', 'text', 'at']),
  answer: obj({ objectionId: id, answeredBy: id, text: text(5000, 1), at: time }, ['objectionId', 'answeredBy', 'text', 'at']),
  // v2: `subjectId`, the vote or project an `early` override lets go ahead before its publicity ends
  override: obj({ procedureId: optId, step: text(40, 1), action: text(20, 1), subjectId: optId, personId: id, reason: text(2000, 1), at: time }, ['step', 'action', 'personId', 'reason', 'at']),
  audit: closed({
    device: text(120, 1), seq: int(), at: time, actor: text(142), action: text(40, 1), subjectId: id,
    digest: hash, prevHash: { type: 'string', pattern: '^([0-9a-f]{64})?$' }, hash,
  }, ['device', 'seq', 'at', 'actor', 'action', 'subjectId', 'prevHash', 'hash']),
  decision: obj({ subjectId: id, outcome: text(60, 1), reason: text(2000, 1), by: id, keep: optId, at: time }, ['subjectId', 'outcome', 'reason', 'by']),
  progress: obj({ projectId: id, at: time, by: optId, text: text(5000, 1), startsWork: bool, percent: int(0, 100), photos }, ['projectId', 'text', 'at']),
  conflict: obj({
    subjectId: id, reason: oneOf(['double-checkoff', 'duplicate-insert', 'concurrent-edit']),
    winner: obj({ device: text(120), seq: int(), author: text(142) }, ['device', 'seq']),
    loser: anyObject, fields: strings(100), at: time,
  }, ['subjectId', 'reason', 'winner', 'loser']),
  // `code` and `params`: the refusal as its check decided it (src/shared/refusal.ts); absent from notices of hubs before codes
  rejection: obj({ subjectId: id, reason: text(500, 1), code: { type: 'string', pattern: '^[a-z][a-z.-]{0,59}$', maxLength: 60 }, params: { type: 'object' }, device: text(120), seq: int(), at: time }, ['subjectId', 'reason']),
  // A supervisor's seal key: public key in clear, secret key sealed with their passphrase
  // (PBKDF2-SHA-256 → AES-GCM; the AES-GCM additional data binds it to personId and publicKey).
  // v2: signed by the supervisor's signing key (`keyId`), set up with the same passphrase (src/shared/personacts.ts)
  // v3: the signature covers the sealed secret too: `claim` 3 says so (absent: a v2 key, signed over its older claim)
  sealkey: closed({
    personId: id, publicKey: { type: 'string', pattern: '^[0-9a-f]{64}$', maxLength: 64 },
    kdf: oneOf(['pbkdf2-sha256']), iterations: int(200_000, 10_000_000), salt: { type: 'string', pattern: '^[0-9a-f]{32,128}$', maxLength: 128 },
    cipher: oneOf(['aes-256-gcm']), iv: { type: 'string', pattern: '^[0-9a-f]{24}$', maxLength: 24 },
    secret: { type: 'string', pattern: '^[0-9a-f]{64,256}$', maxLength: 256 }, createdAt: time, replaces: optId, keyId: optId, signature: sig, claim: int(3, 3),
  }, ['personId', 'publicKey', 'kdf', 'iterations', 'salt', 'cipher', 'iv', 'secret', 'createdAt']),
  // A person's signing key (Ed25519, base64url): public key in clear, secret sealed with their passphrase
  // like a seal key (additional data `yishi-personkey-v1|<personId>|<publicKey>`), set up in front of the
  // clerk (`witnessedBy`) and signed by itself (`signature`, proof the maker held the secret). What vouches
  // for it (src/shared/personacts.ts `witnessProblem`): a clerk's own key, the hub's `certificate`; anyone
  // else's, the `witness` signature of that clerk's certified key. A key with neither signs nothing.
  personkey: closed({
    personId: id, publicKey: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', maxLength: 43 },
    kdf: oneOf(['pbkdf2-sha256']), iterations: int(200_000, 10_000_000), salt: { type: 'string', pattern: '^[0-9a-f]{32,128}$', maxLength: 128 },
    cipher: oneOf(['aes-256-gcm']), iv: { type: 'string', pattern: '^[0-9a-f]{24}$', maxLength: 24 },
    secret: { type: 'string', pattern: '^[0-9a-f]{64,256}$', maxLength: 256 }, createdAt: time, witnessedBy: id, replaces: optId, signature: sig,
    certificate: closed({ issuedAt: time, by: text(80, 1), sig }, ['issuedAt', 'by', 'sig']),
    witness: closed({ keyId: id, signature: sig }, ['keyId', 'signature']),
  }, ['personId', 'publicKey', 'kdf', 'iterations', 'salt', 'cipher', 'iv', 'secret', 'createdAt', 'witnessedBy', 'signature']),
  // Ballots voided by the supervisors who opened the void seals together (sorted ids; no voter, no choice).
  // v2: each of them signs it with their own key (`signatures`, src/shared/personacts.ts)
  voidlist: closed({
    voteId: id, ballotIds: { type: 'array', items: id, minItems: 1, maxItems: 5000 }, openedBy: { type: 'array', items: id, minItems: 1, maxItems: 20 },
    decisions: { type: 'array', items: id, minItems: 1, maxItems: 5000 }, at: time,
    signatures: { type: 'array', maxItems: 20, items: closed({ personId: id, keyId: id, signature: sig }, ['personId', 'keyId', 'signature']) },
  }, ['voteId', 'ballotIds', 'openedBy', 'decisions', 'at']),
}

/** The field of the body that names the parent record, copied into the envelope's `ref`. */
export const PARENT_FIELD: Partial<Record<DocKind, string>> = {
  attendance: 'meetingId', resolution: 'meetingId', checkoff: 'voteId', ballot: 'voteId', papercount: 'voteId',
  allocation: 'fundId', ledger: 'fundId', cosign: 'ledgerId', objection: 'noticeId', answer: 'objectionId',
  progress: 'projectId', override: 'procedureId', decision: 'subjectId', conflict: 'subjectId', rejection: 'subjectId',
  comment: 'on', notice: 'subjectId', sealkey: 'personId', voidlist: 'voteId', personkey: 'personId',
}

/** Current version of each kind's body. A document with a lower `v` is migrated on read and on the hub. */
export const BODY_VERSIONS: Record<DocKind, number> = {
  ...Object.fromEntries(Object.keys(BODY_SCHEMAS).map((k) => [k, 1])),
  cosign: 2, override: 2, comment: 2, sealkey: 3, voidlist: 2,
} as Record<DocKind, number>

/**
 * Body migrations: BODY_MIGRATIONS[kind][n] turns a version n-1 body into a version n body.
 * Kept forever, so any older document can be brought up to date.
 */
export const BODY_MIGRATIONS: Partial<Record<DocKind, Record<number, (body: Record<string, unknown>) => Record<string, unknown>>>> = {
  // a co-signature recorded before person keys carries no signature: it stays unsigned (never counted as signed)
  cosign: { 2: (body) => ({ keyId: '', signature: '', ...body }) },
  comment: { 2: (body) => ({ ...body }) },
  // seal keys and void lists recorded before they were signed stay unsigned (shown as such, never counted as signed)
  // a v2 seal key keeps the claim it was signed with: no `claim`, so its signature is checked as it was made (src/shared/personacts.ts `SEALKEY_CLAIM`)
  sealkey: { 2: (body) => ({ ...body }), 3: (body) => ({ ...body }) },
  voidlist: { 2: (body) => ({ ...body }) },
  // overrides before `early` were about a step, not a vote or project
  override: { 2: (body) => ({ subjectId: '', ...body }) },
}

/** Brings a body up to the current version of its kind. */
export function migrateBody(kind: DocKind, v: number, body: Record<string, unknown>): { v: number; body: Record<string, unknown> } {
  const target = BODY_VERSIONS[kind]
  let current = body
  for (let n = v + 1; n <= target; n++) {
    const step = BODY_MIGRATIONS[kind]?.[n]
    if (!step) throw new Error(`no migration for ${kind} body to version ${n}`)
    current = step(current)
  }
  return { v: Math.max(v, target), body: current }
}
