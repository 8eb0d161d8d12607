/**
 * Validation without eval (works under a CSP without 'unsafe-eval', and in the hub under Node):
 * a small interpreter for the JSON-schema subset our schemas use, giving reasons a person can act on.
 */
import { BODY_SCHEMAS, BODY_VERSIONS, PARENT_FIELD, migrateBody, type JsonSchema } from './bodies'
import { ENVELOPE_SCHEMA, ID_REST_PATTERN, checkoffId, isDocKind, isImmutableKind, type DocKind, type YishiDoc } from './envelope'
import { refusal, type Refusal, type RefusalCode, type RefusalParams } from '../refusal'

/** A refusal says its code and, for a field, the field's name (`params.field`: the last named part of its path). */
export type Validation = { ok: true } | ({ ok: false } & Refusal)

const no = (code: RefusalCode, reason: string, params: RefusalParams = {}): Validation => ({ ok: false, ...refusal(code, reason, params) })

/** A field's problem: its code, its path, and the reason in English. */
interface FieldProblem { code: 'form.missing' | 'form.unknown-field' | 'form.invalid' | 'form.too-long'; path: string; reason: string; max?: number }
/** The field a path names (`options[2].cost` → `cost`). */
const leaf = (path: string) => path.replace(/\[\d+\]/g, '').split('.').filter(Boolean).pop() ?? ''

const patternCache = new Map<string, RegExp>()
function regex(pattern: string): RegExp {
  let re = patternCache.get(pattern)
  if (!re) { re = new RegExp(pattern); patternCache.set(pattern, re) }
  return re
}

function describe(value: unknown): string {
  if (value === null) return 'empty'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return 'text'
  if (typeof value === 'number') return 'a number'
  return typeof value === 'object' ? 'a group of fields' : typeof value
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text', integer: 'a whole number', number: 'a number', boolean: 'yes or no', object: 'a group of fields', array: 'a list', null: 'empty',
}

function typeOk(type: NonNullable<JsonSchema['type']>, value: unknown): boolean {
  switch (type) {
    case 'string': return typeof value === 'string'
    case 'integer': return typeof value === 'number' && Number.isInteger(value)
    case 'number': return typeof value === 'number' && Number.isFinite(value)
    case 'boolean': return typeof value === 'boolean'
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value)
    case 'array': return Array.isArray(value)
    case 'null': return value === null
  }
}

/** Null when `value` satisfies `schema`, otherwise what is wrong and with which field. */
function checkSchema(schema: JsonSchema, value: unknown, path: string): FieldProblem | null {
  const at = path || 'the record'
  const bad = (reason: string): FieldProblem => ({ code: 'form.invalid', path, reason })
  if (schema.type && !typeOk(schema.type, value)) return bad(`${at} should be ${TYPE_WORDS[schema.type]}, not ${describe(value)}`)
  if (schema.enum && !schema.enum.includes(value as string)) return bad(`${at} must be one of: ${schema.enum.join(', ')} (got "${String(value)}")`)
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) return bad(schema.minLength === 1 ? `${at} is empty` : `${at} is shorter than ${schema.minLength} characters`)
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return { code: 'form.too-long', path, max: schema.maxLength, reason: `${at} is longer than ${schema.maxLength} characters` }
    if (schema.pattern && !regex(schema.pattern).test(value)) return bad(`${at} is not in the expected form ("${value.slice(0, 60)}")`)
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return bad(`${at} is below ${schema.minimum}`)
    if (schema.maximum !== undefined && value > schema.maximum) return bad(`${at} is above ${schema.maximum}`)
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return bad(`${at} needs at least ${schema.minItems} entries`)
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return bad(`${at} has more than ${schema.maxItems} entries`)
    if (schema.items) {
      for (let i = 0; i < value.length; i++) {
        const r = checkSchema(schema.items, value[i], `${at}[${i}]`)
        if (r) return r
      }
    }
  }
  if (schema.type === 'object' && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>
    for (const key of schema.required ?? []) {
      if (record[key] === undefined) return { code: 'form.missing', path: path ? `${path}.${key}` : key, reason: `${path ? `${path}.` : ''}${key} is missing` }
    }
    const props = schema.properties ?? {}
    for (const [key, v] of Object.entries(record)) {
      if (v === undefined) continue
      const child = props[key]
      const childPath = path ? `${path}.${key}` : key
      if (child) {
        const r = checkSchema(child, v, childPath)
        if (r) return r
      } else if (schema.additionalProperties === false) {
        return { code: 'form.unknown-field', path: childPath, reason: `${childPath} is not a field this app knows` }
      } else if (typeof schema.additionalProperties === 'object') {
        const r = checkSchema(schema.additionalProperties, v, childPath)
        if (r) return r
      }
    }
  }
  return null
}

