/**
 * Acts a person signs with their own key (src/domain/acts.ts `SIGNED_ACTS`): the tablet and the hub
 * verify them the same way.
 *
 * A person's key (`personkey` record) is an Ed25519 key pair whose secret half travels only sealed
 * with the person's passphrase. What vouches for the public key: it was made on a village tablet in
 * front of the clerk, whose PIN witnessed it (`witnessedBy`, and the record's author and device say
 * which clerk and tablet), and it is signed by itself (whoever made it held the secret). A key is good
 * for acts from its `createdAt` until the person's next key replaces it.
 *
 * An act's signature covers the act's kind, the village, the record's id and the fields that say
 * what was done (CLAIM_FIELDS), so it can be neither moved to another record nor edited.
 */
import { signValue, verifyValue } from './signature'

export interface PersonKeyRecord {
  id: string
  personId: string
  publicKey: string
  createdAt: number
  witnessedBy: string
  replaces?: string
  signature: string
}

/** The fields of each signed kind that the person's signature covers. */
export const CLAIM_FIELDS = {
  cosign: ['ledgerId', 'supervisorId', 'approve', 'note', 'at'],
  // a signature of a meeting's minutes (the chair's or a supervisor's), with the picture of the handwriting
  comment: ['on', 'by', 'role', 'text', 'photos', 'at'],
} as const
export type SignedKind = keyof typeof CLAIM_FIELDS

/** What a person key's own signature covers. */
export function personKeyClaim(k: Omit<PersonKeyRecord, 'id' | 'signature'>) {
  return { act: 'personkey', personId: k.personId, publicKey: k.publicKey, createdAt: k.createdAt, witnessedBy: k.witnessedBy, replaces: k.replaces ?? '' }
}

/** Whether the key record is signed by its own key. */
export function verifyPersonKey(k: PersonKeyRecord): boolean {
  return verifyValue(personKeyClaim(k), k.signature, k.publicKey)
}

/** What a person's signature of an act covers. */
export function actClaim(kind: SignedKind, village: string, record: { id: string } & Record<string, unknown>) {
  const fields = Object.fromEntries(CLAIM_FIELDS[kind].map((f) => [f, record[f] ?? null]))
  return { act: kind, village, id: record.id, ...fields }
}

export function signAct(kind: SignedKind, village: string, record: { id: string } & Record<string, unknown>, secretKey: string): string {
  return signValue(actClaim(kind, village, record), secretKey)
}

/** When each of a person's keys stops being good: the creation of the key that replaced it (Infinity for the current one). */
function keyEnd(key: PersonKeyRecord, keys: readonly PersonKeyRecord[]): number {
  // only a key its maker really held replaces another (a forged record ends nothing)
  const later = keys.filter((k) => k.personId === key.personId && k.id !== key.id && (k.replaces === key.id || k.createdAt > key.createdAt) && verifyPersonKey(k))
  return later.reduce((end, k) => Math.min(end, k.createdAt), Infinity)
}

/** Why an act's signature proves nothing (see `checkActSignature`). */
export type ActSignatureProblem = 'unsigned' | 'unknown-key' | 'other-person' | 'forged-key' | 'before-key' | 'key-replaced' | 'bad-signature'

/**
 * Whether the act is signed by `personId`: `keyId` names a self-signed key of that person, good at
 * the act's time `at` (from its creation until the person's next key), and the signature covers the act.
 */
export function checkActSignature(kind: SignedKind, village: string, record: { id: string; keyId?: string; signature?: string; at?: number } & Record<string, unknown>,
  personId: string, keys: readonly PersonKeyRecord[]): { ok: true; key: PersonKeyRecord } | { ok: false; problem: ActSignatureProblem } {
  if (!record.keyId || !record.signature) return { ok: false, problem: 'unsigned' }
  const key = keys.find((k) => k.id === record.keyId)
  if (!key) return { ok: false, problem: 'unknown-key' }
  if (key.personId !== personId) return { ok: false, problem: 'other-person' }
  if (!verifyPersonKey(key)) return { ok: false, problem: 'forged-key' }
  const at = typeof record.at === 'number' ? record.at : -1
  if (at < key.createdAt) return { ok: false, problem: 'before-key' }
  if (at >= keyEnd(key, keys)) return { ok: false, problem: 'key-replaced' }
  return verifyValue(actClaim(kind, village, record), record.signature, key.publicKey) ? { ok: true, key } : { ok: false, problem: 'bad-signature' }
}

/** The key that signed this act, when the signature is good (`checkActSignature`); otherwise null. */
export function actSigner(kind: SignedKind, village: string, record: { id: string; keyId?: string; signature?: string; at: number } & Record<string, unknown>,
  personId: string, keys: readonly PersonKeyRecord[]): PersonKeyRecord | null {
  const r = checkActSignature(kind, village, record, personId, keys)
  return r.ok ? r.key : null
}

/** Roles of a meeting's signatures (a `comment` on the meeting with this `role` is signed by `by`). */
export const SIGNATURE_ROLES = ['chair', 'supervisor'] as const

/**
 * The person a record of this kind claims as the one who did a signed act, or null when no person
 * signs it: a co-signature names its supervisor; a comment signs only as a meeting's signature
 * (`role` chair or supervisor), in the name of `by`.
 */
export function signedActOf(kind: string, body: Record<string, unknown>): { kind: SignedKind; personId: string } | null {
  if (kind === 'cosign') return { kind, personId: String(body.supervisorId ?? '') }
  if (kind === 'comment' && (SIGNATURE_ROLES as readonly unknown[]).includes(body.role)) return { kind, personId: String(body.by ?? '') }
  return null
}

/** Co-signatures signed by the supervisor they name; the others prove nothing and count for nothing. */
export function signedCosigns<C extends { id: string; supervisorId: string; keyId?: string; signature?: string; at: number }>(cosigns: readonly C[], keys: readonly PersonKeyRecord[], village: string): C[] {
  return cosigns.filter((c) => actSigner('cosign', village, c as C & Record<string, unknown>, c.supervisorId, keys) !== null)
}

/** The current key of each person (the latest self-signed one). */
export function currentPersonKeys(keys: readonly PersonKeyRecord[]): Map<string, PersonKeyRecord> {
  const out = new Map<string, PersonKeyRecord>()
  for (const k of keys) {
    if (!verifyPersonKey(k)) continue
    const had = out.get(k.personId)
    if (!had || k.createdAt > had.createdAt) out.set(k.personId, k)
  }
  return out
}
