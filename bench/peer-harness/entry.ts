/**
 * A page that drives the tablet's real peer-sync and hub-sync code in Chromium (Dexie storage on
 * IndexedDB, production build), for bench/peer.ts, through `window.yishiPeer`. Device keys and
 * certificates are real Ed25519 keys; the bench's "hub" key certifies them.
 */
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie'
import { createRepositories, createSync, openVillageDatabase, type Repositories, type VillageDb, type VillageSync } from '@/data'
import { createOffer, answerOffer, type Offer } from '@/data/peer/link'
import { startPeerSession, type PeerSession, type PeerSessionState } from '@/data/peer/session'
import { Wire } from '@/data/peer/wire'
import type { CertificateCheck, PeerTrust } from '@/data/peer/trust'
import { newSigningKeyPair, signValue, verifyValue } from '@/shared/signature'
import type * as D from '@/domain'

interface Cert { device: string; village: string; publicKey: string; signature: string }
const certBody = (c: Omit<Cert, 'signature'>) => ({ kind: 'bench-certificate', ...c })

let vdb: VillageDb | null = null
let data: Repositories | null = null
let sync: VillageSync | null = null
let trust: PeerTrust | null = null
let offer: Offer | null = null
let session: PeerSession | null = null
let camera: MediaStream | null = null

function benchTrust(village: string, device: string, hubSecret: string, hubPublic: string): PeerTrust {
  const keys = newSigningKeyPair()
  const mine = { device, village, publicKey: keys.publicKey }
  const certificate: Cert = { ...mine, signature: signValue(certBody(mine), hubSecret) }
  const check = (value: unknown): CertificateCheck => {
    const c = value as Cert
    if (!c || !verifyValue(certBody({ device: c.device, village: c.village, publicKey: c.publicKey }), c.signature, hubPublic)) return { ok: false, reason: 'not-enrolled', message: 'not certified' }
    return c.village === village ? { ok: true, device: c.device, publicKey: c.publicKey } : { ok: false, reason: 'other-village', message: c.village }
  }
  return {
    village, device, certificate,
    credentials: () => [certificate],
    learn: () => undefined,
    checkCertificate: check,
    prove: (t) => signValue({ purpose: 'bench', t }, keys.secretKey),
    proofHolds: (peer, t, sig) => verifyValue({ purpose: 'bench', t }, sig, peer.publicKey),
    // records carry no device signature on this branch: the record rules are checked, the signature is not
    checkRecord: () => ({ ok: true, by: 'device' }),
  }
}

function run(s: PeerSession): Promise<PeerSessionState> {
  session = s
  return s.settled
}

const api = {
  async open(o: { village: string; device: string; secret: string; name: string; hubSecret: string; hubPublic: string }) {
    // the camera first: Chromium then puts the real addresses in the offer (as the pairing screen does)
    camera ??= await navigator.mediaDevices.getUserMedia({ video: true })
    vdb = await openVillageDatabase({ villageId: o.village, storage: getRxStorageDexie(), name: o.name })
    data = await createRepositories(vdb, { villageId: o.village, deviceId: o.device, actor: () => 'person:clerk' })
    sync = await createSync(vdb, o.device, { hubUrl: '', credentials: { device: o.device, secret: o.secret } })
    trust = benchTrust(o.village, o.device, o.hubSecret, o.hubPublic)
  },
  async ballots(n: number): Promise<number> {
    const now = Date.now()
    const roster = Array.from({ length: n }, (_, i) => `person:v${i}`)
    const vote = await data!.votes.create({
      title: '2026 民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 2, budget: 20_000_000, rule: 'greedy',
      candidates: [{ id: 'project:lights', title: '路灯', cost: 8_000_000, proposalIds: [] }, { id: 'project:water', title: '饮水', cost: 7_000_000, proposalIds: [] }],
      opensAt: now - 3_600_000, closesAt: now + 24 * 3_600_000, roster, perHousehold: false, sealKeys: [],
    }) as unknown as D.Vote
    for (const voterId of roster) await data!.recordBallot({ vote, voterId, choices: ['project:lights'], recordedBy: 'person:clerk' })
    await data!.ballotBox.flush()
    return vdb!.docs.count().exec()
  },
  async count(): Promise<number> { return vdb!.docs.count().exec() },
  async offer(): Promise<string> {
    offer = await createOffer(vdb!.villageId)
    return offer.code
  },
  /** the second tablet: answers the code; resolves with its own code, the session runs once the first tablet accepts */
  async answer(code: string): Promise<string> {
    const a = await answerOffer(code, vdb!.villageId)
    void a.link.then((link) => run(startPeerSession({ vdb: vdb!, trust: trust!, wire: new Wire(link.transport), role: 'answer', fingerprints: link.fingerprints, flushBallots: () => data!.ballotBox.flush() })))
    return a.code
  },
  async accept(code: string): Promise<void> {
    const link = await offer!.accept(code)
    void run(startPeerSession({ vdb: vdb!, trust: trust!, wire: new Wire(link.transport), role: 'offer', fingerprints: link.fingerprints, flushBallots: () => data!.ballotBox.flush() }))
  },
  async live(timeoutMs: number): Promise<PeerSessionState | null> {
    const deadline = Date.now() + timeoutMs
    while (!session && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    if (!session) return null
    return Promise.race([session.settled, new Promise<null>((r) => setTimeout(() => r(null), Math.max(0, deadline - Date.now())))])
  },
  async endPairing(): Promise<void> { await session?.close(); session = null; offer?.close(); offer = null },
  syncNow: (ms: number) => sync!.syncNow(ms),
  async close(): Promise<void> {
    await api.endPairing()
    await sync?.stop()
    await vdb?.db.remove()
    vdb = null; data = null; sync = null
  },
}

declare global { interface Window { yishiPeer: typeof api } }
window.yishiPeer = api
document.getElementById('ready')!.textContent = 'ready'
