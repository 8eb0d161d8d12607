/**
 * What a record must be for a village to take it from anyone but its own writing device: the one
 * rule the hub applies to every push and a tablet applies to every record another tablet hands it
 * (peer sync). Who is sending is the caller's part (the hub: the authenticated device or account;
 * a tablet: the record's device signature); everything about the record itself is here:
 * the shared schemas (`validateDocument`), only the hub marks records refused or writes rejection
 * notices, the village, immutable kinds stay as first recorded, a record keeps its kind, an audit
 * event is whole, ballots and check-offs only while their vote is open, and no voter decides on their
 * own double vote. A refusal carries its
 * code (refusal.ts), decided here, and the reason in English for logs.
 */
import { auditEventRefusal } from '../domain/audit'
import { isOwnDoubleVote } from '../domain/doublevote'
import { envelopeOf, isImmutableKind, kindOfId, toEnvelope, validateDocument } from './schemas'
import { isKind, recordOf } from './records'
import { refusal, type Refusal } from './refusal'

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

/** Why the record cannot be taken (its code, and the reason in English); null when it can. */
export function recordRefusal(record: object, ctx: RecordContext): Refusal | null {
  const doc = record as Doc
  const checked = validateDocument(doc)
  if (!checked.ok) return refusal(checked.code, checked.reason, checked.params)
  const env = toEnvelope(doc) as { id: string; kind: string; village: string; device: string; ref: string; body: Record<string, unknown>; refused?: unknown }
  if (env.village !== ctx.village) return refusal('record.other-village', `this record belongs to village "${env.village}" but was sent to village "${ctx.village}"`, { village: env.village, device: env.device })
  // A refusal mark or a rejection notice is the hub's word; a forged one would tell every tablet a record was refused.
  if (env.refused !== undefined) return ctx.fromHub ? null : refusal('record.hub-only', 'only the hub marks records as refused', { kind: env.kind })
  if (env.kind === 'rejection' && !ctx.fromHub) return refusal('record.hub-only', 'only the hub writes rejection notices', { kind: env.kind })
  // What the receiver already holds decides whether it may change — the stored record's kind, never
  // the one the newcomer claims (judging by the newcomer's let a ballot be replaced by a "unit").
  const cur = ctx.current
  if (cur && !cur._deleted) {
    const stored = typeof cur.kind === 'string' ? cur.kind : kindOfId(String(cur._id ?? env.id))
    if (env.kind !== stored || kindOfId(env.id) !== stored) return refusal('record.kind-changed', 'a record cannot change its kind', { kind: stored })
    if (isImmutableKind(stored)) return refusal('record.immutable', `a ${stored} cannot be changed once recorded`, { kind: stored })
  }
  if (env.kind === 'audit' && ctx.checkAudit !== false) {
    const audit = envelopeOf(doc)
    if (audit && isKind(audit, 'audit')) {
      const { villageId: _v, ...event } = recordOf(audit)
      const why = auditEventRefusal(event, env.device)
      if (why) return refusal('record.audit', why, { device: env.device })
    }
  }
  if (env.kind === 'decision') return ownVoteRefusal(env.body)
  if (env.kind === 'ballot' || env.kind === 'checkoff') return voteWindowRefusal(env.kind, env.ref, Number(env.kind === 'ballot' ? env.body.castAt : env.body.at), ctx)
  return null
}

/** A ballot or check-off recorded outside its vote's window, as the receiver's records show it. */
export function voteWindowRefusal(kind: 'ballot' | 'checkoff', voteId: string, at: number, ctx: Pick<RecordContext, 'vote' | 'receiver'>): Refusal | null {
  const v = ctx.vote(voteId)
  if (!v) return refusal('vote.unknown', `the vote ${voteId} is not in ${ctx.receiver}'s records`, { kind, vote: voteId })
  if (typeof v.closedAt === 'number' && v.closedAt > 0 && at > v.closedAt) {
    return refusal('vote.closed', `the vote was closed (${new Date(v.closedAt).toISOString()}) before this ${kind} was recorded`, { kind, vote: voteId, at: v.closedAt })
  }
  if (typeof v.opensAt === 'number' && at < v.opensAt - OPEN_SKEW_MS) {
    return refusal('vote.not-open', `this ${kind} was recorded before the vote opened (${new Date(v.opensAt).toISOString()})`, { kind, vote: voteId, at: v.opensAt })
  }
  return null
}

/** A council decision on a double vote that names the voter it is about among those who decided. */
function ownVoteRefusal(body: Record<string, unknown>): Refusal | null {
  const voterId = typeof body.voterId === 'string' ? body.voterId : ''
  const deciders = [...(Array.isArray(body.decidedBy) ? body.decidedBy : []), body.by].filter((d): d is string => typeof d === 'string')
  if (!isOwnDoubleVote(voterId, deciders)) return null
  return refusal('decision.own-vote', `${voterId} cannot decide on their own double vote`, { kind: 'decision', person: voterId })
}
