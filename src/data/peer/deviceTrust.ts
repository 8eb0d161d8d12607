/**
 * The pairing's trust surface (trust.ts) on this tablet's device key and what it trusts
 * (devicekeys.ts, src/shared/provenance.ts): the certificate the hub signed at enrollment, the
 * pinned hub key, the village's list of device keys with revocations. A peer's certificate is
 * checked against the hub key and the list; records against their device's signature
 * (`recordProvenance`). What a peer hands on (its certificate, a newer list, certificates it
 * learned) is kept when the hub signed it, so records relayed further can be checked here later.
 * Once the hub has rotated its key, the peer's list carries the key history: it is followed (from
 * the pinned key only, src/shared/hubkeys.ts) before the peer's certificate is checked.
 */
import type { KeyValue } from '../identity'
import type { VillageDb } from '../db'
import { answerChallenge, keepList, loadTrust, myCertificate } from '../devicekeys'
import { CERT_FORMAT, certificateProblem, recordProvenance, verifyChallenge, type DeviceCertificate } from '@/shared/provenance'
import type { CertificateCheck, PeerTrust } from './trust'

/** Local document (not replicated) with the certificates of the village's other tablets met so far. */
export const PEER_CERTIFICATES_KEY = 'peer-certificates'
const KEEP = 500

interface Credentials { list?: unknown; certificates?: unknown[] }

const asCertificate = (value: unknown): DeviceCertificate | null => {
  const c = value as DeviceCertificate | null
  return c && typeof c === 'object' && c.format === CERT_FORMAT && typeof c.device === 'string' && typeof c.village === 'string' ? c : null
}

/** This tablet's PeerTrust, or null before it has a certificate (it has not reached the hub with its key yet). */
export async function deviceTrust(kv: KeyValue, vdb: VillageDb, device: string): Promise<PeerTrust | null> {
  const village = vdb.villageId
  const mine = myCertificate(kv)
  const store = await loadTrust(kv, village)
  if (!mine || !store) return null
  const kept = (await vdb.db.getLocal<{ certificates: DeviceCertificate[] }>(PEER_CERTIFICATES_KEY))?.get('certificates') ?? []
  const known = new Map<string, DeviceCertificate>()
  for (const c of kept) if (!(await store.addCertificate(c))) known.set(c.device, c)
  const keep = async () => { await vdb.db.upsertLocal(PEER_CERTIFICATES_KEY, { certificates: [...known.values()].slice(-KEEP) }) }

  async function take(value: unknown): Promise<string | null> {
    const c = asCertificate(value)
    if (!c) return 'this is not a device certificate'
    const problem = await store!.addCertificate(c)
    if (!problem && c.device !== device && !known.has(c.device)) known.set(c.device, c)
    return problem
  }

  return {
    village, device, certificate: mine,
    credentials: () => ({ list: store.list, certificates: [mine, ...known.values()] }),
    async learn(value) {
      const given = (value ?? {}) as Credentials
      if (given.list && !(await store.addList(given.list))) await keepList(kv, village, given.list)
      for (const c of (Array.isArray(given.certificates) ? given.certificates : []).slice(0, KEEP)) await take(c)
      await keep()
    },
    async checkCertificate(value, credentials): Promise<CertificateCheck> {
      // a peer that met the hub after it rotated its key: its list carries the key history, followed first
      const list = (credentials as Credentials | undefined)?.list as { hubKey?: unknown } | undefined
      if (list && typeof list === 'object' && list.hubKey !== store.hubKey && !(await store.addList(list))) await keepList(kv, village, list)
      const c = asCertificate(value)
      if (!c) return { ok: false, reason: 'damaged', message: 'the other tablet sent no readable device certificate' }
      // signed by this township's hub at all? (then: for this village, and not revoked)
      const signature = await certificateProblem(c, store.hubKeys, c.village)
      if (signature) return { ok: false, reason: 'not-enrolled', message: signature }
      if (c.village !== village) return { ok: false, reason: 'other-village', message: `device ${c.device} is enrolled in another village (${c.village})` }
      const problem = await take(c)
      if (problem) return { ok: false, reason: store.devices.get(c.device)?.revokedAt !== undefined ? 'revoked' : 'not-enrolled', message: problem }
      await keep()
      return { ok: true, device: c.device, publicKey: c.publicKey, ...(c.label ? { label: c.label } : {}) }
    },
    prove: (transcript) => answerChallenge(kv, device, transcript),
    proofHolds: (peer, transcript, signature) => verifyChallenge({ publicKey: peer.publicKey }, transcript, signature),
    checkRecord: (doc) => recordProvenance(doc, store),
    hubKeys: () => store.hubKeys,
  }
}
