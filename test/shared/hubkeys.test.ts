import { describe, expect, it } from 'vitest'
import { newSigningKeyPair } from '@/shared/signature'
import { MAX_CHAIN, followChain, keysAtPin, signSuccession, type HubKeys, type KeySuccession } from '@/shared/hubkeys'
import {
  TrustStore, createSigner, issueCertificate, issueTrustList, recordProvenance, refusalContent, signedContent, type DeviceKeyEntry, type Signer,
} from '@/shared/provenance'

// The hub's key chain (issue #16, item 3): a tablet moves its pinned hub key on only along
// successions each signed by the key before; a retired key vouches only for what it signed before.

const VILLAGE = 'qingbo'
const T0 = 1_790_000_000_000
const signer = (): Signer => createSigner(newSigningKeyPair().secretKey)
const tab = signer()
const entry: DeviceKeyEntry = { device: 'tab-a', village: VILLAGE, publicKey: tab.publicKey, enrolledAt: T0 - 10, unsignedUpTo: 0 }

/** Keys 1..n of one hub and the successions between them (key k+1 from T0 + k * 1000). */
async function hubKeys(n: number): Promise<{ keys: Signer[]; chain: KeySuccession[] }> {
  const keys = Array.from({ length: n }, signer)
  const chain: KeySuccession[] = []
  for (let k = 1; k < n; k++) chain.push(await signSuccession(keys[k - 1]!, k + 1, keys[k]!.publicKey, T0 + k * 1000))
  return { keys, chain }
}
const pinned = (key: Signer): HubKeys => ({ current: key.publicKey, retired: [] })

describe('following the hub\'s key history', () => {
  it('moves a tablet pinned on key 1 to key 4 through three successions, each key retired at its successor\'s date', async () => {
    const { keys, chain } = await hubKeys(4)
    const r = await followChain(pinned(keys[0]!), chain)
    expect(r).toEqual({ ok: true, followed: 3, keys: {
      current: keys[3]!.publicKey,
      retired: [{ key: keys[0]!.publicKey, until: T0 + 1000 }, { key: keys[1]!.publicKey, until: T0 + 2000 }, { key: keys[2]!.publicKey, until: T0 + 3000 }],
    } })
    // a tablet already on key 3 follows the last step only; one on key 4 has nothing to follow
    const from3 = await followChain(pinned(keys[2]!), chain)
    expect(from3.ok && from3.keys.current).toBe(keys[3]!.publicKey)
    expect(from3.ok && from3.followed).toBe(1)
    expect(await followChain(pinned(keys[3]!), chain)).toMatchObject({ ok: true, followed: 0 })
  })

  it('refuses a succession signed by another key, one that skips a step, one that goes back in time or back to a key, and one too long', async () => {
    const { keys, chain } = await hubKeys(3)
    const thief = signer()
    const forged = await signSuccession(thief, 2, thief.publicKey, T0 + 1000)
    expect(await followChain(pinned(keys[0]!), [{ ...forged, previous: keys[0]!.publicKey }])).toMatchObject({ ok: false, reason: expect.stringMatching(/not handed over by the key before/) })
    // a statement by a key the tablet never pinned leads nowhere
    expect(await followChain(pinned(keys[0]!), [forged])).toMatchObject({ ok: false, reason: expect.stringMatching(/does not follow from the key this tablet knows/) })
    expect(await followChain(pinned(keys[0]!), [chain[1]!])).toMatchObject({ ok: false })
    const backwards = [chain[0]!, await signSuccession(keys[1]!, 3, keys[2]!.publicKey, T0 + 500)]
    expect(await followChain(pinned(keys[0]!), backwards)).toMatchObject({ ok: false, reason: expect.stringMatching(/back in time/) })
    const loop = [chain[0]!, await signSuccession(keys[1]!, 3, keys[0]!.publicKey, T0 + 2000)]
    expect(await followChain(pinned(keys[0]!), loop)).toMatchObject({ ok: false, reason: expect.stringMatching(/key already used/) })
    const renumbered = [chain[0]!, await signSuccession(keys[1]!, 5, keys[2]!.publicKey, T0 + 2000)]
    expect(await followChain(pinned(keys[0]!), renumbered)).toMatchObject({ ok: false, reason: expect.stringMatching(/out of order/) })
    const long = Array.from({ length: MAX_CHAIN + 1 }, () => chain[0]!)
    expect(await followChain(pinned(keys[0]!), long)).toMatchObject({ ok: false, reason: expect.stringMatching(/longer than/) })
  })

  it('takes the history with a fresh pin only when it holds together and ends at the pinned key', async () => {
    const { keys, chain } = await hubKeys(3)
    expect((await keysAtPin(keys[2]!.publicKey, chain)).retired.map((r) => r.key)).toEqual([keys[0]!.publicKey, keys[1]!.publicKey])
    expect(await keysAtPin(keys[1]!.publicKey, chain)).toEqual({ current: keys[1]!.publicKey, retired: [] })
    const other = signer()
    expect(await keysAtPin(keys[2]!.publicKey, [chain[0]!, await signSuccession(other, 3, keys[2]!.publicKey, T0 + 2000)])).toEqual({ current: keys[2]!.publicKey, retired: [] })
  })
})

