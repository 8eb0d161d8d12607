/**
 * A person's signing key, kept only sealed with their passphrase (the same PBKDF2 → AES-GCM sealing as
 * the supervisors' seal keys, src/data/sealkeys.ts), and the passphrase lockout of this tablet.
 * What vouches for a key and how acts are signed: src/shared/personacts.ts.
 */
import { newSigningKeyPair, publicKeyOf, signValue, toBase64Url, fromBase64Url } from '@/shared/signature'
import { personKeyClaim, signAct, type PersonKeyRecord, type SignedKind } from '@/shared/personacts'
import { SealKeyError, checkNewPassphrase, unwrapBytes, wrapBytes, type WrappedSecret } from './sealkeys'
import type { KeyValue } from './identity'

export type PersonKeyDoc = PersonKeyRecord & WrappedSecret

const aad = (personId: string, publicKey: string) => `yishi-personkey-v1|${personId}|${publicKey}`

/** Signs an act with a key just made (src/shared/personacts.ts `signAct`). */
export type ActSigning = (kind: SignedKind, village: string, record: { id: string } & Record<string, unknown>) => string

/**
 * A new key for `personId`, sealed with the passphrase typed twice (checked like a seal key's),
 * self-signed; `sign` signs acts done at the same moment (a supervisor's seal key set up with it).
 */
export async function newSigningPersonKey(input: { personId: string; passphrase: string; repeat: string; witnessedBy: string; createdAt: number; replaces?: string }): Promise<{ record: Omit<PersonKeyDoc, 'id'>; sign: ActSigning }> {
  checkNewPassphrase(input.passphrase, input.repeat)
  const pair = newSigningKeyPair()
  const secret = fromBase64Url(pair.secretKey)
  const bytes = new Uint8Array(secret.length)
  bytes.set(secret)
  try {
    const wrapped = await wrapBytes(bytes, input.passphrase.normalize('NFC'), aad(input.personId, pair.publicKey))
    const claim = { personId: input.personId, publicKey: pair.publicKey, createdAt: input.createdAt, witnessedBy: input.witnessedBy, ...(input.replaces ? { replaces: input.replaces } : {}) }
    const record = { ...claim, ...wrapped, signature: signValue(personKeyClaim(claim), pair.secretKey) }
    return { record, sign: (kind, village, rec) => signAct(kind, village, rec, pair.secretKey) }
  } finally {
    bytes.fill(0)
    secret.fill(0)
  }
}

/** A new key for `personId` (see `newSigningPersonKey`), when nothing else is signed with it now. */
export async function newPersonKey(input: Parameters<typeof newSigningPersonKey>[0]): Promise<Omit<PersonKeyDoc, 'id'>> {
  return (await newSigningPersonKey(input)).record
}

/** The secret key (base64url) of a person key, in memory only; a wrong passphrase throws SealKeyError. */
export async function openPersonKey(record: PersonKeyDoc, passphrase: string): Promise<string> {
  const plain = await unwrapBytes(record, passphrase.normalize('NFC'), aad(record.personId, record.publicKey))
  const secret = toBase64Url(plain)
  plain.fill(0)
  if (publicKeyOf(secret) !== record.publicKey) throw new SealKeyError('altered', 'the stored key does not match its public key')
  return secret
}

/** Passphrase tries on this tablet, per person: after 5 wrong ones, 5 minutes' wait, doubling with each further miss. */
const TRIES_KEY = 'yishi.passphrase-tries'
export const MAX_PASSPHRASE_FAILURES = 5
export const PASSPHRASE_LOCK_MS = 5 * 60_000
type Tries = Record<string, { failures: number; lockedUntil: number }>

function tries(kv: KeyValue): Tries {
  try { return JSON.parse(kv.getItem(TRIES_KEY) ?? '{}') as Tries } catch { return {} }
}

/** When the person may try again (0: now). */
export function passphraseLockedUntil(kv: KeyValue, personId: string, now: number): number {
  const t = tries(kv)[personId]
  return t && t.lockedUntil > now ? t.lockedUntil : 0
}

export type PassphraseResult = { ok: true; secretKey: string } | { ok: false; reason: 'wrong'; remaining: number } | { ok: false; reason: 'locked'; until: number }

/** Opens the person's key with the passphrase, counting misses per person on this tablet. */
export async function tryPassphrase(kv: KeyValue, record: PersonKeyDoc, passphrase: string, now: number): Promise<PassphraseResult> {
  const until = passphraseLockedUntil(kv, record.personId, now)
  if (until) return { ok: false, reason: 'locked', until }
  const all = tries(kv)
  try {
    const secretKey = await openPersonKey(record, passphrase)
    delete all[record.personId]
    kv.setItem(TRIES_KEY, JSON.stringify(all))
    return { ok: true, secretKey }
  } catch (e) {
    if (!(e instanceof SealKeyError) || e.code !== 'wrong-passphrase') throw e
    const failures = (all[record.personId]?.failures ?? 0) + 1
    const over = failures - MAX_PASSPHRASE_FAILURES
    const lockedUntil = over >= 0 ? now + PASSPHRASE_LOCK_MS * 2 ** Math.min(over, 6) : 0
    all[record.personId] = { failures, lockedUntil }
    kv.setItem(TRIES_KEY, JSON.stringify(all))
    return lockedUntil ? { ok: false, reason: 'locked', until: lockedUntil } : { ok: false, reason: 'wrong', remaining: MAX_PASSPHRASE_FAILURES - failures }
  }
}
