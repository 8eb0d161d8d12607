/**
 * A supervisor's secret seal key, kept only sealed with their passphrase: PBKDF2-SHA-256 turns the
 * passphrase into an AES-256-GCM key that encrypts the 32-byte X25519 secret. The additional data
 * binds the ciphertext to the person and the public key, so a sealed secret cannot be moved onto
 * another supervisor's record. WebCrypto only (browser and Node): nothing here keeps a secret.
 */
import { sealKeyPair } from '@/domain'

export const PBKDF2_ITERATIONS = 250_000
/**
 * A passphrase guards a secret that replicates to every tablet of the village, where anyone holding
 * a tablet can try guesses offline at their own pace (no lockout reaches that far). So it must be long:
 * at least 8 characters, or at least 4 Chinese characters (each one of thousands), and never digits
 * only (a PIN-like passphrase falls in minutes).
 */
export const MIN_PASSPHRASE = 8
export const MIN_PASSPHRASE_CJK = 4

export type SealKeyProblem = 'passphrase-short' | 'passphrase-digits' | 'passphrase-mismatch' | 'wrong-passphrase' | 'altered'
  // opening seals: the supervisor has no signing key to sign the opening, or their current passphrase (which signs it) is wrong
  | 'no-signing-key' | 'wrong-signing-passphrase'

/** A typed error: the screens show `code` in plain words. */
export class SealKeyError extends Error {
  constructor(readonly code: SealKeyProblem, message: string) { super(message); this.name = 'SealKeyError' }
}

export interface WrappedSecret {
  kdf: 'pbkdf2-sha256'; iterations: number; salt: string; cipher: 'aes-256-gcm'; iv: string; secret: string
}

const subtle = () => globalThis.crypto.subtle
const random = (n: number): Uint8Array<ArrayBuffer> => globalThis.crypto.getRandomValues(new Uint8Array(n))

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}
const utf8 = (text: string): Uint8Array<ArrayBuffer> => {
  const encoded = new TextEncoder().encode(text)
  const out = new Uint8Array(encoded.length)
  out.set(encoded)
  return out
}
const additionalData = (personId: string, publicKey: string) => utf8(`yishi-sealkey-v1|${personId}|${publicKey}`)

async function passphraseKey(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const base = await subtle().importKey('raw', utf8(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveKey'])
  return subtle().deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

/** Checks a new passphrase typed twice; throws SealKeyError. */
export function checkNewPassphrase(passphrase: string, repeat: string): void {
  const chars = [...passphrase.trim()]
  const cjk = chars.filter((c) => /\p{Script=Han}/u.test(c)).length
  if (chars.length < MIN_PASSPHRASE && cjk < MIN_PASSPHRASE_CJK) throw new SealKeyError('passphrase-short', `the passphrase needs at least ${MIN_PASSPHRASE} characters, or ${MIN_PASSPHRASE_CJK} Chinese characters`)
  if (/^\d+$/.test(passphrase.trim())) throw new SealKeyError('passphrase-digits', 'a passphrase of digits only can be guessed: add letters or Chinese characters')
  if (passphrase !== repeat) throw new SealKeyError('passphrase-mismatch', 'the two passphrases are not the same')
}

/** Seals `secret` with a key derived from the passphrase; `aad` binds the ciphertext to its record. */
export async function wrapBytes(secret: Uint8Array<ArrayBuffer>, passphrase: string, aad: string): Promise<WrappedSecret> {
  const salt = random(16)
  const iv = random(12)
  const key = await passphraseKey(passphrase, salt, PBKDF2_ITERATIONS)
  const sealed = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: utf8(aad) }, key, secret))
  return { kdf: 'pbkdf2-sha256', iterations: PBKDF2_ITERATIONS, salt: toHex(salt), cipher: 'aes-256-gcm', iv: toHex(iv), secret: toHex(sealed) }
}

/** Opens what `wrapBytes` sealed; a wrong passphrase (or another record's `aad`) throws SealKeyError. */
export async function unwrapBytes(record: WrappedSecret, passphrase: string, aad: string): Promise<Uint8Array<ArrayBuffer>> {
  const key = await passphraseKey(passphrase, fromHex(record.salt), record.iterations)
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: fromHex(record.iv), additionalData: utf8(aad) }, key, fromHex(record.secret)))
  } catch {
    throw new SealKeyError('wrong-passphrase', 'this passphrase does not open the key')
  }
}

/** A new key pair; the secret leaves this function only encrypted with the passphrase. */
export async function newWrappedKeyPair(personId: string, passphrase: string): Promise<{ publicKey: string } & WrappedSecret> {
  let secretBytes: Uint8Array<ArrayBuffer> = new Uint8Array(0)
  const { publicKey } = sealKeyPair((n) => { secretBytes = random(n); return secretBytes })
  try {
    const salt = random(16)
    const iv = random(12)
    const key = await passphraseKey(passphrase, salt, PBKDF2_ITERATIONS)
    const sealed = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: additionalData(personId, publicKey) }, key, secretBytes))
    return { publicKey, kdf: 'pbkdf2-sha256', iterations: PBKDF2_ITERATIONS, salt: toHex(salt), cipher: 'aes-256-gcm', iv: toHex(iv), secret: toHex(sealed) }
  } finally {
    secretBytes.fill(0)
  }
}

/**
 * The secret key (hex) of a sealed record, in memory only. A wrong passphrase, or a record whose
 * secret does not belong to its public key, throws SealKeyError.
 */
export async function unwrapSecretKey(record: { personId: string; publicKey: string } & WrappedSecret, passphrase: string): Promise<string> {
  const key = await passphraseKey(passphrase, fromHex(record.salt), record.iterations)
  let plain: Uint8Array
  try {
    plain = new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: fromHex(record.iv), additionalData: additionalData(record.personId, record.publicKey) }, key, fromHex(record.secret)))
  } catch {
    throw new SealKeyError('wrong-passphrase', 'this passphrase does not open the key')
  }
  const secret = toHex(plain)
  plain.fill(0)
  if (sealKeyPair(() => fromHex(secret)).publicKey !== record.publicKey) throw new SealKeyError('altered', 'the stored key does not match its public key')
  return secret
}
