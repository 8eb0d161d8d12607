/**
 * Which refused records are judged again once what they rest on arrives: the one rule of the hub (its
 * quarantine, sync-server/couch/push.ts `Pusher.retake`) and a tablet (its own quarantine,
 * src/data/retake.ts). A peer serves 200 records a batch, in the order it last wrote them, a file
 * carries one tablet's writes, and a tablet may reach the hub before the tablet that holds a key: a
 * supervisor's co-signature can arrive before the person record with their newly signed roles, or
 * before the key that signs it, and is refused then (`act.not-entitled`, `act.unsigned`). Once the
 * receiver stores what such a record rests on, the refusals that could change are judged again.
 *
 * Which refusals (src/shared/refusal.ts), and what stored record can change each:
 * - `act.unsigned` signed with a key the receiver does not hold vouched for (`unknown-key`): a person key,
 *   or a person record whose signed roles make its witness a clerk. Its other problems (no signature,
 *   another person's key, a key not self-signed, dated outside its key, a signature that does not
 *   match) are in the record itself and stay whatever arrives.
 * - `act.not-entitled`, `roles.unsigned`, `roles.last-clerk`, `voidlist.sealers-missing`,
 *   `personkey.too-many-waiting`: who holds which signed role and which key is vouched for (person,
 *   person key; the seal keys, for a void list).
 * - `personkey.unvouched` because its witness is no clerk (`not-clerk`): the witness's signed roles.
 *   Its other problems are in the key and the keys it names.
 * - `voidlist.vote-unknown` and a ballot's or check-off's `vote.unknown`: the vote.
 * Not judged again: refusals of who wrote a record or of its form (`proof.*`, `form.*`, `record.*`),
 * a vote's window, a replaced key of another person, a key not signed by itself, roles older than those
 * held: nothing that arrives later makes them good.
 */
import type { RefusalCode, RefusalParams } from './refusal'

const SIGNED_ROLES = ['person', 'personkey'] as const

/** The kinds of record whose arrival can make a refused record good (`RETRIED`'s kinds, all together). */
export const REJUDGING_KINDS: ReadonlySet<string> = new Set(['person', 'personkey', 'sealkey', 'vote'])

/** The refusals judged again, and the kinds of record whose arrival can change each (see the file comment). */
export const RETRIED: Partial<Record<RefusalCode, { kinds: readonly string[]; problems?: readonly string[] }>> = {
  'act.unsigned': { kinds: SIGNED_ROLES, problems: ['unknown-key'] },
  'act.not-entitled': { kinds: SIGNED_ROLES },
  'roles.unsigned': { kinds: SIGNED_ROLES },
  'roles.last-clerk': { kinds: ['person'] },
  'personkey.unvouched': { kinds: SIGNED_ROLES, problems: ['not-clerk'] },
  'personkey.too-many-waiting': { kinds: SIGNED_ROLES },
  'voidlist.sealers-missing': { kinds: [...SIGNED_ROLES, 'sealkey'] },
  'voidlist.vote-unknown': { kinds: ['vote'] },
  'vote.unknown': { kinds: ['vote'] },
}

/** Whether storing records of `kinds` can change this refusal (its code and params, as the quarantine keeps them). */
export function rejudged(refused: { code?: RefusalCode | undefined; params?: RefusalParams | undefined }, kinds: ReadonlySet<string>): boolean {
  const rule = refused.code ? RETRIED[refused.code] : undefined
  if (!rule || !rule.kinds.some((k) => kinds.has(k))) return false
  return !rule.problems || rule.problems.includes(String(refused.params?.problem ?? ''))
}
