/**
 * Ed25519 signing and verifying over canonical JSON, for record provenance (provenance.ts) and the
 * hub's key chain (hubkeys.ts): the platform's WebCrypto Ed25519 when it has one (Chromium since 137,
 * Node 20: about ten times faster than JavaScript), otherwise @noble/curves; Ed25519 signatures are
 * deterministic, so both give the same bytes.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { canonicalJson } from '../domain/audit'
import { fromBase64Url, publicKeyOf, signValue, toBase64Url } from './signature'

interface Subtle { importKey: SubtleCrypto['importKey']; sign: SubtleCrypto['sign']; verify: SubtleCrypto['verify'] }
const subtle = (): Subtle | null => (globalThis.crypto?.subtle as Subtle | undefined) ?? null
const encoder = new TextEncoder()
const bytes = (value: unknown): Uint8Array<ArrayBuffer> => encoder.encode(canonicalJson(value)) as Uint8Array<ArrayBuffer>

/** Whether WebCrypto has Ed25519 here (tried once; tests can force the JavaScript path). */
let webEd25519: Promise<boolean> | null = null
export function useWebCryptoEd25519(on: boolean | null): void { webEd25519 = on === null ? null : Promise.resolve(on) }
function hasWebEd25519(): Promise<boolean> {
  webEd25519 ??= (async () => {
    const s = subtle()
    if (!s) return false
    try {
      await s.importKey('raw', new Uint8Array(32), { name: 'Ed25519' }, false, ['verify'])
      return true
    } catch { return false }
  })()
  return webEd25519
}

/** Signs values with one Ed25519 key: a device's or the hub's. */
export interface Signer {
  readonly publicKey: string
  sign(value: unknown): Promise<string>
  /** Synchronous (JavaScript only, ~1 ms): for the rare write that cannot wait, a merged version. */
  signSync(value: unknown): string
}

export function createSigner(secretKey: string): Signer {
  const publicKey = publicKeyOf(secretKey)
  let key: Promise<CryptoKey | null> | null = null
  const webKey = () => (key ??= hasWebEd25519().then((has) => has
    ? subtle()!.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', d: secretKey, x: publicKey }, { name: 'Ed25519' }, false, ['sign']).catch(() => null)
    : null))
  return {
    publicKey,
    async sign(value) {
      const k = await webKey()
      if (!k) return signValue(value, secretKey)
      return toBase64Url(new Uint8Array(await subtle()!.sign('Ed25519', k, bytes(value))))
    },
    signSync: (value) => signValue(value, secretKey),
  }
}

const verifyKeys = new Map<string, Promise<CryptoKey | null>>()
function verifyKey(publicKey: Uint8Array<ArrayBuffer>, text: string): Promise<CryptoKey | null> {
  let k = verifyKeys.get(text)
  if (!k) {
    if (verifyKeys.size >= 512) verifyKeys.clear()
    k = subtle()!.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']).catch(() => null)
    verifyKeys.set(text, k)
  }
  return k
}

/** True when `signature` is `publicKey`'s Ed25519 signature of the canonical JSON of `value`; false for anything malformed. */
export async function verifySigned(value: unknown, signature: unknown, publicKey: unknown): Promise<boolean> {
  if (typeof signature !== 'string' || typeof publicKey !== 'string') return false
  let sig: Uint8Array<ArrayBuffer>; let key: Uint8Array<ArrayBuffer>
  try {
    sig = fromBase64Url(signature) as Uint8Array<ArrayBuffer>
    key = fromBase64Url(publicKey) as Uint8Array<ArrayBuffer>
  } catch { return false }
  if (sig.length !== 64 || key.length !== 32) return false
  const message = bytes(value)
  if (await hasWebEd25519()) {
    const k = await verifyKey(key, publicKey)
    if (k) return subtle()!.verify('Ed25519', k, sig, message).catch(() => false)
  }
  try {
    // strict RFC 8032 checks, as WebCrypto does: the hub and a tablet never disagree on a signature
    return ed25519.verify(sig, message, key, { zip215: false })
  } catch { return false }
}
