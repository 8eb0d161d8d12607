/**
 * A document as storage holds it (RxDB's `_rev`, `_meta`…; CouchDB's `_id`, `_rev`…) turned back
 * into the envelope, once for the tablet, the township and the hub. What comes from outside the
 * process is checked field by field before it is called an envelope.
 */
import { isDocKind, type Refusal, type YishiDoc } from './envelope'

/** An envelope with the bookkeeping RxDB or PouchDB adds beside it. */
export type StoredDoc = YishiDoc & { _rev?: string; _meta?: unknown; _attachments?: unknown; _deleted?: boolean; _conflicts?: unknown }

/** The envelope without storage bookkeeping (a document this process already holds as an envelope). */
export function withoutStorage(doc: StoredDoc): YishiDoc {
  const { _rev: _r, _meta: _m, _attachments: _a, _deleted: _d, _conflicts: _c, ...envelope } = doc
  return envelope
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)
const isText = (v: unknown): v is string => typeof v === 'string'

function refusalOf(value: unknown): Refusal | null {
  if (!isPlainObject(value) || !isText(value.reason) || !isInt(value.at)) return null
  return { reason: value.reason, at: value.at, ...(isText(value.sig) ? { sig: value.sig } : {}) }
}

/**
 * The envelope of a document in RxDB's form (`id`) or CouchDB's (`_id`), its fields checked for
 * their types; null when one is missing or of another type (the full rules: validateDocument).
 */
export function envelopeOf(raw: unknown): YishiDoc | null {
  if (!isPlainObject(raw)) return null
  const { _id, id = _id, kind, v, village, year, author, device, deviceTime, seq, ref, body, sig, refused } = raw
  if (!isText(id) || !isDocKind(kind) || !isInt(v) || !isText(village) || !isInt(year) || !isText(author) || !isText(device)) return null
  if (!isInt(deviceTime) || !isInt(seq) || !isText(ref) || !isPlainObject(body)) return null
  if (sig !== undefined && !isText(sig)) return null
  const refusal = refused === undefined ? undefined : refusalOf(refused)
  if (refusal === null) return null
  return { id, kind, v, village, year, author, device, deviceTime, seq, ref, body, ...(sig !== undefined ? { sig } : {}), ...(refusal ? { refused: refusal } : {}) }
}
