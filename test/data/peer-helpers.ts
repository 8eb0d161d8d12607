/**
 * Tablets that pair over an in-memory channel (the data channel is the one true edge replaced here;
 * records, RxDB, the gate and the replication are the real ones). Device keys and certificates are
 * real Ed25519 keys: a test "hub" signs each device's certificate, as enrollment does.
 * Record signatures: `signedRecords` stands for each device's signature over what it wrote — a
 * record that arrives other than its device stored it is refused, as a failed signature check is.
 */
import { newSigningKeyPair, signValue, verifyValue } from '@/shared/signature'
import { canonicalJson } from '@/domain/audit'
import type { CertificateCheck, PeerTrust } from '@/data/peer/trust'
import { memoryTransportPair, Wire } from '@/data/peer/wire'
import { startPeerSession, type PeerSession } from '@/data/peer/session'
import type { YishiDoc } from '@/shared/schemas'
import { openTablet, VILLAGE, type Tablet } from './helpers'

/** A device certificate as a test hub issues it: its signature over `{ device, village, publicKey }`. */
export interface SignedCertificate { device: string; village: string; publicKey: string; signature: string }
const certificateBody = (c: Omit<SignedCertificate, 'signature'>) => ({ kind: 'test-certificate', device: c.device, village: c.village, publicKey: c.publicKey })
const isCertificate = (c: unknown): c is SignedCertificate => {
  const x = c as SignedCertificate
  return !!x && typeof x === 'object' && typeof x.device === 'string' && typeof x.village === 'string' && typeof x.publicKey === 'string' && typeof x.signature === 'string'
}

/**
 * A PeerTrust over real Ed25519 keys: certificates signed by the test hub, proofs signed with the
 * device key, records checked against what their device wrote (see the file comment).
 */
function testTrust(hub: Authority, village: string, device: string, secretKey: string, certificate: SignedCertificate): PeerTrust {
  const known = new Map<string, SignedCertificate>([[device, certificate]])
  const check = (value: unknown): CertificateCheck => {
    if (!isCertificate(value)) return { ok: false, reason: 'damaged', message: 'no readable device certificate' }
    if (!verifyValue(certificateBody(value), value.signature, hub.publicKey)) return { ok: false, reason: 'not-enrolled', message: 'certificate not issued by this township\'s hub' }
    if (value.village !== village) return { ok: false, reason: 'other-village', message: `enrolled in village "${value.village}"` }
    if (hub.revoked.has(value.device)) return { ok: false, reason: 'revoked', message: 'revoked by the hub' }
    return { ok: true, device: value.device, publicKey: value.publicKey }
  }
  return {
    village, device, certificate,
    credentials: () => [...known.values()],
    learn(credentials) {
      for (const c of Array.isArray(credentials) ? credentials : []) if (check(c).ok && !known.has((c as SignedCertificate).device)) known.set((c as SignedCertificate).device, c as SignedCertificate)
    },
    checkCertificate: check,
    prove: (transcript) => signValue({ purpose: 'test-proof', transcript }, secretKey),
    proofHolds: (peer, transcript, signature) => verifyValue({ purpose: 'test-proof', transcript }, signature, peer.publicKey),
    // the test hub's key certifies clerks' keys and signs roles, as the real hub's does
    hubKeys: () => ({ current: hub.publicKey, retired: [] }),
    checkRecord(doc) {
      const c = known.get(doc.device)
      if (!c || !check(c).ok) return { ok: false, code: 'proof.unknown-device', params: { device: doc.device }, reason: `no certificate of device "${doc.device}" is known here` }
      return hub.written.get(`${doc.device}/${doc.seq}/${doc.id}`) === fingerprintOf(doc) ? { ok: true, by: 'device' }
        : { ok: false, code: 'proof.altered', params: { device: doc.device }, reason: `the device signature of ${doc.id} does not match its content` }
    },
  }
}

export interface Authority { publicKey: string; secretKey: string; written: Map<string, string>; revoked: Set<string> }

