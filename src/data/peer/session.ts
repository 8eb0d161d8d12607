/**
 * One pairing, once the channel is open: each tablet proves it is an enrolled device of the village
 * (certificate + a signature over this channel's fingerprints and both nonces, see trust.ts), the
 * ballot boxes are written out in shuffled batches, then the records move both ways and keep moving
 * while the channel stays open. What happened is counted in records, for the screen.
 */
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs'
import type { RxReplicationState } from 'rxdb/plugins/replication'
import type { VillageDb } from '../db'
import type { YishiDoc } from '../../shared/schemas'
import { PeerGate, type Refused } from './gate'
import { followPeer, serveRecords, type FollowOptions, type PeerCounts } from './replicate'
import { newNonce, proofTranscript, type PeerTrust } from './trust'
import { WireError, type Wire } from './wire'

export type PeerRole = 'offer' | 'answer'
export type PeerPhase = 'proving' | 'syncing' | 'live' | 'ended' | 'refused'

/** Why a pairing stopped short, as a word the screen turns into a sentence. */
export type PeerProblem = 'other-village' | 'not-enrolled' | 'revoked' | 'damaged' | 'bad-proof' | 'same-device' | 'they-refused' | 'timeout' | 'closed' | 'failed'

export interface PeerSessionState {
  phase: PeerPhase
  /** the other tablet's device id, once proven */
  peerDevice: string | null
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
  /** resolves once the first full exchange is done (phase `live`) or the pairing stopped */
  readonly settled: Promise<PeerSessionState>

  constructor(private readonly opts: PeerSessionOptions) {
    this.subject = new BehaviorSubject<PeerSessionState>({
      phase: 'proving', peerDevice: null, received: 0, sent: 0, refused: [], refusedByPeer: [], flushed: 0, conflicts: 0, doubleVotes: 0, problem: null,
    })
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
    try {
      const nonce = newNonce()
      const helloNext = wire.once('hello', wait)
      await wire.notify('hello', { v: 1, nonce, certificate: trust.certificate, credentials: await trust.credentials() })
      const hello = await helloNext
      const check = await trust.checkCertificate(hello.certificate)
      if (!check.ok) return await this.refuse(check.reason, check.message)
      if (check.device === trust.device) return await this.refuse('same-device', 'the other side is this same tablet')
      const theirNonce = String(hello.nonce ?? '')
      const transcript = (signer: PeerRole) => proofTranscript({
        village: trust.village, offerFingerprint: this.opts.fingerprints.offer, answerFingerprint: this.opts.fingerprints.answer,
        offerNonce: role === 'offer' ? nonce : theirNonce, answerNonce: role === 'answer' ? nonce : theirNonce, signer,
      })
      const proofNext = wire.once('proof', wait)
      const byeNext = wire.once('bye', wait * 3).catch(() => null)
      void byeNext.then((bye) => { if (bye) void this.refuse('they-refused', String(bye.message ?? 'the other tablet did not accept this one'), false) })
      await wire.notify('proof', { signature: await trust.prove(transcript(role)) })
      const proof = await proofNext
      const other: PeerRole = role === 'offer' ? 'answer' : 'offer'
      if (!(await trust.proofHolds(check, transcript(other), String(proof.signature ?? '')))) return await this.refuse('bad-proof', 'the other tablet could not prove it holds its device key on this connection')
      await trust.learn(hello.credentials)
      this.patch({ phase: 'syncing', peerDevice: check.device })
      await this.watchConflicts()
      this.patch({ flushed: await this.opts.flushBallots() })
      this.timer = setInterval(() => this.tally(), 250)
      const gate = new PeerGate(vdb, trust)
      if (role === 'offer') {
        wire.on('synced', () => { this.tally(); this.patch({ phase: 'live' }) })
        this.stopServing = serveRecords(vdb, wire, gate, check.device, this.counts)
        await wire.notify('ready')
      } else {
        await wire.once('ready', wait)
        const replication = followPeer(vdb, wire, gate, check.device, this.counts, this.opts.follow)
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

  private finish(why: WireError): void {
    const s = this.subject.value
    if (s.phase === 'refused' || s.phase === 'ended') return
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
