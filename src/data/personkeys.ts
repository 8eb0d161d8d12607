/**
 * A person's signing key, kept only sealed with their passphrase (the same PBKDF2 → AES-GCM sealing as
 * the supervisors' seal keys, src/data/sealkeys.ts), and the passphrase lockout of this tablet.
 * What vouches for a key and how acts are signed: src/shared/personacts.ts. A clerk's own key is
 * certified by the hub (`certifyClerkKey`, asked with the clerk's or the township's account); anyone
 * else's is witnessed by the clerk, whose key signs the new key's claim.
 */
import { newSigningKeyPair, publicKeyOf, signValue, toBase64Url, fromBase64Url } from '@/shared/signature'
import { clerkKeyStatement, personKeyClaim, signAct, signWitness, type ClerkKeyCertificate, type PersonKeyRecord, type SignedKind } from '@/shared/personacts'
import { keysAt, type HubKeys } from '@/shared/hubkeys'
import { personKeyId, signedActId } from '@/shared/signedids'
import { newIdRest } from './hash'
import { verifySigned } from '@/shared/ed25519'
import { DataError } from './errors'
import { HubError, basicAuth } from './hub'
import { SealKeyError, checkNewPassphrase, unwrapBytes, wrapBytes, type WrappedSecret } from './sealkeys'
import type { KeyValue } from './identity'

export type PersonKeyDoc = PersonKeyRecord & WrappedSecret

const aad = (personId: string, publicKey: string) => `yishi-personkey-v1|${personId}|${publicKey}`

/** Signs an act with a key just made (src/shared/personacts.ts `signAct`). */
export type ActSigning = (kind: SignedKind, village: string, record: { id: string } & Record<string, unknown>) => string

/**
 * Who vouches for a new key: the clerk who witnesses it (their unlocked key signs its claim, as
 * `signWitness`), or — a clerk's own key — the hub, whose certificate `certify` asks for.
 */
export type Voucher =
  | { witness: { personId: string; keyId: string; sign: (claim: Omit<PersonKeyRecord, 'id' | 'signature'>) => string } }
  | { certify: (publicKey: string) => Promise<ClerkKeyCertificate> }

/**
 * A new key for `personId`, sealed with the passphrase typed twice (checked like a seal key's),
 * self-signed and vouched for (`voucher`), under the id its content gives it (src/shared/signedids.ts);
 * `sign` signs acts done at the same moment (a supervisor's seal key set up with it).
 */
export async function newSigningPersonKey(input: { personId: string; passphrase: string; repeat: string; voucher: Voucher; createdAt: number; replaces?: string }): Promise<{ record: PersonKeyDoc; sign: ActSigning }> {
  checkNewPassphrase(input.passphrase, input.repeat)
  const pair = newSigningKeyPair()
  const secret = fromBase64Url(pair.secretKey)
  const bytes = new Uint8Array(secret.length)
  bytes.set(secret)
  try {
    const wrapped = await wrapBytes(bytes, input.passphrase.normalize('NFC'), aad(input.personId, pair.publicKey))
    const v = input.voucher
    const claim = { personId: input.personId, publicKey: pair.publicKey, createdAt: input.createdAt, witnessedBy: 'witness' in v ? v.witness.personId : input.personId, ...(input.replaces ? { replaces: input.replaces } : {}) }
    const vouched = 'witness' in v ? { witness: { keyId: v.witness.keyId, signature: v.witness.sign(claim) } } : { certificate: await v.certify(pair.publicKey) }
    const body = { ...claim, ...vouched, ...wrapped, signature: signValue(personKeyClaim(claim), pair.secretKey) }
    const record = { id: personKeyId(body), ...body }
    return { record, sign: (kind, village, rec) => signAct(kind, village, rec, pair.secretKey) }
  } finally {
    bytes.fill(0)
    secret.fill(0)
  }
}

/** A new key for `personId` (see `newSigningPersonKey`), when nothing else is signed with it now. */
export async function newPersonKey(input: Parameters<typeof newSigningPersonKey>[0]): Promise<PersonKeyDoc> {
  return (await newSigningPersonKey(input)).record
}

/** A new id for an act of `kind` signed with the keys `keyIds` (src/shared/signedids.ts): no act signed with other keys can take it. */
export function newSignedActId(kind: SignedKind, keyIds: readonly string[]): string {
  return signedActId(kind, newIdRest(), keyIds)
}

/**
 * Asks the hub to certify a clerk's new key (sync-server/admin/clerkkeys.ts), signed in with `account`
 * (the village's clerk account or its township's staff): the certificate is kept only when this
 * tablet's pinned hub key (`hubKeys`) signed it for this village, person and key. Throws HubError
 * (no network: status 0; wrong password: 401; not allowed: 403; not a clerk on the hub's roster: 409).
 */
export async function certifyClerkKey(hub: { hubUrl: string; village: string; hubKeys: HubKeys | null }, account: { name: string; password: string },
  key: { personId: string; publicKey: string }, f: typeof fetch = globalThis.fetch.bind(globalThis)): Promise<ClerkKeyCertificate> {
  if (!hub.hubKeys) throw new DataError('invalid', 'this tablet does not know its hub\'s key yet: it needs to reach the hub once')
  let res: Response
  try {
    res = await f(`${hub.hubUrl.replace(/\/$/, '')}/couch/_hub/clerk-key`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuth({ device: account.name, secret: account.password }) },
      body: JSON.stringify({ village: hub.village, ...key }),
    })
  } catch {
    throw new HubError(0, 'cannot reach the hub (no network, or the hub is off)')
  }
  const body = await res.json().catch(() => ({})) as { reason?: string; certificate?: ClerkKeyCertificate }
  if (!res.ok) throw new HubError(res.status, body.reason ?? `the hub answered ${res.status}`)
  const c = body.certificate
  const statement = c && clerkKeyStatement(hub.village, key, c)
  const keys = c ? keysAt(hub.hubKeys, c.issuedAt) : []
  for (const hubKey of keys) if (await verifySigned(statement, c!.sig, hubKey)) return { issuedAt: c!.issuedAt, by: c!.by, sig: c!.sig }
  throw new DataError('invalid', 'the hub\'s certificate of the clerk\'s key is not signed with the hub key this tablet knows')
}

/** Signs a key's claim as the clerk who witnesses it (their key just opened with their passphrase). */
export function witnessSigner(village: string, clerkSecretKey: string): (claim: Omit<PersonKeyRecord, 'id' | 'signature'>) => string {
  return (claim) => signWitness(village, claim, clerkSecretKey)
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
