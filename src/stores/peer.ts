import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { Subscription } from 'rxjs'
import type { Repositories } from '@/data'
import type { Pairing, PairingSide, PairingState } from '@/data/peer/pairing'
import type { PeerTrust } from '@/data/peer/trust'
import { useActingStore } from './acting'

const IDLE: PairingState = { side: null, step: 'idle', code: null, session: null, problem: null }

export interface PeerOptions {
  /** this tablet's device trust (certificate, key, the village's device keys); null before it has one */
  peerTrust?: () => Promise<PeerTrust | null>
}

/**
 * Pairing with another tablet (src/data/peer/pairing.ts). Kept here, not in the screen, so a live
 * pairing keeps syncing while the clerk uses other screens of the app (a meeting on two tablets).
 * The pairing code loads only when a pairing starts.
 */
export const usePeerStore = defineStore('peer', () => {
  const state = shallowRef<PairingState>(IDLE)
  const acting = useActingStore()
  let repos: Repositories | null = null
  let trust: () => Promise<PeerTrust | null> = async () => null
  let pairing: Pairing | null = null
  let sub: Subscription | null = null

  function attach(r: Repositories, opts: PeerOptions = {}): void {
    void end()
    repos = r
    if (opts.peerTrust) trust = opts.peerTrust
  }

  async function ready(): Promise<Pairing | null> {
    if (pairing || !repos) return pairing
    const { Pairing: PairingClass } = await import('@/data/peer/pairing')
    const r = repos
    pairing = new PairingClass({ vdb: r.writer.vdb, trust, flushBallots: () => r.ballotBox.flush() })
    sub = pairing.state$.subscribe((s) => { state.value = s })
    return pairing
  }

  /**
   * Whether the clerk has said yes to this pairing (the act 'peer.pair', src/domain/acts.ts): it brings
   * another tablet's records in and hands this one's over, so a person holding the tablet cannot pair
   * it without the clerk's PIN. A clerk within their window is not asked again; a refusal is said by
   * the acting prompt.
   */
  async function allowed(): Promise<boolean> {
    return acting.authorize('peer.pair').then(() => true, () => false)
  }

  /** Starts a pairing on this side, once the clerk has allowed it; nothing happens without. */
  async function start(side: PairingSide): Promise<void> {
    if (!(await allowed())) return
    await (await ready())?.start(side)
  }
  async function scanned(text: string): Promise<void> { await pairing?.scanned(text) }
  async function end(): Promise<void> {
    const p = pairing
    pairing = null
    await p?.end() // its last state (what the pairing did) stays on the screen
    sub?.unsubscribe(); sub = null
    if (!p) state.value = IDLE
  }
  function reset(): void { void end().then(() => { state.value = IDLE }) }

  return { state, attach, allowed, start, scanned, end, reset }
})
