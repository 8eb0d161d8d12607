/**
 * Why a record is refused, as the check that refuses it decides: a stable `code` (the tablet words
 * it by code, src/i18n/refusals.ts), its `params` (ids, kinds, fields, times: the tablet says each
 * in words) and `reason`, the same in English for logs and the hub's admin. The hub and every tablet
 * run the same checks (provenance.ts, schemas/validate.ts, acceptance.ts, and the hub's own
 * sync-server/validate/*), so a code means the same wherever it was given; the hub keeps it in its
 * quarantine and its rejection notices, and answers it with the refusal. Codes are never renamed
 * once released; a tablet words a code it does not know (a newer hub's) as `other`.
 */

export const REFUSAL_CODES = [
  // where the record came from (provenance.ts; the hub's signature check; a tablet's quarantine)
  'proof.altered', 'proof.unknown-device', 'proof.revoked', 'proof.unsigned', 'proof.unsigned-marker',
  'proof.forged-hub', 'proof.forged-marker', 'proof.unsigned-after-key', 'proof.no-trust',
  // its form (schemas/validate.ts)
  'form.not-record', 'form.unknown-kind', 'form.missing', 'form.unknown-field', 'form.invalid', 'form.too-long',
  'form.id', 'form.ref', 'form.too-deep', 'form.too-large', 'form.newer-app', 'form.old-format', 'form.parent', 'form.checkoff-id',
  // what a village takes (acceptance.ts)
  'record.other-village', 'record.deleted', 'record.hub-only', 'record.kind-changed', 'record.immutable', 'record.audit',
  'vote.unknown', 'vote.closed', 'vote.not-open', 'decision.own-vote',
  // the hub's rules for a push (sync-server/validate/rules.ts, couch/push.ts)
  'record.identity', 'record.attachments', 'record.revision', 'record.twice-in-batch', 'writer.other-device', 'writer.account',
  // a person's signed acts and keys (src/shared/villagesigning.ts)
  'act.unsigned', 'act.not-entitled', 'voidlist.vote-unknown', 'voidlist.sealers-missing',
  // a seal key changed after its supervisor signed it (a garbled sealed secret under the genuine key's id and signature)
  'sealkey.altered',
  'personkey.not-self-signed', 'personkey.not-clerk-account', 'personkey.witness-mismatch', 'personkey.witness-not-clerk', 'personkey.replaces-other',
  // a key vouched for by no-one the village trusts (no hub certificate of a clerk's key, no certified clerk's witness signature)
  'personkey.unvouched',
  // a person's roles changed without a valid signature, with an older one, or stripping the last clerk (rosterroles.ts)
  'roles.unsigned', 'roles.replayed', 'roles.last-clerk',
  // a key whose witnessing clerk's key the hub does not hold yet, while the village already has as many such keys waiting as it may
  'personkey.too-many-waiting',
  // the same, while the tablet (or account) that wrote it already has as many such keys waiting as one writer may
  'personkey.device-too-many-waiting',
  // nothing more precise is known (a code from a newer hub, an old reason no pattern matches)
  'other',
] as const
export type RefusalCode = (typeof REFUSAL_CODES)[number]

/**
 * What a refusal names, each said in words by the tablet: `device` (a tablet), `kind` (a kind of
 * record), `field` (a field of a record), `person`/`people` (roster ids), `vote` (a vote's id), `at`
 * (a time, ms); anything else is a plain number or a word for logs. Never the refused record's own
 * id or seq (those are in `reason`): refusals of many records for one cause group as one line.
 */
export type RefusalParams = Readonly<Record<string, string | number>>

export interface Refusal { code: RefusalCode; params: RefusalParams; reason: string }

export function refusal(code: RefusalCode, reason: string, params: RefusalParams = {}): Refusal {
  return { code, params, reason }
}

const CODES = new Set<string>(REFUSAL_CODES)
export function isRefusalCode(code: unknown): code is RefusalCode {
  return typeof code === 'string' && CODES.has(code)
}

/** At most this many params, each this long, travel with a refusal (they are stored with every notice). */
const MAX_PARAMS = 8
const MAX_PARAM_CHARS = 200

/** A refusal's params as stored or sent: strings and finite numbers only, few and short. */
export function storedParams(params: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return out
  for (const [k, v] of Object.entries(params).slice(0, MAX_PARAMS)) {
    if (!/^[a-z][A-Za-z]{0,19}$/.test(k)) continue
    if (typeof v === 'string') out[k] = v.slice(0, MAX_PARAM_CHARS)
    else if (typeof v === 'number' && Number.isFinite(v)) out[k] = v
  }
  return out
}
