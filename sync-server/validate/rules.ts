import { toEnvelope } from '../../src/shared/schemas/index'
import { recordRefusal, type VoteTimes } from '../../src/shared/acceptance'
import { refusal, type Refusal } from '../../src/shared/refusal'
import type { Principal } from '../auth/accounts'
import type { Proof } from './signature'

type Doc = Record<string, unknown> & { _id?: string; _rev?: string; _deleted?: boolean }

/** A vote as the hub's records show it (the ballot rule reads only these fields). */
export type VoteRecord = VoteTimes

export interface Context {
  principal: Principal
  village: string
  /** The hub's current version of this id (null when the hub never accepted it). */
  current: Doc | null
  /** Replication-style write (`new_edits=false`): the revision is the writer's, not the hub's. */
  newEdits: boolean
  /** A vote by id, from this push batch or the hub's records. */
  vote: (id: string) => VoteRecord | null
  /** What proves the document's writer (validate/signature.ts); 'credential' when not given. */
  proof?: Proof
}

const SAME_IGNORED = new Set(['_rev', '_revisions', '_meta', '_attachments', '_conflicts'])

/** Same content apart from CouchDB/RxDB bookkeeping fields. */
export function sameContent(a: Doc, b: Doc): boolean {
  return contentKey(a) === contentKey(b)
}

/** A document's content as one string, without what CouchDB keeps beside it (revision, conflicts): equal for the same record. */
export const contentKey = (d: Doc): string => JSON.stringify(Object.keys(d).filter((k) => !SAME_IGNORED.has(k)).sort().map((k) => [k, d[k]]))

/** CouchDB fields a written document may carry (`_attachments` only when empty). */
const COUCH_FIELDS = new Set(['_id', '_rev', '_deleted', '_revisions', '_attachments'])
const REV = /^([1-9][0-9]{0,9})-([0-9a-z]{1,64})$/
/** CouchDB's default `_revs_limit`: a longer history is never needed. */
const MAX_REVISIONS = 1000

/** The revisions a document claims, newest first (`_revisions`, else its `_rev` alone). */
function claimedRevs(doc: Doc): string[] {
  const h = doc._revisions as { start: number; ids: string[] } | undefined
  if (h) return h.ids.map((id, i) => `${h.start - i}-${id}`)
  return typeof doc._rev === 'string' ? [doc._rev] : []
}

/**
 * One identity per record, for every writer, the admin too: a record is stored under its `_id`
 * and nothing else names it — an `id` field is that same id, never another (the hub judged kind
 * and mutability by one while the engine stored the other); no `_`-prefixed id (design documents
 * run code in CouchDB, `_local` ones are checkpoints with routes of their own); no attachments
 * (photos travel through the blob route, within its limits); and a revision history that is
 * well-formed and short. Null when the document's identity is sound.
 */
export function identityRefusal(doc: Doc): Refusal | null {
  const no = (problem: string, reason: string) => refusal('record.identity', reason, { problem })
  const id = doc._id
  if (typeof id !== 'string' || id === '') return no('no-id', 'the record has no id')
  if (id.startsWith('_')) return no('reserved-id', `"${id.slice(0, 60)}": ids starting with "_" (design and local documents) belong to the hub`)
  if (doc.id !== undefined && doc.id !== id) return no('id-mismatch', `its id field "${String(doc.id).slice(0, 60)}" is not the id it is written under ("${id}")`)
  for (const key of Object.keys(doc)) {
    if (!key.startsWith('_')) continue
    if (key === '_attachments') {
      const a = doc._attachments
      if (a !== null && typeof a === 'object' && Object.keys(a).length === 0) continue
      return refusal('record.attachments', 'inline attachments are not accepted: photos and files go through the blob route')
    }
    if (!COUCH_FIELDS.has(key)) return no('field', `"${key.slice(0, 40)}" is not a field a record may carry`)
  }
  if (doc._rev !== undefined && (typeof doc._rev !== 'string' || !REV.test(doc._rev))) return no('rev', 'its revision is not in CouchDB\'s form ("<number>-<hash>")')
  if (doc._revisions !== undefined) {
    const h = doc._revisions as { start?: unknown; ids?: unknown }
    const ids = h?.ids
    if (typeof h !== 'object' || h === null || !Number.isInteger(h.start) || (h.start as number) < 1 || !Array.isArray(ids) || ids.length === 0 ||
      ids.length > MAX_REVISIONS || ids.length > (h.start as number) || ids.some((x) => typeof x !== 'string' || !/^[0-9a-z]{1,64}$/.test(x))) {
      return no('revisions', `its revision history is not well-formed (at most ${MAX_REVISIONS} revisions)`)
    }
    if (typeof doc._rev === 'string' && doc._rev !== claimedRevs(doc)[0]) return no('rev-history', 'its revision and its revision history disagree')
  }
  return null
}

