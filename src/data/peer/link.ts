/**
 * The WebRTC data channel between two tablets on the same Wi-Fi (a phone's hotspot, an offline
 * router): no STUN or TURN server, host candidates only, nothing leaves the local network. The
 * first tablet's offer and the second one's answer travel as QR codes (signal.ts). The channel is
 * "negotiated" (id 0, both sides create it), so nothing else needs to be exchanged.
 *
 * Chromium hides a page's local addresses behind mDNS names unless the page may use the camera;
 * the pairing screen opens the camera before the codes are made, so the codes carry real addresses.
 */
import type { SignalError} from './signal';
import { channelTransport, type Transport } from './wire'
import { decodeSignal, encodeSignal, sdpOfSignal, signalOfSdp, villageTag, type Signal, type SignalKind } from './signal'

export interface OpenLink {
  /** the open channel, listening since it was made (nothing the other side sent first is lost) */
  transport: Transport
  /** the DTLS fingerprints (hex) the two codes carried: the proof over the channel signs them */
  fingerprints: { offer: string; answer: string }
  close(): void
}

/** Why a scanned code or a connection did not work, as a word the screen turns into a sentence. */
export type LinkProblem = SignalError['reason'] | 'wrong-step' | 'other-village' | 'unreachable'

export class LinkError extends Error {
  override readonly name = 'LinkError'
  constructor(readonly reason: LinkProblem, message: string) { super(message) }
}

const GATHER_MS = 5_000
const CONNECT_MS = 25_000
/** the second tablet waits this long for the first one to scan its answer */
const ANSWERED_MS = 180_000

function newConnection(): { pc: RTCPeerConnection; channel: RTCDataChannel; transport: Transport } {
  const pc = new RTCPeerConnection({ iceServers: [], iceCandidatePoolSize: 0 })
  const channel = pc.createDataChannel('yishi', { negotiated: true, id: 0, ordered: true })
  return { pc, channel, transport: channelTransport(channel) }
}

/** Sets the local description and waits (bounded) until every host candidate is in it. */
async function gathered(pc: RTCPeerConnection): Promise<string> {
  await pc.setLocalDescription()
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, GATHER_MS)
      pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve() } })
    })
  }
  return pc.localDescription?.sdp ?? ''
}

function opened(pc: RTCPeerConnection, channel: RTCDataChannel, ms = CONNECT_MS): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const fail = () => { clearTimeout(timer); reject(new LinkError('unreachable', 'the two tablets could not reach each other: are both on the same Wi-Fi?')) }
    const timer = setTimeout(fail, ms)
    channel.addEventListener('open', () => { clearTimeout(timer); resolve() }, { once: true })
    pc.addEventListener('connectionstatechange', () => { if (pc.connectionState === 'failed') fail() })
  })
}

/** Reads a scanned code and checks it is the step expected here and of this village. */
export function readCode(text: string, expect: SignalKind, villageId: string): Signal {
  const signal = decodeSignal(text)
  if (signal.kind !== expect) throw new LinkError('wrong-step', expect === 'answer' ? 'this is a first code: scan the code the other tablet shows after scanning yours' : 'this is an answer code: scan the first code the other tablet shows')
  if (signal.villageTag !== villageTag(villageId)) throw new LinkError('other-village', 'this code comes from a tablet of another village')
  return signal
}

/** The first tablet: makes the code to show, then takes the other tablet's answer. */
export interface Offer {
  code: string
  /** takes the scanned answer code; resolves once the channel is open */
  accept(answerText: string): Promise<OpenLink>
  close(): void
}

export async function createOffer(villageId: string): Promise<Offer> {
  const { pc, channel, transport } = newConnection()
  try {
    const signal = signalOfSdp('offer', await gathered(pc), villageId)
    return {
      code: encodeSignal(signal),
      async accept(answerText) {
        const answer = readCode(answerText, 'answer', villageId)
        await pc.setRemoteDescription({ type: 'answer', sdp: sdpOfSignal(answer) })
        await opened(pc, channel)
        return { transport, fingerprints: { offer: signal.fingerprint, answer: answer.fingerprint }, close: () => pc.close() }
      },
      close: () => pc.close(),
    }
  } catch (e) {
    pc.close()
    throw e
  }
}

/** The second tablet: takes the first tablet's code and makes the answer code to show. */
export interface Answer {
  code: string
  /** resolves once the first tablet has scanned the answer and the channel is open */
  link: Promise<OpenLink>
  close(): void
}

export async function answerOffer(offerText: string, villageId: string): Promise<Answer> {
  const offer = readCode(offerText, 'offer', villageId)
  const { pc, channel, transport } = newConnection()
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: sdpOfSignal(offer) })
    const signal = signalOfSdp('answer', await gathered(pc), villageId)
    const link = opened(pc, channel, ANSWERED_MS).then(() => ({ transport, fingerprints: { offer: offer.fingerprint, answer: signal.fingerprint }, close: () => pc.close() }))
    link.catch(() => pc.close())
    return { code: encodeSignal(signal), link, close: () => pc.close() }
  } catch (e) {
    pc.close()
    throw e
  }
}
