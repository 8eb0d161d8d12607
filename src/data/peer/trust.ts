/**
 * What pairing needs to know about devices, and nothing else: this tablet's own certificate and
 * key, how to check another tablet's certificate, and how to check that a record was written,
 * unaltered, by an enrolled device of the village. The device keys, the certificates the hub
 * signs at enrollment and the records' signatures are made elsewhere (enrollment and the writer);
 * `PeerTrust` is the small surface pairing calls, so everything here can be tested with real keys
 * and the app wires the real ones in.
 *
 * The proof over an open channel (`proofTranscript`): each tablet signs, with its device key, the
 * village, both DTLS fingerprints (the one in the QR code it showed and the one in the code it
 * scanned) and both sides' random nonces. The DTLS handshake has already shown that the other end
 * holds the certificate whose fingerprint was in the scanned code; the signature shows that the
 * same end holds an enrolled device's key. A signature made for one channel is worthless on another.
 */
import { signValue, verifyValue } from '../../shared/signature'
import type { YishiDoc } from '../../shared/schemas'

export type CertificateCheck =
  | { ok: true; device: string; publicKey: string }
  | { ok: false; reason: 'other-village' | 'not-enrolled' | 'revoked' | 'damaged'; message: string }

export interface PeerTrust {
  village: string
  device: string
  /** this tablet's certificate, sent to the other tablet as it is */
  certificate: unknown
  /** signs the canonical JSON of `value` with this device's key (base64url Ed25519) */
  sign(value: unknown): string | Promise<string>
  /** checks another tablet's certificate: an enrolled, not revoked device of this village */
  checkCertificate(certificate: unknown): CertificateCheck
  /** why a record received from another tablet is not proven to come unaltered from an enrolled device of this village; null when it is */
  recordRefusal(doc: YishiDoc): string | null
  /** certificates this tablet knows (handed to a peer, so that records relayed further can be checked there) */
  certificates(): unknown[]
  /** certificates received from a peer: kept if they check */
  learn(certificates: unknown[]): void
}

export const PEER_PROTOCOL = 'yishi-peer/1'

export interface ProofInput {
  village: string
  /** fingerprint of the tablet that showed the first code (the offer), and of the one that answered */
  offerFingerprint: string
  answerFingerprint: string
  offerNonce: string
  answerNonce: string
  /** which side signs */
  signer: 'offer' | 'answer'
}

/** What each tablet signs (see the file comment). */
export function proofTranscript(p: ProofInput): Record<string, string> {
  return { proto: PEER_PROTOCOL, village: p.village, offer: p.offerFingerprint, answer: p.answerFingerprint, offerNonce: p.offerNonce, answerNonce: p.answerNonce, signer: p.signer }
}

/** A random nonce (base64url of 16 bytes). */
export function newNonce(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16))
  let s = ''
  for (const x of b) s += String.fromCharCode(x)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * A PeerTrust from Ed25519 keys: certificates are the hub's signature over
 * `{ device, village, publicKey }` (`certificateBody`). Used where the certificates come from the
 * hub's enrollment answer; records are checked by `recordCheck` (the record signature scheme).
 */
export interface SignedCertificate { device: string; village: string; publicKey: string; signature: string }

export function certificateBody(c: Pick<SignedCertificate, 'device' | 'village' | 'publicKey'>): Record<string, string> {
  return { kind: 'yishi-device-certificate/1', device: c.device, village: c.village, publicKey: c.publicKey }
}

export function isSignedCertificate(value: unknown): value is SignedCertificate {
  const c = value as Partial<SignedCertificate> | null
  return !!c && typeof c === 'object' && typeof c.device === 'string' && typeof c.village === 'string' && typeof c.publicKey === 'string' && typeof c.signature === 'string'
}

export function ed25519Trust(opts: {
  village: string
  device: string
  secretKey: string
  certificate: SignedCertificate
  hubPublicKey: string
  /** devices the hub has revoked, as this tablet last heard */
  revoked?: () => ReadonlySet<string>
  /** checks a record's device signature with the device's public key; null when it holds */
  recordCheck: (doc: YishiDoc, publicKeyOf: (device: string) => string | null) => string | null
}): PeerTrust {
  const known = new Map<string, SignedCertificate>([[opts.device, opts.certificate]])
  const check = (value: unknown): CertificateCheck => {
    if (!isSignedCertificate(value)) return { ok: false, reason: 'damaged', message: 'the other tablet sent no readable device certificate' }
    if (!verifyValue(certificateBody(value), value.signature, opts.hubPublicKey)) return { ok: false, reason: 'not-enrolled', message: 'the other tablet\'s certificate was not issued by this township\'s hub' }
    if (value.village !== opts.village) return { ok: false, reason: 'other-village', message: `the other tablet belongs to village "${value.village}"` }
    if (opts.revoked?.().has(value.device)) return { ok: false, reason: 'revoked', message: 'the other tablet was withdrawn from the village' }
    return { ok: true, device: value.device, publicKey: value.publicKey }
  }
  return {
    village: opts.village,
    device: opts.device,
    certificate: opts.certificate,
    sign: (value) => signValue(value, opts.secretKey),
    checkCertificate: check,
    recordRefusal: (doc) => opts.recordCheck(doc, (device) => {
      const c = known.get(device)
      return c && check(c).ok ? c.publicKey : null
    }),
    certificates: () => [...known.values()],
    learn(certificates) {
      for (const c of certificates.slice(0, 10_000)) if (isSignedCertificate(c) && check(c).ok && !known.has(c.device)) known.set(c.device, c)
    },
  }
}
