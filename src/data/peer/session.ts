/**
 * One pairing, once the channel is open: each tablet proves it is an enrolled device of the village
 * (certificate + a signature over this channel's fingerprints and both nonces, see trust.ts), the
 * ballot boxes are written out in shuffled batches, then the records move both ways and keep moving
 * while the channel stays open. What happened is counted in records, for the screen.
 */
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs'
import type { RxReplicationState } from 'rxdb/plugins/replication'
import type { VillageDb } from '../db'
import type { YishiDoc } from '@/shared/schemas'
import { PeerGate, type Refused } from './gate'
import { followPeer, retakeOnStore, serveRecords, type FollowOptions, type PeerCounts } from './replicate'
import { newNonce, proofTranscript, type CertificateCheck, type PeerTrust } from './trust'
import { WireError, type Wire } from './wire'

export type PeerRole = 'offer' | 'answer'
export type PeerPhase = 'proving' | 'syncing' | 'live' | 'ended' | 'refused'

/** Why a pairing stopped short, as a word the screen turns into a sentence. */
export type PeerProblem = 'other-village' | 'not-enrolled' | 'revoked' | 'damaged' | 'bad-proof' | 'same-device' | 'they-refused' | 'timeout' | 'closed' | 'failed'

export interface PeerSessionState {
  phase: PeerPhase
  /** the other tablet's device id, once proven */
  peerDevice: string | null
  /** the other tablet's name from enrollment (hub-certified), when it has one */
  peerLabel?: string
  received: number
  sent: number
  /** records from the other tablet this one refused (with reasons) */
  refused: Refused[]
  /** records of this tablet the other one refused */
  refusedByPeer: Refused[]
  /** ballots written out of the ballot box before the records moved */
  flushed: number
  /** conflicts recorded since the pairing began, and how many of them are voters checked off on two tablets */
  conflicts: number
  doubleVotes: number
  problem: { reason: PeerProblem; message: string } | null
}

export interface PeerSessionOptions {
  vdb: VillageDb
  trust: PeerTrust
  wire: Wire
  role: PeerRole
  /** DTLS fingerprints (hex) of the offer and of the answer: what the QR codes carried */
  fingerprints: { offer: string; answer: string }
  /** writes the boxed ballots (shuffled) before any record moves; resolves to how many */
  flushBallots: () => Promise<number>
  follow?: FollowOptions
  /** how long to wait for the other tablet's proof (default 20 s) */
  handshakeTimeoutMs?: number
}

export class PeerSession {
  private readonly subject: BehaviorSubject<PeerSessionState>
  private readonly counts: PeerCounts = { received: 0, sent: 0, refused: [], refusedByPeer: [] }
  private replication: RxReplicationState<YishiDoc, unknown> | null = null
  private stopServing: (() => void) | null = null
  private timer: ReturnType<typeof setInterval> | null = null
  private subs: Subscription[] = []
  private conflictsBefore: Set<string> | null = null
  private theirBye: string | null = null
  private handshakeDone: () => void = () => {}
  private readonly handshaking: Promise<void>
  /** resolves once the first full exchange is done (phase `live`) or the pairing stopped */
  readonly settled: Promise<PeerSessionState>

  constructor(private readonly opts: PeerSessionOptions) {
    this.subject = new BehaviorSubject<PeerSessionState>({
      phase: 'proving', peerDevice: null, received: 0, sent: 0, refused: [], refusedByPeer: [], flushed: 0, conflicts: 0, doubleVotes: 0, problem: null,
    })
    this.handshaking = new Promise((resolve) => { this.handshakeDone = resolve })
    // the other side refused this one: its reason, shown unless this side found its own
    opts.wire.on('bye', (m) => { this.theirBye = String(m.message ?? 'the other tablet did not accept this one') })
    opts.wire.onClose((why) => this.finish(why))
    this.settled = new Promise((resolve) => {
      const sub = this.subject.subscribe((s) => { if (s.phase === 'live' || s.phase === 'ended' || s.phase === 'refused') { resolve(s); queueMicrotask(() => sub.unsubscribe()) } })
    })
    void this.run()
  }

  get state$(): Observable<PeerSessionState> { return this.subject.asObservable() }
  get state(): PeerSessionState { return this.subject.value }

  private patch(p: Partial<PeerSessionState>): void { this.subject.next({ ...this.subject.value, ...p }) }

  private async run(): Promise<void> {
    const { wire, trust, role, vdb } = this.opts
    const wait = this.opts.handshakeTimeoutMs ?? 20_000
    let proven: Extract<CertificateCheck, { ok: true }> | null = null
    let failed: WireError | null = null
    try {
      proven = await this.handshake(wait)
    } catch (e) {
      failed = e instanceof WireError ? e : new WireError('closed', e instanceof Error ? e.message : String(e))
    }
    this.handshakeDone()
    if (failed) {
      // timed out, or the channel closed: said once the handshake is over (this side's own refusal first)
      this.finish(failed)
      wire.close()
    }
    if (!proven) return
    try {
      this.patch({ phase: 'syncing', peerDevice: proven.device, ...(proven.label ? { peerLabel: proven.label } : {}) })
      await this.watchConflicts()
      this.patch({ flushed: await this.opts.flushBallots() })
      this.timer = setInterval(() => this.tally(), 250)
      const gate = new PeerGate(vdb, trust)
      this.subs.push(retakeOnStore(vdb, gate, this.counts))
      if (role === 'offer') {
        wire.on('synced', () => { this.tally(); this.patch({ phase: 'live' }) })
        this.stopServing = serveRecords(vdb, wire, gate, proven.device, this.counts)
        await wire.notify('ready')
      } else {
        await wire.once('ready', wait)
        const replication = followPeer(vdb, wire, gate, proven.device, this.counts, this.opts.follow)
        this.replication = replication as RxReplicationState<YishiDoc, unknown>
        await replication.awaitInitialReplication()
        await replication.awaitInSync()
        this.tally()
        await wire.notify('synced')
        this.patch({ phase: 'live' })
      }
    } catch (e) {
      this.finish(e instanceof WireError ? e : new WireError('closed', e instanceof Error ? e.message : String(e)))
      this.opts.wire.close()
    }
  }

