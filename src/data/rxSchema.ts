/**
 * The RxDB collection schema of the one replicated collection, `docs`, with its version history and
 * migration strategies. Type-only import of rxdb: the hub can import this file in Node.
 */
import type { MigrationStrategies, RxJsonSchema } from 'rxdb'
import { ENVELOPE_SCHEMA, type YishiDoc } from '@/shared/schemas/envelope'

export const COLLECTION_NAME = 'docs'

/** A schema built from our `as const` envelope schema, as RxDB's type. */
function asRxSchema<T>(schema: object): RxJsonSchema<T> {
  // eslint-disable-next-line no-restricted-syntax -- RxDB's schema type wants mutable arrays (enum, required, indexes) and one property per field of T; ours are readonly constants
  return schema as unknown as RxJsonSchema<T>
}

/**
 * The kinds as collection schema versions 0 and 1 were first stored on tablets. RxDB runs here
 * without a validator plugin (our own validateDocument checks every write and push against
 * DOC_KINDS), so this list only describes; but it is part of the stored schema's hash, and a
 * changed hash would refuse to open every tablet's database in the field (RxDB error DB6).
 * Kinds added later (sealkey, voidlist, …) are stored under the same schema.
 */
const STORED_KINDS_V1 = [
  'village', 'unit', 'person', 'proposal', 'meeting', 'vote', 'notice', 'fund', 'allocation', 'procedure',
  'comment', 'attendance', 'resolution', 'checkoff', 'ballot', 'papercount', 'ledger', 'cosign',
  'objection', 'answer', 'override', 'audit', 'decision', 'progress', 'conflict', 'rejection',
] as const
const { year: yearProp, sig: _sig, refused: _refused, ...envelopeCurrentProps } = ENVELOPE_SCHEMA.properties
/** `refused` as versions 0 and 1 stored it (before the hub signed its markers). */
const REFUSED_V1 = {
  type: 'object',
  properties: { reason: { type: 'string', maxLength: 500 }, at: { type: 'integer', minimum: 0 } },
  required: ['reason', 'at'],
  additionalProperties: false,
} as const
const envelopeV0Props = { ...envelopeCurrentProps, refused: REFUSED_V1, kind: { ...envelopeCurrentProps.kind, enum: [...STORED_KINDS_V1] } }
const primaryId = { ...ENVELOPE_SCHEMA.properties.id, type: 'string' as const, maxLength: 142 }
const INDEXES_V1 = [['kind', 'ref', 'deviceTime'], ['kind', 'deviceTime'], ['device', 'seq'], ['year', 'kind']]

/** Version 0: the contract as first written (no `year`). Kept so older tablets can migrate. */
export const DOCS_SCHEMA_V0 = asRxSchema<Omit<YishiDoc, 'year'>>({
  title: 'yishi docs',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { ...envelopeV0Props, id: primaryId },
  required: ENVELOPE_SCHEMA.required.filter((k) => k !== 'year'),
  indexes: [['kind', 'ref'], ['kind', 'deviceTime'], ['device', 'seq']],
})

/**
 * Version 1: adds `year`, the council year a record belongs to, so a closed year can be archived off
 * the tablet. Indexes serve every query the screens run: lists by kind (newest first), children of a
 * record (ballots of a vote, attendance of a meeting), this device's writes by sequence (pending
 * count, audit chain, export), and a year's records (archive). Frozen: tablets in the field stored it.
 */
export const DOCS_SCHEMA_V1 = asRxSchema<YishiDoc>({
  title: 'yishi docs',
  version: 1,
  primaryKey: 'id',
  type: 'object',
  properties: { ...envelopeV0Props, id: primaryId, year: yearProp },
  required: [...ENVELOPE_SCHEMA.required],
  indexes: INDEXES_V1,
})

/**
 * Version 2 (current): adds `sig`, the writing device's signature, and `refused.sig`, the hub's
 * signature on a refused marker (src/shared/provenance.ts). Same indexes. Records stored before
 * keep no signature (their device brings them to the hub itself).
 */
export const DOCS_SCHEMA = asRxSchema<YishiDoc>({
  ...DOCS_SCHEMA_V1,
  version: 2,
  properties: { ...ENVELOPE_SCHEMA.properties, kind: envelopeV0Props.kind, id: primaryId },
})

/** China Standard Time has no daylight saving: the council year of a device time. */
export function yearOfTime(ms: number): number {
  return new Date(ms + 8 * 3600_000).getUTCFullYear()
}

/** The council year of a version-0 document: a fund's own year, otherwise the year of its device time. */
export function yearOfV0(doc: Omit<YishiDoc, 'year'>): number {
  const bodyYear = (doc.body as { year?: unknown }).year
  return doc.kind === 'fund' && typeof bodyYear === 'number' ? bodyYear : yearOfTime(doc.deviceTime)
}

export const DOCS_MIGRATIONS: MigrationStrategies = {
  1: (old: Omit<YishiDoc, 'year'>) => ({ ...old, year: yearOfV0(old) }),
  // nothing to change: a record written before signatures stays as its device wrote it
  2: (old: YishiDoc) => old,
}
