/**
 * The envelope every replicated document shares (see ../README.md, the data contract).
 * Plain TypeScript: the hub imports this in Node, so nothing here may import rxdb at runtime.
 */

export const MUTABLE_KINDS = [
  'village', 'unit', 'person', 'proposal', 'meeting', 'vote', 'notice', 'fund', 'allocation', 'procedure',
] as const

export const IMMUTABLE_KINDS = [
  'comment', 'attendance', 'resolution', 'checkoff', 'ballot', 'papercount', 'ledger', 'cosign',
  'objection', 'answer', 'override', 'audit', 'decision', 'progress', 'conflict', 'rejection',
  // supervisors' seal keys (a replaced key is a new record) and the ballots they voided together
  'sealkey', 'voidlist',
  // a person's signing key (a replaced key is a new record)
  'personkey',
] as const

export type MutableKind = (typeof MUTABLE_KINDS)[number]
export type ImmutableKind = (typeof IMMUTABLE_KINDS)[number]
export type DocKind = MutableKind | ImmutableKind

export const DOC_KINDS: readonly DocKind[] = [...MUTABLE_KINDS, ...IMMUTABLE_KINDS]

const immutableSet = new Set<string>(IMMUTABLE_KINDS)
const kindSet = new Set<string>(DOC_KINDS)

export function isDocKind(value: unknown): value is DocKind {
  return typeof value === 'string' && kindSet.has(value)
}

/** Insert-only kinds: the hub refuses any second revision, the tablet never edits them. */
export function isImmutableKind(kind: string): kind is ImmutableKind {
  return immutableSet.has(kind)
}

/** `rest` of an id (`kind:rest`). */
export const ID_REST_PATTERN = '^[A-Za-z0-9_.:-]{1,120}$'
export const VILLAGE_ID_PATTERN = '^[a-z][a-z0-9-]{1,40}$'
export const ID_MAX_LENGTH = 142
/** An Ed25519 signature as base64url text (64 bytes). */
export const SIGNATURE_PATTERN = '^[A-Za-z0-9_-]{86}$'

/** Set by the hub on a document it never accepted (see "Rejections" in the contract). */
export interface Refusal {
  reason: string
  at: number
  /** the hub's signature over the record and the refusal (src/shared/provenance.ts); absent on older markers */
  sig?: string
}

export interface YishiDoc<K extends DocKind = DocKind, B = Record<string, unknown>> {
  /** `${kind}:${rest}` */
  id: string
  kind: K
  /** version of this kind's body schema */
  v: number
  /** villageId; must match the database */
  village: string
  /** council year the record belongs to (the fund year); used to archive closed years */
  year: number
  /** person id of the acting person (or account name for hub/staff) */
  author: string
  /** enrolled device id that wrote it ('hub' for the hub) */
  device: string
  /** device clock at the write, ms since epoch; never trusted alone */
  deviceTime: number
  /** per-device sequence number, strictly increasing */
  seq: number
  /** parent record id, '' when none */
  ref: string
  body: B
  /**
   * The writing device's Ed25519 signature (base64url) over the other fields but `refused`
   * (src/shared/provenance.ts); the hub's own records carry the hub's. Absent on records written
   * before their device had a key.
   */
  sig?: string
  refused?: Refusal
}

export function idOf(kind: DocKind, rest: string): string {
  return `${kind}:${rest}`
}

/** The part of an id after `kind:`. */
export function idRest(id: string): string {
  const i = id.indexOf(':')
  return i < 0 ? id : id.slice(i + 1)
}

export function kindOfId(id: string): string {
  const i = id.indexOf(':')
  return i < 0 ? '' : id.slice(0, i)
}

/** Deterministic: two tablets that check off the same voter in the same vote collide on sync. */
export function checkoffId(voteId: string, personId: string): string {
  return `checkoff:${idRest(voteId)}:${idRest(personId)}`
}

/** The JSON schema of the envelope (without body). Shared by RxDB and the hub's validation. */
export const ENVELOPE_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: ID_MAX_LENGTH },
    kind: { type: 'string', enum: [...DOC_KINDS], maxLength: 20 },
    v: { type: 'integer', minimum: 1, maximum: 1000 },
    village: { type: 'string', pattern: VILLAGE_ID_PATTERN, maxLength: 41 },
    year: { type: 'integer', minimum: 2000, maximum: 2200, multipleOf: 1 },
    author: { type: 'string', minLength: 1, maxLength: 142 },
    device: { type: 'string', minLength: 1, maxLength: 80 },
    deviceTime: { type: 'integer', minimum: 0, maximum: 9_999_999_999_999, multipleOf: 1 },
    seq: { type: 'integer', minimum: 0, maximum: 1_000_000_000_000, multipleOf: 1 },
    ref: { type: 'string', maxLength: ID_MAX_LENGTH },
    body: { type: 'object' },
    sig: { type: 'string', pattern: SIGNATURE_PATTERN, maxLength: 86 },
    refused: {
      type: 'object',
      properties: {
        reason: { type: 'string', maxLength: 500 }, at: { type: 'integer', minimum: 0 },
        sig: { type: 'string', pattern: SIGNATURE_PATTERN, maxLength: 86 },
      },
      required: ['reason', 'at'],
      additionalProperties: false,
    },
  },
  required: ['id', 'kind', 'v', 'village', 'year', 'author', 'device', 'deviceTime', 'seq', 'ref', 'body'],
  additionalProperties: false,
} as const
