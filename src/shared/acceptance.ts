/**
 * What a record must be for a village to take it from anyone but its own writing device: the one
 * rule the hub applies to every push and a tablet applies to every record another tablet hands it
 * (peer sync). Who is sending is the caller's part (the hub: the authenticated device or account;
 * a tablet: the record's device signature); everything about the record itself is here:
 * the shared schemas (`validateDocument`), only the hub marks records refused or writes rejection
 * notices, the village, immutable kinds stay as first recorded, a record keeps its kind, an audit
 * event is whole, and ballots and check-offs only while their vote is open.
 */
import { auditEventRefusal } from '../domain/audit'
import type { AuditEvent } from '../domain/model/types'
import { isImmutableKind, kindOfId, toEnvelope, validateDocument } from './schemas'

/** A vote as the receiver's records show it (the ballot rule reads only these fields). */
export interface VoteTimes { opensAt?: number; closesAt?: number; closedAt?: number }

/** How far before a vote's recorded opening a ballot's device time may lie (tablet clocks drift). */
export const OPEN_SKEW_MS = 24 * 3600_000

export interface RecordContext {
  /** the village of the database receiving the record */
  village: string
  /** the receiver's current version of this id (null when it has none) */
  current: Record<string, unknown> | null
  /** a vote by id, from the same batch or the receiver's records */
  vote: (id: string) => VoteTimes | null
  /** who receives, as the reasons name it: 'the hub' or 'this tablet' */
  receiver: string
  /** check audit events (the hub's admin, restoring old data, is exempt) */
  checkAudit?: boolean
  /** the record is proven to be the hub's own word (its signature on a notice or a refusal mark): a tablet may pass it on */
  fromHub?: boolean
}

type Doc = Record<string, unknown>

/** Why the record cannot be taken, in words a person can read; null when it can. */
export function recordRefusal(record: object, ctx: RecordContext): string | null {
  const doc = record as Doc
  const checked = validateDocument(doc)
  if (!checked.ok) return checked.reason
  const env = toEnvelope(doc) as { id: string; kind: string; village: string; device: string; ref: string; body: Record<string, unknown>; refused?: unknown }
  if (env.village !== ctx.village) return `this record belongs to village "${env.village}" but was sent to village "${ctx.village}"`
  // A refusal mark or a rejection notice is the hub's word; a forged one would tell every tablet a record was refused.
  if (env.refused !== undefined) return ctx.fromHub ? null : 'only the hub marks records as refused'
  if (env.kind === 'rejection' && !ctx.fromHub) return 'only the hub writes rejection notices'
  // What the receiver already holds decides whether it may change — the stored record's kind, never
  // the one the newcomer claims (judging by the newcomer's let a ballot be replaced by a "unit").
  const cur = ctx.current
  if (cur && !cur._deleted) {
    const stored = typeof cur.kind === 'string' ? cur.kind : kindOfId(String(cur._id ?? env.id))
    if (env.kind !== stored || kindOfId(env.id) !== stored) return 'a record cannot change its kind'
    if (isImmutableKind(stored)) return `a ${stored} cannot be changed once recorded`
  }
  if (env.kind === 'audit' && ctx.checkAudit !== false) {
    const why = auditEventRefusal({ ...env.body, id: env.id } as unknown as AuditEvent, env.device)
    if (why) return why
  }
  if (env.kind === 'ballot' || env.kind === 'checkoff') return voteWindowRefusal(env.kind, env.ref, Number(env.kind === 'ballot' ? env.body.castAt : env.body.at), ctx)
  return null
}

/** A ballot or check-off recorded outside its vote's window, as the receiver's records show it. */
export function voteWindowRefusal(kind: 'ballot' | 'checkoff', voteId: string, at: number, ctx: Pick<RecordContext, 'vote' | 'receiver'>): string | null {
  const v = ctx.vote(voteId)
  if (!v) return `the vote ${voteId} is not in ${ctx.receiver}'s records`
  if (typeof v.closedAt === 'number' && v.closedAt > 0 && at > v.closedAt) {
    return `the vote was closed (${new Date(v.closedAt).toISOString()}) before this ${kind} was recorded`
  }
  if (typeof v.opensAt === 'number' && at < v.opensAt - OPEN_SKEW_MS) {
    return `this ${kind} was recorded before the vote opened (${new Date(v.opensAt).toISOString()})`
  }
  return null
}
