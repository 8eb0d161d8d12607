/**
 * Person keys as the village makes them (src/shared/personacts.ts): a clerk's own key certified by a
 * hub's key, and other people's keys witnessed by that clerk's key. Records only: the wrapped secret
 * is filler (`FILLER`), nothing here opens it.
 */
import { newSigningKeyPair, signValue } from '@/shared/signature'
import { clerkKeyStatement, personKeyClaim, signWitness, type PersonKeyRecord } from '@/shared/personacts'
import type { HubKeys } from '@/shared/hubkeys'

export interface MadeKey { record: PersonKeyRecord; secret: string }

/** A hub of a test: its signing key, and the keys a tablet pinned from it. */
export function testHub(): { secretKey: string; keys: HubKeys } {
  const pair = newSigningKeyPair()
  return { secretKey: pair.secretKey, keys: { current: pair.publicKey, retired: [] } }
}

/** The fields of a person key record a tablet stores besides the claim (filler: never opened in these tests). */
export const FILLER = { kdf: 'pbkdf2-sha256', iterations: 250_000, salt: 'ab'.repeat(16), cipher: 'aes-256-gcm', iv: 'cd'.repeat(12), secret: 'ef'.repeat(48) }

function make(personId: string, createdAt: number, id: string, witnessedBy: string, replaces?: string) {
  const pair = newSigningKeyPair()
  const claim = { personId, publicKey: pair.publicKey, createdAt, witnessedBy, ...(replaces ? { replaces } : {}) }
  return { claim, pair, signature: signValue(personKeyClaim(claim), pair.secretKey) }
}

/** A clerk's own key with the certificate `hubSecret` signs for `village` (as sync-server/admin/clerkkeys.ts does). */
export function certifiedClerkKey(village: string, personId: string, createdAt: number, id: string, hubSecret: string, opts: { replaces?: string; issuedAt?: number } = {}): MadeKey {
  const { claim, pair, signature } = make(personId, createdAt, id, personId, opts.replaces)
  const cert = { issuedAt: opts.issuedAt ?? createdAt, by: 'clerk-account' }
  const certificate = { ...cert, sig: signValue(clerkKeyStatement(village, claim, cert), hubSecret) }
  return { record: { id, ...claim, certificate, signature }, secret: pair.secretKey }
}

/** Someone's key witnessed by `clerk` (their key signs the claim), or with no witness signature at all (`clerk: null`, naming `witnessedBy`). */
export function witnessedKey(village: string, personId: string, createdAt: number, id: string, clerk: MadeKey | null, opts: { replaces?: string; witnessedBy?: string } = {}): MadeKey {
  const { claim, pair, signature } = make(personId, createdAt, id, opts.witnessedBy ?? clerk?.record.personId ?? 'person:clerk', opts.replaces)
  const witness = clerk ? { witness: { keyId: clerk.record.id, signature: signWitness(village, claim, clerk.secret) } } : {}
  return { record: { id, ...claim, ...witness, signature }, secret: pair.secretKey }
}