/** Parent kind a `ref` must point to, for kinds whose parent is fixed. */
const REF_KIND: Partial<Record<DocKind, string>> = {
  checkoff: 'vote', ballot: 'vote', papercount: 'vote', attendance: 'meeting', objection: 'notice', answer: 'objection',
  cosign: 'ledger', sealkey: 'person', voidlist: 'vote',
}

/** Bodies are small records; photos travel as blobs referenced by hash. */
export const MAX_BODY_CHARS = 512_000

/** Deeper nesting than any schema uses is refused before anything recurses into it. */
export const MAX_DEPTH = 12

function depthOver(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  for (let steps = 0; stack.length > 0; steps++) {
    if (steps > 200_000) return true
    const [v, depth] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth >= max) return true
    for (const child of Object.values(v)) stack.push([child, depth + 1])
  }
  return false
}

const COUCH_FIELDS = new Set(['_id', '_rev', '_deleted', '_revisions', '_attachments', '_conflicts', '_meta'])

/** Takes a document as RxDB holds it or as CouchDB sends it (`_id`, `_rev`) and returns the envelope. */
export function toEnvelope(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(doc)) if (!COUCH_FIELDS.has(k)) out[k] = v
  if (out.id === undefined && typeof doc._id === 'string') out.id = doc._id
  return out
}

/** A field's problem as a refusal of a `kind`: the field by name (`field`), its limit when it has one. */
function fieldRefusal(kind: DocKind, p: FieldProblem): Validation {
  return no(p.code, `${kind}: ${p.reason}`, { kind, field: leaf(p.path), ...(p.max !== undefined ? { max: p.max } : {}) })
}

/** Validates a body against its kind's current schema (migrating older versions first). */
function validateBody(kind: DocKind, v: number, body: unknown): Validation {
  if (v > BODY_VERSIONS[kind]) return no('form.newer-app', `this ${kind} was written by a newer version of the app (version ${v}); update the app`, { kind, version: v })
  let current = body as Record<string, unknown>
  try {
    current = migrateBody(kind, v, current).body
  } catch (e) {
    return no('form.old-format', `this ${kind} is in an old format that cannot be converted: ${(e as Error).message}`, { kind })
  }
  const problem = checkSchema(BODY_SCHEMAS[kind], current, '')
  return problem ? fieldRefusal(kind, problem) : { ok: true }
}

/**
 * Validates one document (RxDB or CouchDB form) against the envelope, its kind's body schema and the
 * rules the contract puts on ids and parents: a refusal with its code (src/shared/refusal.ts).
 */
export function validateDocument(doc: unknown): Validation {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return no('form.not-record', 'not a record')
  const raw = doc as Record<string, unknown>
  if (raw._deleted === true) return no('record.deleted', 'records are never deleted')
  const env = toEnvelope(raw)
  if (!isDocKind(env.kind)) return no('form.unknown-kind', `unknown kind of record "${String(env.kind)}"`, { kindName: String(env.kind).slice(0, 40) })
  const kind = env.kind
  const envProblem = checkSchema(ENVELOPE_SCHEMA as unknown as JsonSchema, { ...env, body: env.body ?? undefined }, '')
  if (envProblem) return fieldRefusal(kind, envProblem)
  const d = env as unknown as YishiDoc
  if (!d.id.startsWith(`${kind}:`)) return no('form.id', `${kind}: its id "${d.id}" should start with "${kind}:"`, { kind })
  if (!regex(ID_REST_PATTERN).test(d.id.slice(kind.length + 1))) return no('form.id', `${kind}: its id "${d.id}" has characters that are not allowed`, { kind })
  const refKind = REF_KIND[kind]
  if (refKind && !d.ref.startsWith(`${refKind}:`)) return no('form.ref', `${kind}: it must belong to a ${refKind} (ref is "${d.ref}")`, { kind, parent: refKind })
  // a refused document carries whatever the hub could not accept; only its envelope is checked
  if (d.refused) return { ok: true }
  if (depthOver(d.body, MAX_DEPTH)) return no('form.too-deep', `${kind}: nested more than ${MAX_DEPTH} levels deep`, { kind })
  if (JSON.stringify(d.body).length > MAX_BODY_CHARS) return no('form.too-large', `${kind}: too large (more than ${MAX_BODY_CHARS / 1000} KB); attach photos by hash instead`, { kind })
  const body = validateBody(kind, d.v, d.body)
  if (!body.ok) return body
  const parentField = PARENT_FIELD[kind]
  if (parentField && (d.body[parentField] ?? '') !== d.ref) {
    return no('form.parent', `${kind}: ref "${d.ref}" and ${parentField} "${String(d.body[parentField] ?? '')}" must name the same record`, { kind, field: parentField })
  }
  if (kind === 'checkoff' && d.id !== checkoffId(d.ref, String(d.body.voterId))) {
    return no('form.checkoff-id', `checkoff: its id must be ${checkoffId(d.ref, String(d.body.voterId))} so a second check-off of the same voter is caught`, { kind })
  }
  return { ok: true }
}

export { isImmutableKind }
