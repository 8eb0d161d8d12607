/**
 * One pairing as the screen walks through it. The first tablet: `start('first')` makes its code
 * (step `show-code`), then `scanned(answer)` opens the channel. The second tablet: `start('second')`
 * (step `scan`), `scanned(offer)` makes its answer code (step `show-code`) and the channel opens
 * once the first tablet has scanned it. Then the session runs (step `session`): proof, ballot boxes,
 * records both ways, live until `end()` or the channel drops.
 */
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs'
import type { VillageDb } from '../db'
import { answerOffer, createOffer, LinkError, type Offer, type OpenLink } from './link'
import { startPeerSession, type PeerSession, type PeerSessionState } from './session'
import { SignalError } from './signal'
import type { PeerTrust } from './trust'
import { Wire } from './wire'

export type PairingSide = 'first' | 'second'
export type PairingStep = 'idle' | 'show-code' | 'scan' | 'connecting' | 'session'

export interface PairingState {
  side: PairingSide | null
  step: PairingStep
  /** the code this tablet shows (QR text), while it shows one */
  code: string | null
  session: PeerSessionState | null
  /** why the last step did not work (a scan, the connection), for the screen's words */
  problem: { reason: string; message: string } | null
}

export interface PairingDeps {
  vdb: VillageDb
  /** null when this tablet has no device certificate yet */
  trust: () => Promise<PeerTrust | null>
  flushBallots: () => Promise<number>
}

const IDLE: PairingState = { side: null, step: 'idle', code: null, session: null, problem: null }

export class Pairing {
  private readonly subject = new BehaviorSubject<PairingState>(IDLE)
  private offer: Offer | null = null
  private link: OpenLink | null = null
  private closeAnswer: (() => void) | null = null
  private session: PeerSession | null = null
  private sub: Subscription | null = null

  constructor(private readonly deps: PairingDeps) {}

  get state$(): Observable<PairingState> { return this.subject.asObservable() }
  get state(): PairingState { return this.subject.value }
  private patch(p: Partial<PairingState>): void { this.subject.next({ ...this.subject.value, ...p }) }

  private fail(e: unknown, step: PairingStep): void {
    const reason = e instanceof LinkError || e instanceof SignalError ? e.reason : 'failed'
    this.patch({ step, problem: { reason, message: e instanceof Error ? e.message : String(e) } })
  }

  /** Begins a pairing on this side (ends any pairing still open). */
  async start(side: PairingSide): Promise<void> {
    await this.end()
    if (!(await this.deps.trust())) {
      this.subject.next({ ...IDLE, side, problem: { reason: 'no-certificate', message: 'this tablet has no device certificate yet: sync with the hub once' } })
      return
    }
    this.subject.next({ ...IDLE, side, step: side === 'first' ? 'show-code' : 'scan' })
    if (side === 'second') return
    try {
      this.offer = await createOffer(this.deps.vdb.villageId)
      this.patch({ code: this.offer.code })
    } catch (e) { this.fail(e, 'idle') }
  }

  /** A code was read by the camera (the answer on the first tablet, the offer on the second). */
  async scanned(text: string): Promise<void> {
    const { side, step } = this.subject.value
    if (side === 'first' && this.offer && step === 'show-code') {
      this.patch({ step: 'connecting', problem: null })
      try {
        await this.run(await this.offer.accept(text), 'offer')
      } catch (e) { this.fail(e, 'show-code') }
    } else if (side === 'second' && step === 'scan') {
      try {
        const answer = await answerOffer(text, this.deps.vdb.villageId)
        this.closeAnswer = answer.close
        this.patch({ step: 'show-code', code: answer.code, problem: null })
        await this.run(await answer.link, 'answer')
      } catch (e) { this.fail(e, this.subject.value.step === 'show-code' ? 'show-code' : 'scan') }
    }
  }

  private async run(link: OpenLink, role: 'offer' | 'answer'): Promise<void> {
    const trust = await this.deps.trust()
    if (!trust) throw new Error('this tablet has no device certificate')
    this.link = link
    const session = startPeerSession({ vdb: this.deps.vdb, trust, wire: new Wire(link.transport), role, fingerprints: link.fingerprints, flushBallots: this.deps.flushBallots })
    this.session = session
    this.sub = session.state$.subscribe((s) => this.patch({ step: 'session', code: null, session: s }))
  }

  /** Ends the pairing (the other tablet sees it end too) and forgets the codes; what it did stays shown. */
  async end(): Promise<void> {
    const session = this.session
    this.session = null
    await session?.close() // its last state ("ended", with the counts) still reaches the screen
    this.sub?.unsubscribe(); this.sub = null
    this.link?.close(); this.link = null
    this.offer?.close(); this.offer = null
    this.closeAnswer?.(); this.closeAnswer = null
    const last = this.subject.value
    this.subject.next(last.step === 'session' ? { ...last, code: null, session: session?.state ?? last.session } : IDLE)
  }

  /** Back to the first screen (after reading the result). */
  reset(): void {
    if (!this.session) this.subject.next(IDLE)
  }
}
