/**
 * What pairing needs to know about devices, and nothing else: this tablet's own certificate and
 * key, how to check another tablet's certificate and its proof on this channel, and how to check
 * that a record was written, unaltered, by an enrolled device of the village (or by the hub).
 * Device keys, the certificates the hub signs at enrollment and the records' signatures are made
 * by enrollment and the writer; `PeerTrust` is the small surface pairing calls, so the app binds
 * the real ones (src/modules/data.ts) and tests bind real Ed25519 keys of their own.
 *
 * The proof over an open channel (`proofTranscript`): each tablet signs, with its device key, the
 * village, both DTLS fingerprints (the one in the QR code it showed and the one in the code it
 * scanned) and both sides' random nonces. The DTLS handshake has already shown that the other end
 * holds the certificate whose fingerprint was in the scanned code; the signature shows that the
 * same end holds an enrolled device's key. A signature made for one channel is worthless on another.
 */
import type { YishiDoc } from '@/shared/schemas'
import type { Refusal } from '@/shared/refusal'
import type { HubKeys } from '@/shared/hubkeys'

export type CertificateCheck =
  | { ok: true; device: string; publicKey: string; /** its name from enrollment, as the hub certified it */ label?: string }
  | { ok: false; reason: 'other-village' | 'not-enrolled' | 'revoked' | 'damaged'; message: string }

/** Whether a record is proven: written as it is by an enrolled device of the village, or by the hub (its notices, its refusal marks). */
export type RecordCheck =
  | { ok: true; by: 'device' | 'hub' }
  | ({ ok: false; /** written before its device had a key: it may come only from that device itself */ unsigned?: true } & Refusal)

type Maybe<T> = T | Promise<T>

export interface PeerTrust {
  village: string
  device: string
  /** this tablet's certificate, shown to the other tablet as it is */
  certificate: unknown
  /** what this tablet hands on so that records relayed further can be checked there (certificates, the hub's list of device keys) */
  credentials(): Maybe<unknown>
  /** takes in what the other tablet handed on (kept only what the hub signed) */
  learn(credentials: unknown): Maybe<void>
  /**
   * checks another tablet's certificate: an enrolled, not revoked device of this village; `credentials`
   * (what it hands on) may carry the hub's key history, to follow first when the hub's key has rotated
   */
  checkCertificate(certificate: unknown, credentials?: unknown): Maybe<CertificateCheck>
  /** signs this channel's transcript with this device's key */
  prove(transcript: Record<string, string>): Maybe<string>
  /** whether `signature` is the checked device's proof of `transcript` */
  proofHolds(peer: Extract<CertificateCheck, { ok: true }>, transcript: Record<string, string>, signature: string): Maybe<boolean>
  /** whether a record received from another tablet is proven (see RecordCheck) */
  checkRecord(doc: YishiDoc): Maybe<RecordCheck>
  /** the hub's keys this tablet pinned, which sign people's roles (src/shared/rosterroles.ts); none: only unchanged roles are taken */
  hubKeys?(): HubKeys | null
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
