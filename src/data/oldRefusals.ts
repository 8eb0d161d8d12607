/**
 * A refusal as kept or received — a quarantine entry, the hub's rejection notice, a peer's answer —
 * read as its code and params (src/shared/refusal.ts). Records and notices of a hub or tablet from
 * before codes carry only the English reason: those are classified by the sentences those versions
 * wrote (`oldRefusalCode`, the one place that reads an English reason), and nothing newer is.
 */
import { isRefusalCode, storedParams, type RefusalCode, type RefusalParams } from '@/shared/refusal'

/** The sentences of the checks before codes (2026-12), each with the code it now has. */
const OLD_REASONS: [RefusalCode, RegExp][] = [
  ['proof.altered', /does not match the signature of device/],
  ['proof.forged-hub', /claims to come from the hub/],
  ['proof.forged-marker', /marked as refused, but not by the hub/],
  ['record.hub-only', /only the hub (writes|marks)/],
  ['proof.unknown-device', /not known as an enrolled device/],
  ['proof.revoked', /which the hub has revoked/],
  ['record.other-village', /belongs to village/],
  ['proof.unsigned', /is not signed by its device/],
  ['proof.unsigned-marker', /without the hub's signature/],
  ['proof.unsigned-after-key', /signs its records since it registered its key/],
  ['proof.no-trust', /has not reached the hub yet/],
  ['form.newer-app', /written by a newer version of the app/],
  ['vote.closed', /^the vote was closed/],
  ['vote.not-open', /recorded before the vote opened/],
  ['vote.unknown', /^the vote \S+ is not in/],
  ['record.immutable', /cannot be changed once recorded/],
  ['record.kind-changed', /cannot change its kind/],
  ['record.deleted', /records are never deleted/],
  ['form.missing', /^[a-z]+: \S+ is missing$/],
  ['form.not-record', /^not a record$/],
  ['form.unknown-kind', /^unknown kind of record/],
  ['form.invalid', /^[a-z]+: /],
]

/** The code an old reason (no code) had, by its sentence; `other` when none matches. */
export function oldRefusalCode(reason: string): RefusalCode {
  return OLD_REASONS.find(([, re]) => re.test(reason))?.[0] ?? 'other'
}

/** What an old reason names that the words need: the kind of record, a missing field, a vote's time. */
function oldParams(code: RefusalCode, reason: string): RefusalParams {
  if (code.startsWith('vote.')) {
    const kind = /this (ballot|checkoff)/.exec(reason)?.[1]
    const at = Date.parse(/\((\d{4}-\d\d-\d\dT[\d:.]+Z)\)/.exec(reason)?.[1] ?? '')
    return { ...(kind ? { kind } : {}), ...(Number.isFinite(at) ? { at } : {}) }
  }
  const form = /^([a-z]+): (?:(\S+) is missing$)?/.exec(reason)
  if (!code.startsWith('form.') || !form) return {}
  return { kind: form[1]!, ...(form[2] ? { field: form[2].split('.').pop()! } : {}) }
}

/** A kept refusal's code and params: its own when it has a code (`other` for one this version does not know), else by its old sentence. */
export function refusalOf(kept: { code?: unknown; params?: unknown; reason?: unknown }): { code: RefusalCode; params: RefusalParams } {
  if (kept.code !== undefined) return { code: isRefusalCode(kept.code) ? kept.code : 'other', params: storedParams(kept.params) }
  const reason = String(kept.reason ?? '')
  const code = oldRefusalCode(reason)
  return { code, params: oldParams(code, reason) }
}
