/**
 * One JSON schema per document kind: the `body` of the envelope, versioned by the envelope's `v`.
 * Money is in integer fen (分, 1/100 yuan). Times are ms since epoch. Dates are `YYYY-MM-DD`.
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
const signedFen: JsonSchema = int(-1e13, 1e13)
const time: JsonSchema = int(0, 9_999_999_999_999)
const date: JsonSchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10 }
const hash: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{64}$', maxLength: 64 }
const photos: JsonSchema = { type: 'array', items: hash, maxItems: 20 }
const ids = (maxItems: number): JsonSchema => ({ type: 'array', items: id, maxItems })
const bool: JsonSchema = { type: 'boolean' }
const strings = (maxItems: number, maxLength = 60): JsonSchema => ({ type: 'array', items: text(maxLength), maxItems })
const ratio: JsonSchema = { type: 'number', minimum: 0, maximum: 1 }
const anyObject: JsonSchema = { type: 'object' }

function obj(properties: Record<string, JsonSchema>, required: readonly string[]): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false }
}

/** Council bodies that meet and vote. */
export const BODY_TYPES = ['council', 'courtyard-council', 'villagers', 'representatives', 'committee', 'supervisory'] as const
export const ROLES = ['clerk', 'council', 'supervisor', 'representative', 'committee', 'resident', 'staff'] as const

const rule = obj({ quorum: ratio, threshold: ratio, ofPresent: bool }, ['quorum', 'threshold'])

const voteOption = obj({
  id: text(40, 1), label: text(200, 1), proposal: optId, cost: fen,
}, ['id', 'label'])