/**
 * A record's writer is who authenticated. A tablet writes as itself: its device id in `device`
 * (the author is a person of its roster, which only the village can vouch for). An account — a
 * clerk, a supervisor, township staff — writes as itself in both `device` and `author`, so it can
 * neither pass for a tablet nor take the number of a tablet's audit event. A record its own device
 * signed is exempt (refusalReason): whoever relays it cannot have changed it.
 */
export function writerRefusal(env: { author: string; device: string }, p: Principal): Refusal | null {
  if (p.kind === 'device') return env.device === p.name ? null : refusal('writer.other-device', `written as device "${env.device}" but sent by device "${p.name}" without its signature`, { device: env.device, sender: p.name })
  if (p.kind === 'user') {
    if (env.device !== p.name) return refusal('writer.account', `written as device "${env.device}" but sent by account "${p.name}": an account writes as itself`, { device: env.device, account: p.name })
    if (env.author !== p.name) return refusal('writer.account', `written as "${env.author}" but sent by account "${p.name}": an account writes as itself`, { account: p.name })
  }
  return null
}

/**
 * A replication-style write (`new_edits=false`) must build on the hub's version: it may not graft a
 * branch of its own beside it (the kind and immutability of what the hub holds are the shared rule's,
 * src/shared/acceptance.ts).
 */
function revisionRefusal(doc: Doc, ctx: Context): Refusal | null {
  const cur = ctx.current
  if (!cur || cur._deleted || ctx.newEdits) return null
  return claimedRevs(doc).includes(String(cur._rev)) ? null : refusal('record.revision', 'this revision does not build on the hub\'s version of the record')
}

/**
 * The hub's rules for one document pushed to a village database by a tablet or an account (the
 * admin's writes meet `identityRefusal` only): one identity (`identityRefusal`); what any receiver
 * demands of a record (`recordRefusal` in src/shared/acceptance.ts: the shared schemas, the
 * village, a stored record keeps its kind and an immutable one stays as recorded, an audit event is
 * whole, ballots and check-offs only while their vote is open as the hub's records show); a
 * replication-style write builds on the hub's version; then who may bring it: its device signed it
 * (`ctx.proof`, validate/signature.ts), or else the writer is who authenticated (`writerRefusal`).
 * Returns the refusal (its code, src/shared/refusal.ts), or null when accepted. What passes is then
 * judged, with the rest of its batch, by the rule for acts a person signs (src/shared/villagesigning.ts
 * `signingRefusals`, in couch/push.ts): that rule reads the other records of the batch.
 */
export function refusalReason(doc: Doc, ctx: Context): Refusal | null {
  const identity = identityRefusal(doc)
  if (identity) return identity
  const proof = ctx.proof ?? 'credential'
  if (typeof proof === 'object') return proof.refusal
  // Nothing is stored under a refused id, not even the hub's own mark coming back through a tablet.
  if (doc.refused !== undefined) return refusal('record.hub-only', 'only the hub marks records as refused')
  const p = ctx.principal
  // (a hub-signed notice is the hub's own record coming back through a tablet)
  const why = recordRefusal(doc, { village: ctx.village, current: ctx.current, vote: ctx.vote, receiver: 'the hub', checkAudit: p.kind !== 'admin', fromHub: proof === 'hub' })
  if (why) return why
  const revision = revisionRefusal(doc, ctx)
  if (revision) return revision
  // A record its device signed proves its writer, whoever brings it; otherwise the writer is who authenticated.
  if (proof === 'credential') {
    const writer = writerRefusal(toEnvelope(doc) as { author: string; device: string }, p)
    if (writer) return writer
  }
  return null
}