export function newAuthority(): Authority {
  return { ...newSigningKeyPair(), written: new Map(), revoked: new Set() }
}

/** What a device's signature vouches for: the record as its device stored it. */
function fingerprintOf(doc: YishiDoc): string {
  const { id, kind, v, village, year, author, device, deviceTime, seq, ref, body } = doc
  return canonicalJson({ id, kind, v, village, year, author, device, deviceTime, seq, ref, body })
}

/** A device signs a record of its own making (what an enrolled tablet can always do, honest or not). */
export function signAs(hub: Authority, doc: YishiDoc): void {
  hub.written.set(`${doc.device}/${doc.seq}/${doc.id}`, fingerprintOf(doc))
}

export interface PeerTablet extends Tablet { device: string; trust: PeerTrust; certificate: SignedCertificate }

/** A tablet of `village` with a device key and a certificate signed by `hub`. */
export async function peerTablet(hub: Authority, device: string, village = VILLAGE): Promise<PeerTablet> {
  const t = await openTablet(device, village === VILLAGE ? {} : { village })
  const keys = newSigningKeyPair()
  const certificate: SignedCertificate = { device, village, publicKey: keys.publicKey, signature: signValue(certificateBody({ device, village, publicKey: keys.publicKey }), hub.secretKey) }
  const trust = testTrust(hub, village, device, keys.secretKey, certificate)
  // the device "signs" each record as it writes it (stands for the per-record signature)
  const sub = t.vdb.docs.$.subscribe((ev) => {
    const doc = ev.documentData as YishiDoc
    if (doc.device === device && !ev.isLocal) hub.written.set(`${doc.device}/${doc.seq}/${doc.id}`, fingerprintOf(doc))
  })
  t.vdb.db.onClose.push(() => sub.unsubscribe())
  return { ...t, device, trust, certificate }
}

/** Pairs two tablets over an in-memory channel: `a` showed the first code (offer), `b` scanned it. */
export async function pair(a: PeerTablet, b: PeerTablet, opts: { fingerprints?: [{ offer: string; answer: string }, { offer: string; answer: string }]; batchSize?: number; cutAfter?: number } = {}) {
  const [ta, tb] = memoryTransportPair()
  if (opts.cutAfter) {
    // the channel breaks after B has been handed this many messages (a tablet carried out of range)
    const deliver = tb.onMessage.bind(tb)
    let n = 0
    tb.onMessage = (cb) => deliver((text) => { if (++n <= opts.cutAfter!) cb(text); if (n === opts.cutAfter) tb.close() })
  }
  const wa = new Wire(ta); const wb = new Wire(tb)
  const fp = { offer: 'aa'.repeat(32), answer: 'bb'.repeat(32) }
  const [fa, fb] = opts.fingerprints ?? [fp, fp]
  const sa: PeerSession = startPeerSession({ vdb: a.vdb, trust: a.trust, wire: wa, role: 'offer', fingerprints: fa, flushBallots: () => a.data.ballotBox.flush(), handshakeTimeoutMs: 5_000, follow: { retryTime: 200 } })
  const sb: PeerSession = startPeerSession({ vdb: b.vdb, trust: b.trust, wire: wb, role: 'answer', fingerprints: fb, flushBallots: () => b.data.ballotBox.flush(), handshakeTimeoutMs: 5_000, follow: { retryTime: 200, ...(opts.batchSize ? { batchSize: opts.batchSize } : {}) } })
  return { a: sa, b: sb, wires: [wa, wb] as const, async close() { await sa.close(); await sb.close() } }
}

/** Every record a tablet holds (without RxDB bookkeeping), by id. */
export async function recordsOf(t: Tablet): Promise<Map<string, string>> {
  const docs = await t.vdb.docs.find().exec()
  return new Map(docs.map((d) => { const j = d.toJSON() as YishiDoc; return [j.id, JSON.stringify([j.kind, j.body, j.device, j.seq])] }))
}