  /**
   * Certificates, then each side's signature over this channel's transcript. Resolves to the other
   * tablet's checked certificate, or null when this side refused it (the other side is told why).
   */
  private async handshake(wait: number): Promise<Extract<CertificateCheck, { ok: true }> | null> {
    const { wire, trust, role } = this.opts
    const nonce = newNonce()
    const helloNext = wire.once('hello', wait)
    await wire.notify('hello', { v: 1, nonce, certificate: trust.certificate, credentials: await trust.credentials() })
    const hello = await helloNext
    const check = await trust.checkCertificate(hello.certificate, hello.credentials)
    if (!check.ok) { await this.refuse(check.reason, check.message); return null }
    if (check.device === trust.device) { await this.refuse('same-device', 'the other side is this same tablet'); return null }
    const theirNonce = String(hello.nonce ?? '')
    const transcript = (signer: PeerRole) => proofTranscript({
      village: trust.village, offerFingerprint: this.opts.fingerprints.offer, answerFingerprint: this.opts.fingerprints.answer,
      offerNonce: role === 'offer' ? nonce : theirNonce, answerNonce: role === 'answer' ? nonce : theirNonce, signer,
    })
    const proofNext = wire.once('proof', wait)
    await wire.notify('proof', { signature: await trust.prove(transcript(role)) })
    const proof = await proofNext
    const other: PeerRole = role === 'offer' ? 'answer' : 'offer'
    if (!(await trust.proofHolds(check, transcript(other), String(proof.signature ?? '')))) {
      await this.refuse('bad-proof', 'the other tablet could not prove it holds its device key on this connection')
      return null
    }
    await trust.learn(hello.credentials)
    return check
  }

  /** Conflicts recorded from now on are counted for the screen (a voter checked off on two tablets among them). */
  private async watchConflicts(): Promise<void> {
    const query = this.opts.vdb.docs.find({ selector: { kind: 'conflict' } })
    this.conflictsBefore = new Set((await query.exec()).map((d) => d.id))
    this.subs.push(query.$.subscribe((docs) => {
      const fresh = docs.filter((d) => !this.conflictsBefore?.has(d.id))
      this.patch({ conflicts: fresh.length, doubleVotes: new Set(fresh.filter((d) => d.body.reason === 'double-checkoff').map((d) => String(d.body.subjectId))).size })
    }))
  }

  private tally(): void {
    const c = this.counts
    const s = this.subject.value
    if (c.received !== s.received || c.sent !== s.sent || c.refused.length !== s.refused.length || c.refusedByPeer.length !== s.refusedByPeer.length) {
      this.patch({ received: c.received, sent: c.sent, refused: [...c.refused], refusedByPeer: [...c.refusedByPeer] })
    }
  }

  private async refuse(reason: PeerProblem, message: string, tell = true): Promise<void> {
    if (this.subject.value.phase === 'refused') return
    this.patch({ phase: 'refused', problem: { reason, message } })
    if (tell) await this.opts.wire.notify('bye', { reason, message }).catch(() => undefined)
    await this.stop()
    this.opts.wire.close()
  }

  /** The channel closed (or failed): during the handshake, after this side's own checks have spoken. */
  private finish(why: WireError): void {
    if (this.subject.value.phase === 'proving') { void this.handshaking.then(() => this.conclude(why)); return }
    this.conclude(why)
  }

  private conclude(why: WireError): void {
    const s = this.subject.value
    if (s.phase === 'refused' || s.phase === 'ended') return
    if (this.theirBye && s.phase === 'proving') { void this.refuse('they-refused', this.theirBye, false); return }
    this.tally()
    const problem = s.phase === 'live' ? null : { reason: (why.reason === 'timeout' ? 'timeout' : why.reason === 'closed' ? 'closed' : 'failed') as PeerProblem, message: why.message }
    this.patch({ phase: 'ended', problem })
    void this.stop()
  }

  private async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.stopServing?.()
    this.stopServing = null
    for (const s of this.subs) s.unsubscribe()
    this.subs = []
    const r = this.replication
    this.replication = null
    await r?.cancel().catch(() => undefined)
  }

  /** Ends the pairing (the other tablet sees the channel close). */
  async close(): Promise<void> {
    this.opts.wire.close()
    await this.stop()
  }
}

export function startPeerSession(opts: PeerSessionOptions): PeerSession {
  return new PeerSession(opts)
}
