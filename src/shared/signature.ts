/**
 * Ed25519 signatures over canonical JSON: one definition for the tablet and the hub.
 * A device signs the records it writes (so a record relayed by another tablet or carried in a
 * file still proves which enrolled device wrote it, unaltered), and a person signs the acts only
 * they may do (a supervisor's co-signature, seal key, seal opening). Keys and signatures travel
 * as base64url text.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { canonicalJson } from '../domain/audit'

export interface SigningKeyPair {
  /** base64url of the 32-byte secret key: never leaves its owner (kept wrapped where stored) */
  secretKey: string
  /** base64url of the 32-byte public key */
  publicKey: string
}

const B64URL = /^[A-Za-z0-9_-]+$/

export function toBase64Url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function fromBase64Url(text: string): Uint8Array {
  if (!B64URL.test(text)) throw new Error('not base64url text')
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const s = atob(b64)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

export function newSigningKeyPair(): SigningKeyPair {
  const { secretKey, publicKey } = ed25519.keygen()
  return { secretKey: toBase64Url(secretKey), publicKey: toBase64Url(publicKey) }
}

/** The public key of a secret key (both base64url). */
export function publicKeyOf(secretKey: string): string {
  return toBase64Url(ed25519.getPublicKey(fromBase64Url(secretKey)))
}

/** Signs the canonical JSON of `value` (object keys sorted at every level). */
export function signValue(value: unknown, secretKey: string): string {
  return toBase64Url(ed25519.sign(new TextEncoder().encode(canonicalJson(value)), fromBase64Url(secretKey)))
}

/** True when `signature` is `publicKey`'s signature of the canonical JSON of `value`; false for any malformed input. */
export function verifyValue(value: unknown, signature: string, publicKey: string): boolean {
  try {
    const sig = fromBase64Url(signature)
    const key = fromBase64Url(publicKey)
    if (sig.length !== 64 || key.length !== 32) return false
    return ed25519.verify(sig, new TextEncoder().encode(canonicalJson(value)), key)
  } catch {
    return false
  }
}
