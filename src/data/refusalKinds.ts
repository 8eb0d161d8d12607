/**
 * Why a record was refused, as one of a few kinds a clerk can read and act on. The reasons are
 * written for a person by the checks both the hub and the tablets run (a record's proof in
 * src/shared/provenance.ts, its form in src/shared/schemas, the village's rules in
 * src/shared/acceptance.ts, and quarantine.ts); each kind names the reasons those checks give,
 * and test/features/quarantine/quarantine.test.ts pins that each real reason lands in its kind.
 */
export const REFUSAL_KINDS = [
  'altered', 'forged-hub', 'unknown-device', 'revoked', 'other-village', 'unsigned', 'no-trust',
  'newer-app', 'vote-closed', 'vote-not-open', 'vote-unknown', 'immutable', 'form', 'other',
] as const
export type RefusalKind = (typeof REFUSAL_KINDS)[number]

const PATTERNS: [RefusalKind, RegExp][] = [
  ['altered', /does not match the signature of device/],
  ['forged-hub', /claims to come from the hub|marked as refused, but not by the hub|only the hub writes/],
  ['unknown-device', /not known as an enrolled device/],
  ['revoked', /which the hub has revoked/],
  ['other-village', /belongs to village/],
  ['unsigned', /is not signed by its device|without the hub's signature/],
  ['no-trust', /has not reached the hub yet/],
  ['newer-app', /written by a newer version of the app/],
  ['vote-closed', /^the vote was closed/],
  ['vote-not-open', /recorded before the vote opened/],
  ['vote-unknown', /^the vote \S+ is not in/],
  ['immutable', /cannot be changed once recorded|cannot change its kind|records are never deleted/],
  ['form', /^[a-z]+: |^not a record$|^unknown kind of record/],
]

export function refusalKind(reason: string): RefusalKind {
  return PATTERNS.find(([, re]) => re.test(reason))?.[0] ?? 'other'
}

/** Kinds the writing tablet can mend by syncing with the hub itself (its records then come through the hub, checked there). */
export function mendedByHubSync(kind: RefusalKind): boolean {
  return kind === 'unsigned' || kind === 'no-trust'
}
