import { describe, expect, it } from 'vitest'
import { decodeSignal, encodeSignal, fromBase45, sdpOfSignal, SignalError, signalOfSdp, toBase45, villageTag } from '@/data/peer/signal'

// An offer as Debian's Chromium wrote it for one data channel, two host candidates (measured here).
const CHROMIUM_OFFER = [
  'v=0', 'o=- 846922248067991273 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=extmap-allow-mixed', 'a=msid-semantic: WMS',
  'm=application 56754 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 10.99.0.1',
  'a=candidate:4140999007 1 udp 2122260223 10.99.0.1 56754 typ host generation 0 network-id 1',
  'a=candidate:2932607095 1 udp 2122194687 10.99.0.2 60904 typ host generation 0 network-id 2',
  'a=candidate:142112203 1 tcp 1518280447 10.99.0.1 9 typ host tcptype active generation 0 network-id 1',
  'a=ice-ufrag:XP5n', 'a=ice-pwd:+zbJ3LnvdWb6v2CxQc2kE3mx', 'a=ice-options:trickle',
  'a=fingerprint:sha-256 30:83:29:CC:0D:58:EA:15:E2:A6:D7:1D:0D:62:04:CB:40:37:E1:AE:B8:76:29:A1:9C:80:38:8A:E4:27:CB:9A',
  'a=setup:actpass', 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', '',
].join('\r\n')

describe('pairing codes (minimal SDP)', () => {
  it('writes base45 as RFC 9285 does', () => {
    const enc = (s: string) => toBase45(new TextEncoder().encode(s))
    expect(enc('AB')).toBe('BB8')
    expect(enc('Hello!!')).toBe('%69 VD92EX0')
    expect(enc('base-45')).toBe('UJCLQE7W581')
    expect(new TextDecoder().decode(fromBase45('QED8WEX0'))).toBe('ietf!')
  })

  it('cuts a Chromium offer to what the other tablet needs, under 200 characters, and rebuilds it', () => {
    const signal = signalOfSdp('offer', CHROMIUM_OFFER, 'qingbo')
    expect(signal.candidates).toEqual([{ ip: '10.99.0.1', port: 56754 }, { ip: '10.99.0.2', port: 60904 }])
    const text = encodeSignal(signal)
    expect(text.length).toBeLessThanOrEqual(200)
    expect(CHROMIUM_OFFER.length / text.length).toBeGreaterThan(5)
    expect(text).toMatch(/^[0-9A-Z $%*+\-./:]+$/) // QR alphanumeric mode
    const back = decodeSignal(text)
    expect(back).toEqual(signal)
    expect(back.villageTag).toBe(villageTag('qingbo'))
    const sdp = sdpOfSignal(back)
    expect(sdp).toContain('a=ice-ufrag:XP5n')
    expect(sdp).toContain('a=ice-pwd:+zbJ3LnvdWb6v2CxQc2kE3mx')
    expect(sdp).toContain('a=fingerprint:sha-256 30:83:29:CC:0D:58:EA:15:E2:A6:D7:1D:0D:62:04:CB:40:37:E1:AE:B8:76:29:A1:9C:80:38:8A:E4:27:CB:9A')
    expect(sdp).toContain('a=setup:actpass')
    expect(sdp).toMatch(/a=candidate:\d+ 1 udp \d+ 10\.99\.0\.2 60904 typ host/)
  })

  it('carries IPv6 host addresses and the answer\'s DTLS role', () => {
    const sdp = CHROMIUM_OFFER.replace('a=setup:actpass', 'a=setup:active')
      .replace('10.99.0.2 60904', 'fe80::1c2b:3aff:fe4d:5e6f 40000')
    const s = decodeSignal(encodeSignal(signalOfSdp('answer', sdp, 'qingbo')))
    expect(s.kind).toBe('answer')
    expect(s.role).toBe('active')
    expect(s.candidates).toContainEqual({ ip: 'fe80:0:0:0:1c2b:3aff:fe4d:5e6f', port: 40000 })
  })

  it('says when there is no address to reach (mDNS names only: no Wi-Fi or no camera permission)', () => {
    const hidden = CHROMIUM_OFFER.replace(/a=candidate:.*\r\n/g, '') + 'a=candidate:1 1 udp 2113937151 13ab0e8f-e35a-47f0-a4f0-4b38de2f1010.local 45509 typ host generation 0\r\n'
    expect(() => signalOfSdp('offer', hidden, 'qingbo')).toThrow(SignalError)
    try { signalOfSdp('offer', hidden, 'qingbo') } catch (e) { expect((e as SignalError).reason).toBe('no-address') }
  })

  it('refuses what is not a whole Yishi pairing code', () => {
    const good = encodeSignal(signalOfSdp('offer', CHROMIUM_OFFER, 'qingbo'))
    const reason = (text: string) => { try { decodeSignal(text); return 'read' } catch (e) { return (e as SignalError).reason } }
    expect(reason('https://example.org/')).toBe('not-yishi')
    expect(reason(good.slice(0, 60))).toBe('damaged')
    expect(reason(good + '00')).toBe('damaged')
    expect(reason(toBase45(new Uint8Array([0x20, 1, 2])))).toBe('not-yishi')
  })
})