describe('lists, certificates and hub records across a rotation', () => {
  it('follows a list signed by the new key through the history it carries; refuses the retired key\'s lists and certificates dated after the succession', async () => {
    const { keys: [k1, k2], chain } = await hubKeys(2)
    const rotatedAt = chain[0]!.from
    const t = new TrustStore(VILLAGE, k1!.publicKey)
    // before: key 1's list and certificate are good
    expect(await t.addList(await issueTrustList(k1!, VILLAGE, [entry], rotatedAt - 1))).toBeNull()
    const oldCert = await issueCertificate(k1!, entry, rotatedAt - 1)
    // a list by key 2 without the history: refused, the pin stays
    expect(await t.addList(await issueTrustList(k2!, VILLAGE, [entry], rotatedAt + 10))).toMatch(/not issued by this village's hub/)
    expect(t.hubKey).toBe(k1!.publicKey)
    // with it: the pin moves on
    expect(await t.addList(await issueTrustList(k2!, VILLAGE, [entry], rotatedAt + 10, chain))).toBeNull()
    expect(t.hubKey).toBe(k2!.publicKey)
    // key 1 still vouches for what it signed before the rotation, never after
    expect(await t.addCertificate(oldCert)).toBeNull()
    expect(await t.addCertificate(await issueCertificate(k1!, entry, rotatedAt + 5))).toMatch(/not issued by this village's hub/)
    expect(await t.addList(await issueTrustList(k1!, VILLAGE, [entry], rotatedAt + 20))).toMatch(/retired key, after the hub moved/)
    expect(await t.addList(await issueTrustList(k1!, VILLAGE, [entry], rotatedAt - 5))).toBeNull()
    expect(await t.addCertificate(await issueCertificate(k2!, entry, rotatedAt + 30))).toBeNull()
  })

  it('each retired key counts only for its own time: key 1 for before key 2, key 2 for between key 2 and key 3', async () => {
    const { keys: [k1, k2, k3], chain } = await hubKeys(3)
    const t = new TrustStore(VILLAGE, k1!.publicKey)
    expect(await t.addList(await issueTrustList(k3!, VILLAGE, [entry], T0 + 5000, chain))).toBeNull()
    const between = (chain[0]!.from + chain[1]!.from) / 2
    expect(await t.addCertificate(await issueCertificate(k1!, entry, chain[0]!.from - 1))).toBeNull()
    expect(await t.addCertificate(await issueCertificate(k2!, entry, between))).toBeNull()
    expect(await t.addCertificate(await issueCertificate(k1!, entry, between))).toMatch(/not issued by this village's hub/)
    // key 2 signed nothing before it existed: a statement it dates earlier is not the hub's
    expect(await t.addCertificate(await issueCertificate(k2!, entry, chain[0]!.from - 1))).toMatch(/not issued by this village's hub/)
  })

  it('a list whose history was forged by another key leaves the pin where it was', async () => {
    const { keys: [k1] } = await hubKeys(1)
    const thief = signer()
    const forged = { ...(await signSuccession(thief, 2, thief.publicKey, T0)), previous: k1!.publicKey }
    const t = new TrustStore(VILLAGE, k1!.publicKey)
    expect(await t.addList(await issueTrustList(thief, VILLAGE, [entry], T0 + 10, [forged]))).toMatch(/not handed over by the key before/)
    expect(t.hubKey).toBe(k1!.publicKey)
  })

  it('a notice or a refusal mark by the retired key counts when dated before the rotation, not after', async () => {
    const { keys: [k1, k2], chain } = await hubKeys(2)
    const t = new TrustStore(VILLAGE, { current: k2!.publicKey, retired: [{ key: k1!.publicKey, until: chain[0]!.from }] })
    const notice = (at: number) => ({ id: `rejection:x:${at}`, kind: 'rejection', v: 1, village: VILLAGE, year: 2026, author: 'hub', device: 'hub', deviceTime: at, seq: 1, ref: 'x', body: {} })
    const signedNotice = async (at: number) => ({ ...notice(at), sig: await k1!.sign(signedContent(notice(at))) })
    expect(await recordProvenance(await signedNotice(chain[0]!.from - 1), t)).toEqual({ ok: true, by: 'hub' })
    expect(await recordProvenance(await signedNotice(chain[0]!.from + 1), t)).toMatchObject({ ok: false })
    const marked = (at: number) => ({ ...notice(T0), device: 'tab-a', refused: { reason: '伪造', at } })
    const withMark = async (at: number) => ({ ...marked(at), refused: { ...marked(at).refused, sig: await k1!.sign(refusalContent(marked(at))) } })
    expect(await recordProvenance(await withMark(chain[0]!.from - 1), t)).toEqual({ ok: true, by: 'hub' })
    expect(await recordProvenance(await withMark(chain[0]!.from + 1), t)).toMatchObject({ ok: false, reason: expect.stringMatching(/not by the hub/) })
  })
})
