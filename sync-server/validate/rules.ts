import { isImmutableKind, kindOfId, toEnvelope, validateDocument } from '../../src/shared/schemas/index'
import { auditEventRefusal } from '../../src/domain/audit'
import type { AuditEvent } from '../../src/domain/model/types'
import type { Principal } from '../auth/accounts'
import type { Proof } from './signature'

type Doc = Record<string, unknown> & { _id?: string; _rev?: string; _deleted?: boolean }

/** A vote as the hub's records show it (the ballot rule reads only these fields). */
export interface VoteRecord { opensAt?: number; closesAt?: number; closedAt?: number }

/** How far before a vote's recorded opening a ballot's device time may lie (tablet clocks drift). */
export const OPEN_SKEW_MS = 24 * 3600_000

export interface Context {
  principal: Principal
  village: string
  /** The hub's current version of this id (null when the hub never accepted it). */
  current: Doc | null
  /** A vote by id, from this push batch or the hub's records. */
  vote: (id: string) => VoteRecord | null
  /** What proves the document's writer (validate/signature.ts); 'credential' when not given. */
  proof?: Proof
}

const SAME_IGNORED = new Set(['_rev', '_revisions', '_meta', '_attachments', '_conflicts'])

/** Same content apart from CouchDB/RxDB bookkeeping fields. */
export function sameContent(a: Doc, b: Doc): boolean {
  const strip = (d: Doc) => JSON.stringify(Object.keys(d).filter((k) => !SAME_IGNORED.has(k)).sort().map((k) => [k, d[k]]))
  return strip(a) === strip(b)
}

/**
 * The hub's rules for one document pushed to a village database: the shared JSON schemas
 * (envelope + body, via validateDocument), then the domain's invariants the tablet cannot
 * be trusted with — the village matches the database, the writer is who authenticated or its
 * device signed it (`ctx.proof`, validate/signature.ts),
 * immutable kinds stay immutable, an audit event is whole (the domain's `auditEventRefusal`:
 * its id, device and hash agree with its content), and ballots and check-offs only while their
 * vote is open as the hub's records show. Returns a reason a person can read, or null when accepted.
 */
export function refusalReason(doc: Doc, ctx: Context): string | null {
  const checked = validateDocument(doc)
  if (!checked.ok) return checked.reason
  const env = toEnvelope(doc) as { kind: string; village: string; author: string; device: string; ref: string; body: Record<string, unknown>; refused?: unknown }
  const proof = ctx.proof ?? 'credential'
  if (typeof proof === 'object') return proof.refusal
  // (a hub-signed marker or notice is the hub's own record coming back through a tablet)
  if (env.refused !== undefined && proof !== 'hub') return 'only the hub marks records as refused'
  // A rejection notice is the hub's word; a forged one would tell every tablet a record was refused.
  if (env.kind === 'rejection' && proof !== 'hub') return 'only the hub writes rejection notices'
  if (env.village !== ctx.village) return `this record belongs to village "${env.village}" but was sent to village "${ctx.village}"`

  const p = ctx.principal
  // A record its device signed proves its writer, whoever brings it; otherwise the writer is who authenticated.
  if (proof === 'credential') {
    if (p.kind === 'device' && env.device !== p.name) return `written as device "${env.device}" but sent by device "${p.name}" without its signature`
    if (p.kind === 'user' && env.author !== p.name && env.device !== p.name) return `written as "${env.author}" but sent by account "${p.name}"`
  }

  if (ctx.current && !ctx.current._deleted && isImmutableKind(env.kind)) {
    return `a ${env.kind} cannot be changed once recorded`
  }
  if (ctx.current && kindOfId(String(doc._id)) !== String(ctx.current.kind ?? env.kind)) return 'a record cannot change its kind'
  // The admin (seeding, restoring old data) writes the databases anyway: only devices' and users' events are checked.
  if (env.kind === 'audit' && p.kind !== 'admin') {
    const why = auditEventRefusal({ ...env.body, id: String(doc._id ?? doc.id) } as unknown as AuditEvent, env.device)
    if (why) return why
  }

  if (env.kind === 'ballot' || env.kind === 'checkoff') {
    const vote = ctx.vote(env.ref)
    if (!vote) return `the vote ${env.ref} is not in the hub's records`
    const at = Number(env.kind === 'ballot' ? env.body.castAt : env.body.at)
    if (typeof vote.closedAt === 'number' && vote.closedAt > 0 && at > vote.closedAt) {
      return `the vote was closed (${new Date(vote.closedAt).toISOString()}) before this ${env.kind} was recorded`
    }
    if (typeof vote.opensAt === 'number' && at < vote.opensAt - OPEN_SKEW_MS) {
      return `this ${env.kind} was recorded before the vote opened (${new Date(vote.opensAt).toISOString()})`
    }
  }
  return null
}
