/**
 * The pairing QR codes: a WebRTC offer or answer cut down to what the other tablet cannot guess
 * (ICE user fragment and password, the DTLS certificate's SHA-256 fingerprint, the host
 * candidates' addresses and ports) and rebuilt into a full SDP on the other side ("minimal SDP").
 *
 * Bytes, in order: kind and DTLS role (1), a tag of the village (4: the first bytes of
 * sha256(village id), so a tablet of another village is told at once — proof comes later, over
 * the channel), ICE ufrag and pwd (length-prefixed ASCII), fingerprint (32), then the UDP host
 * candidates (count, then IPv4 or IPv6 address and port each). Written as base45 (RFC 9285),
 * which a QR code holds in its dense alphanumeric mode: two host candidates come to ~117 characters.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'

export type SignalKind = 'offer' | 'answer'
export type DtlsRole = 'actpass' | 'active' | 'passive'

export interface HostCandidate { ip: string; port: number }

export interface Signal {
  kind: SignalKind
  role: DtlsRole
  /** 4 bytes of sha256(village id), hex */
  villageTag: string
  ufrag: string
  pwd: string
  /** SHA-256 certificate fingerprint, 64 hex digits */
  fingerprint: string
  candidates: HostCandidate[]
}

/** A pairing code that cannot be read; `reason` says why in a word the screen turns into a sentence. */
export class SignalError extends Error {
  override readonly name = 'SignalError'
  constructor(readonly reason: 'not-yishi' | 'damaged' | 'no-address' | 'unsupported', message: string) { super(message) }
}

const VERSION = 1
const KINDS: SignalKind[] = ['offer', 'answer']
const ROLES: DtlsRole[] = ['actpass', 'active', 'passive']
/** More host candidates than this are left out (a tablet has one Wi-Fi address, maybe a second network). */
export const MAX_CANDIDATES = 4

export function villageTag(villageId: string): string {
  return hex(sha256(utf8ToBytes(villageId)).slice(0, 4))
}

// ---- base45 (RFC 9285) ----
const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'

export function toBase45(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 2) {
    if (i + 1 < bytes.length) {
      let n = bytes[i]! * 256 + bytes[i + 1]!
      const c = n % 45; n = (n - c) / 45
      const d = n % 45; const e = (n - d) / 45
      out += B45[c]! + B45[d]! + B45[e]!
    } else {
      const n = bytes[i]!
      out += B45[n % 45]! + B45[Math.floor(n / 45)]!
    }
  }
  return out
}

export function fromBase45(text: string): Uint8Array {
  const out: number[] = []
  const val = (ch: string) => {
    const v = B45.indexOf(ch)
    if (v < 0) throw new SignalError('not-yishi', 'not a base45 text')
    return v
  }
  for (let i = 0; i < text.length; i += 3) {
    const chunk = text.slice(i, i + 3)
    if (chunk.length === 1) throw new SignalError('damaged', 'base45 text of a wrong length')
    const n = val(chunk[0]!) + val(chunk[1]!) * 45 + (chunk.length === 3 ? val(chunk[2]!) * 45 * 45 : 0)
    if (chunk.length === 3) {
      if (n > 0xffff) throw new SignalError('damaged', 'base45 value out of range')
      out.push(n >> 8, n & 0xff)
    } else {
      if (n > 0xff) throw new SignalError('damaged', 'base45 value out of range')
      out.push(n)
    }
  }
  return Uint8Array.from(out)
}

// ---- the payload ----
function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function unhex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return out
}

function ipBytes(ip: string): Uint8Array | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const parts = ip.split('.').map(Number)
    return parts.every((p) => p <= 255) ? Uint8Array.from(parts) : null
  }
  if (!ip.includes(':') || ip.includes('%')) return null
  const [head = '', tail = ''] = ip.split('::')
  const groups = (s: string) => (s ? s.split(':') : [])
  const h = groups(head); const t = groups(tail)
  if (!ip.includes('::') && h.length !== 8) return null
  const all = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h
  if (all.length !== 8 || !all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null
  const out = new Uint8Array(16)
  all.forEach((g, i) => { const n = parseInt(g, 16); out[2 * i] = n >> 8; out[2 * i + 1] = n & 0xff })
  return out
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.')
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16))
  return groups.join(':')
}

/** The QR text of a signal. */
export function encodeSignal(s: Signal): string {
  const out: number[] = [(VERSION << 4) | (KINDS.indexOf(s.kind) << 2) | ROLES.indexOf(s.role)]
  out.push(...unhex(s.villageTag))
  for (const field of [s.ufrag, s.pwd]) {
    const b = utf8ToBytes(field)
    if (b.length > 255) throw new SignalError('unsupported', 'ICE credential too long')
    out.push(b.length, ...b)
  }
  out.push(...unhex(s.fingerprint))
  const cands = s.candidates.slice(0, MAX_CANDIDATES)
  out.push(cands.length)
  for (const c of cands) {
    const ip = ipBytes(c.ip)
    if (!ip) throw new SignalError('unsupported', `not an IP address: ${c.ip}`)
    out.push(ip.length === 4 ? 4 : 6, ...ip, c.port >> 8, c.port & 0xff)
  }
  return toBase45(Uint8Array.from(out))
}

