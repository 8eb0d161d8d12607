import { toEnvelope, validateDocument } from '../../src/shared/schemas/index'
import { recordRefusal, type VoteTimes } from '../../src/shared/acceptance'
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
 * The hub's rules for one document pushed to a village database: what any receiver demands of a
 * record (`recordRefusal` in src/shared/acceptance.ts: the shared schemas, the village, immutable
 * kinds stay immutable, an audit event is whole, ballots and check-offs only while their vote is
 * open as the hub's records show), then who may bring it: the writer is who authenticated, or its
 * device signed it (`ctx.proof`, validate/signature.ts). Returns a reason a person can read, or
 * null when accepted.
 */
export function refusalReason(doc: Doc, ctx: Context): string | null {
  const checked = validateDocument(doc)
  if (!checked.ok) return checked.reason
  const proof = ctx.proof ?? 'credential'
  if (typeof proof === 'object') return proof.refusal
  const p = ctx.principal
  // (a hub-signed marker or notice is the hub's own record coming back through a tablet)
  const why = recordRefusal(doc, { village: ctx.village, current: ctx.current, vote: ctx.vote, receiver: 'the hub', checkAudit: p.kind !== 'admin', fromHub: proof === 'hub' })
  if (why) return why
  // A record its device signed proves its writer, whoever brings it; otherwise the writer is who authenticated.
  if (proof === 'credential') {
    const env = toEnvelope(doc) as { author: string; device: string }
    if (p.kind === 'device' && env.device !== p.name) return `written as device "${env.device}" but sent by device "${p.name}" without its signature`
    if (p.kind === 'user' && env.author !== p.name && env.device !== p.name) return `written as "${env.author}" but sent by account "${p.name}"`
  }
  return null
}