/** Current body schema of each kind (version = BODY_VERSIONS[kind]). */
export const BODY_SCHEMAS: Record<DocKind, JsonSchema> = {
  // ---- mutable
  village: obj({
    name: text(80, 1), township: text(80), townshipName: text(80), adults: int(), households: int(),
    representatives: int(), procedure: optId,
  }, ['name']),
  unit: obj({ name: text(80, 1), type: { type: 'string', enum: ['courtyard', 'compound', 'building', 'group'] } }, ['name', 'type']),
  person: obj({
    name: text(60, 1), unit: optId, household: text(60), roles: { type: 'array', items: { type: 'string', enum: [...ROLES] }, maxItems: 7 },
    eligible: bool, active: bool, phone: text(20),
  }, ['name', 'roles', 'eligible', 'active']),
  proposal: obj({
    title: text(200, 1), text: text(5000), unit: optId, proposer: optId, category: text(40), estimate: fen,
    status: text(30, 1), photos, merged: ids(50), history: { type: 'array', items: anyObject, maxItems: 200 },
  }, ['title', 'status']),
  meeting: obj({
    title: text(200, 1), type: { type: 'string', enum: [...BODY_TYPES] }, scheduledAt: time, place: text(200),
    status: text(30, 1), agenda: ids(50), members: int(), rule, noticeAt: time, openedAt: time, closedAt: time,
    minutes: text(20000), minutesBy: optId,
  }, ['title', 'type', 'scheduledAt', 'status']),
  vote: obj({
    title: text(200, 1), meeting: optId, method: { type: 'string', enum: ['approval', 'resolution', 'knapsack', 'equal-shares'] },
    options: { type: 'array', items: voteOption, maxItems: 100 }, maxChoices: int(0, 100), budget: fen,
    roster: { type: 'string', enum: ['persons', 'households', 'members'] }, eligible: int(), rule,
    status: { type: 'string', enum: ['draft', 'open', 'closed', 'cancelled'] }, secret: bool,
    openedBy: optId, closedBy: optId,
  }, ['title', 'method', 'options', 'status']),
  notice: obj({
    title: text(200, 1), text: text(10000), subject: optId, stage: { type: 'string', enum: ['decision', 'process', 'accounts', 'other'] },
    days: int(0, 365), postedAt: time, closesOn: date, status: text(30, 1), photos, republishOf: optId,
  }, ['title', 'stage', 'status']),
  fund: obj({ name: text(120, 1), year: int(2000, 2200), amount: fen, source: text(120) }, ['name', 'year', 'amount']),
  allocation: obj({
    fund: id, vote: optId, method: text(30), items: {
      type: 'array', maxItems: 200,
      items: obj({ proposal: id, amount: fen, rank: int(), funded: bool }, ['proposal', 'amount', 'funded']),
    }, total: fen, status: text(30, 1),
  }, ['fund', 'items', 'status']),
  procedure: obj({
    name: text(120, 1), steps: {
      type: 'array', maxItems: 30,
      items: obj({ key: text(40, 1), label: text(120), direction: { type: 'string', enum: ['up', 'down', 'public', 'other'] }, days: int(0, 365), optional: bool }, ['key']),
    }, publicityDays: int(0, 365), noticeDays: int(0, 365), councilRule: rule, villagersRule: rule, representativesRule: rule,
    infrastructureThreshold: ratio,
  }, ['name', 'steps']),
  // ---- immutable
  comment: obj({ text: text(5000, 1), photos, on: optId }, ['text']),
  attendance: obj({ person: id, present: bool, proxyFor: optId, at: time }, ['person', 'present']),
  resolution: obj({
    text: text(5000, 1), subject: optId, outcome: { type: 'string', enum: ['adopted', 'rejected', 'no-quorum'] },
    yes: int(), no: int(), abstain: int(), present: int(), members: int(),
  }, ['text', 'outcome']),
  checkoff: obj({ person: id, household: text(60), proxy: optId }, ['person']),
  ballot: obj({
    choices: strings(100, 40), blank: bool, spoiled: bool, paper: bool,
  }, ['choices']),
  papercount: obj({
    totals: { type: 'object', additionalProperties: int() }, valid: int(), blank: int(), spoiled: int(), total: int(),
    enteredBy: id, confirmedBy: id, photos,
  }, ['totals', 'valid', 'blank', 'spoiled', 'total', 'enteredBy', 'confirmedBy']),
  ledger: obj({
    amount: signedFen, fund: id, proposal: optId, payee: text(120), purpose: text(500, 1), date,
    photos, correctionOf: optId,
  }, ['amount', 'fund', 'purpose', 'date']),
  cosign: obj({ entry: id, by: id, verdict: { type: 'string', enum: ['approved', 'questioned'] }, note: text(1000) }, ['entry', 'by', 'verdict']),
  objection: obj({ text: text(5000, 1), by: optId, name: text(60), photos }, ['text']),
  answer: obj({ text: text(5000, 1), by: id, republish: bool }, ['text', 'by']),
  override: obj({ step: text(40, 1), action: { type: 'string', enum: ['skip', 'override', 'reopen'] }, reason: text(1000, 1), by: id }, ['step', 'action', 'reason', 'by']),
  audit: obj({
    n: int(), doc: id, op: { type: 'string', enum: ['insert', 'update'] }, digest: hash, prev: { type: 'string', pattern: '^([0-9a-f]{64})?$' }, hash,
  }, ['n', 'doc', 'op', 'digest', 'prev', 'hash']),
  decision: obj({ subject: id, outcome: text(60, 1), reason: text(2000, 1), by: id, keep: optId }, ['subject', 'outcome', 'reason', 'by']),
  progress: obj({ text: text(5000, 1), percent: int(0, 100), photos }, ['text']),
  conflict: obj({
    subject: id, reason: { type: 'string', enum: ['double-checkoff', 'duplicate-insert', 'concurrent-edit'] },
    winner: obj({ device: text(80), seq: int(), author: text(142) }, ['device', 'seq']),
    loser: anyObject, fields: strings(100),
  }, ['subject', 'reason', 'winner', 'loser']),
  rejection: obj({ subject: id, reason: text(500, 1), device: text(80), seq: int(), at: time }, ['subject', 'reason']),
}

/** Current version of each kind's body. A document with a lower `v` is migrated on read and on the hub. */
export const BODY_VERSIONS: Record<DocKind, number> = Object.fromEntries(
  Object.keys(BODY_SCHEMAS).map((k) => [k, 1]),
) as Record<DocKind, number>

/**
 * Body migrations: BODY_MIGRATIONS[kind][n] turns a version n-1 body into a version n body.
 * Kept forever, so any older document can be brought up to date.
 */
export const BODY_MIGRATIONS: Partial<Record<DocKind, Record<number, (body: Record<string, unknown>) => Record<string, unknown>>>> = {}

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