/** Reads a QR text back; throws SignalError for anything that is not a whole Yishi pairing code. */
export function decodeSignal(qrText: string): Signal {
  const bytes = fromBase45(qrText.trim())
  let i = 0
  const take = (n: number) => {
    if (i + n > bytes.length) throw new SignalError('damaged', 'the pairing code is cut short')
    const part = bytes.slice(i, i + n); i += n
    return part
  }
  const head = take(1)[0]!
  if (head >> 4 !== VERSION) throw new SignalError('not-yishi', 'not a Yishi pairing code')
  const kind = KINDS[(head >> 2) & 3]; const role = ROLES[head & 3]
  if (!kind || !role) throw new SignalError('not-yishi', 'not a Yishi pairing code')
  const tag = hex(take(4))
  const text = () => new TextDecoder().decode(take(take(1)[0]!))
  const ufrag = text(); const pwd = text()
  const fingerprint = hex(take(32))
  const count = take(1)[0]!
  if (count > MAX_CANDIDATES) throw new SignalError('damaged', 'too many addresses')
  const candidates: HostCandidate[] = []
  for (let c = 0; c < count; c++) {
    const family = take(1)[0]
    if (family !== 4 && family !== 6) throw new SignalError('damaged', 'unknown address family')
    const ip = ipText(take(family === 4 ? 4 : 16))
    const p = take(2)
    candidates.push({ ip, port: (p[0]! << 8) | p[1]! })
  }
  if (i !== bytes.length) throw new SignalError('damaged', 'extra bytes after the pairing code')
  if (!/^[A-Za-z0-9+/]{4,255}$/.test(ufrag) || !/^[A-Za-z0-9+/]{22,255}$/.test(pwd)) throw new SignalError('damaged', 'bad ICE credentials')
  if (candidates.length === 0) throw new SignalError('no-address', 'the other tablet has no network address')
  return { kind, role, villageTag: tag, ufrag, pwd, fingerprint, candidates }
}

// ---- SDP ----
const line = (sdp: string, re: RegExp) => sdp.split(/\r?\n/).map((l) => re.exec(l)).find((m) => m !== null) ?? null

/** The signal of a local description (after ICE gathering is complete). Only UDP host candidates with an IP address are kept. */
export function signalOfSdp(kind: SignalKind, sdp: string, villageId: string): Signal {
  const ufrag = line(sdp, /^a=ice-ufrag:(\S+)/)?.[1]
  const pwd = line(sdp, /^a=ice-pwd:(\S+)/)?.[1]
  const fp = line(sdp, /^a=fingerprint:sha-256 ([0-9A-Fa-f:]+)/)?.[1]
  const setup = line(sdp, /^a=setup:(actpass|active|passive)/)?.[1] as DtlsRole | undefined
  if (!ufrag || !pwd || !fp || !setup) throw new SignalError('unsupported', 'the browser gave an offer this app cannot put in a QR code')
  const candidates: HostCandidate[] = []
  for (const l of sdp.split(/\r?\n/)) {
    const m = /^a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ host/i.exec(l)
    if (m && ipBytes(m[1]!) && !candidates.some((c) => c.ip === m[1])) candidates.push({ ip: m[1]!, port: Number(m[2]) })
  }
  // IPv4 first: a hotspot hands out IPv4 addresses; link-local IPv6 may not route between tablets
  candidates.sort((a, b) => Number(a.ip.includes(':')) - Number(b.ip.includes(':')))
  if (candidates.length === 0) throw new SignalError('no-address', 'this tablet has no network address: join the Wi-Fi first')
  return { kind, role: setup, villageTag: villageTag(villageId), ufrag, pwd, fingerprint: fp.replace(/:/g, '').toLowerCase(), candidates: candidates.slice(0, MAX_CANDIDATES) }
}

/** The colon-separated upper-case form SDP uses. */
export function fingerprintText(hexDigits: string): string {
  return hexDigits.toUpperCase().match(/../g)!.join(':')
}

/** A full SDP for `setRemoteDescription`, rebuilt from a signal (one data channel, host candidates only). */
export function sdpOfSignal(s: Signal): string {
  const first = s.candidates[0]!
  const family = (ip: string) => (ip.includes(':') ? 'IP6' : 'IP4')
  return [
    'v=0',
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS',
    `m=application ${first.port} UDP/DTLS/SCTP webrtc-datachannel`,
    `c=IN ${family(first.ip)} ${first.ip}`,
    ...s.candidates.map((c, i) => `a=candidate:${i + 1} 1 udp ${2122260223 - i * 65536} ${c.ip} ${c.port} typ host generation 0`),
    'a=end-of-candidates',
    `a=ice-ufrag:${s.ufrag}`,
    `a=ice-pwd:${s.pwd}`,
    `a=fingerprint:sha-256 ${fingerprintText(s.fingerprint)}`,
    `a=setup:${s.role}`,
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n')
}
