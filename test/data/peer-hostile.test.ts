/**
 * An attacker holding one enrolled tablet of the village pairs with an honest one and hands it
 * records that must not be taken: altered on the way, written in another device's name, of
 * another village, marked refused or written as the hub's notice, a broken audit event, a
 * check-off for a vote the receiver does not know. The honest tablet stores none of them, keeps
 * each in its peer quarantine with the reason, and still takes the good records of the same batch —
 * whether the attacker serves them (pulled) or pushes them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { proofTranscript, newNonce } from '@/data/peer/trust'
import { memoryTransportPair, Wire } from '@/data/peer/wire'
import { startPeerSession } from '@/data/peer/session'
import { quarantined } from '@/data'
import type { YishiDoc } from '@/shared/schemas'
import { eventually, openVote, until } from './helpers'
import { newAuthority, pair, peerTablet, signAs, type PeerTablet } from './peer-helpers'

let tablets: PeerTablet[] = []
const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
  await Promise.all(tablets.map((t) => t.remove()))
  tablets = []
})

const FP = { offer: 'aa'.repeat(32), answer: 'bb'.repeat(32) }

/** The attacker's side of the handshake, done by hand with its real (enrolled) key. */
async function attackerHandshake(evil: PeerTablet, wire: Wire, role: 'offer' | 'answer') {
  const nonce = newNonce()
  const hello = wire.once('hello', 5_000)
  await wire.notify('hello', { v: 1, nonce, certificate: evil.certificate, credentials: await evil.trust.credentials() })
  const theirs = String((await hello).nonce)
  const proof = wire.once('proof', 5_000)
  await wire.notify('proof', { signature: await evil.trust.prove(proofTranscript({ village: evil.trust.village, offerFingerprint: FP.offer, answerFingerprint: FP.answer, offerNonce: role === 'offer' ? nonce : theirs, answerNonce: role === 'answer' ? nonce : theirs, signer: role })) })
  await proof
}

/** Records the attacker hands over, each with the reason the receiver must give (and one good record). */
async function hostileBatch(hub: ReturnType<typeof newAuthority>, honest: PeerTablet, evil: PeerTablet) {
  const good = await honest.data.proposals.create({ title: '甲的真提议', proposedBy: 'person:a', createdAt: Date.now() })
  const goodDoc = (await honest.vdb.docs.findOne(good.id).exec())!.toJSON() as YishiDoc
  const own = (await evil.data.proposals.create({ title: '乙自己的', proposedBy: 'person:a', createdAt: Date.now() }))
  const ownDoc = (await evil.vdb.docs.findOne(own.id).exec())!.toJSON() as YishiDoc
  const [ownAudit] = (await evil.vdb.docs.find({ selector: { kind: 'audit', device: evil.device } }).exec()).map((d) => d.toJSON() as YishiDoc)
  const strip = (d: YishiDoc) => { const { _rev: _r, _meta: _m, _attachments: _a, ...rest } = d as YishiDoc & Record<string, unknown>; return rest as unknown as YishiDoc }
  const cases: [YishiDoc, RegExp][] = [
    [{ ...strip(goodDoc), body: { ...goodDoc.body, title: '被改过的提议' } }, /signature of proposal:.* does not match/],
    [{ ...strip(goodDoc), id: 'proposal:forged1', body: { ...goodDoc.body, title: '冒充甲写的' } }, /signature of proposal:forged1 does not match/],
    [{ ...strip(ownDoc), id: 'proposal:stranger', device: 'tab-unknown', seq: 1 }, /no certificate of device "tab-unknown"/],
    [{ ...strip(ownDoc), id: 'proposal:elsewhere', village: 'other-village' }, /belongs to village "other-village"/],
    [{ ...strip(ownDoc), id: 'proposal:marked', refused: { reason: '假装被镇上退回', at: Date.now() } }, /only the hub marks records as refused/],
    [{ ...strip(ownDoc), id: 'rejection:fake:1', kind: 'rejection', ref: good.id, device: 'hub', author: 'hub', body: { subjectId: good.id, reason: '假的', at: Date.now(), device: 'tab-a' } }, /only the hub writes rejection notices|device "hub"/],
    [{ ...strip(ownAudit!), body: { ...ownAudit!.body, digest: '0'.repeat(64) } }, /hash does not match/],
    [{ ...strip(ownDoc), id: 'checkoff:nowhere:p1', kind: 'checkoff', ref: 'vote:nowhere', body: { voteId: 'vote:nowhere', voterId: 'person:p1', at: Date.now(), recordedBy: 'person:clerk', device: evil.device } }, /not in this tablet's records|checkoff/],
  ]
  // the attacker's own records carry its own (valid) signature: the rules, not the signature, refuse them
  for (const [d] of cases) if (d.device === evil.device) signAs(hub, d)
  return { good: strip(goodDoc), own: strip(ownDoc), cases }
}

describe('an enrolled tablet turned hostile', () => {
  it('serves bad records: the scanning tablet stores none, quarantines each with its reason, takes the good ones', async () => {
    const hub = newAuthority()
    const a = await peerTablet(hub, 'tab-a'); tablets.push(a)
    const victim = await peerTablet(hub, 'tab-v'); tablets.push(victim)
    const evil = await peerTablet(hub, 'tab-evil'); tablets.push(evil)
    await evil.trust.learn([a.certificate])
    const { good, own, cases } = await hostileBatch(hub, a, evil)
    const [te, tv] = memoryTransportPair()
    const we = new Wire(te)
    closers.push(() => we.close())
    const session = startPeerSession({ vdb: victim.vdb, trust: victim.trust, wire: new Wire(tv), role: 'answer', fingerprints: FP, flushBallots: async () => 0, handshakeTimeoutMs: 5_000, follow: { retryTime: 200 } })
    closers.push(() => session.close())
    await attackerHandshake(evil, we, 'offer')
    await victim.trust.learn([a.certificate])
    let served = false
    we.answer('changes', () => {
      if (served) return { documents: [], checkpoint: { id: 'z', lwt: 2 } }
      served = true
      return { documents: [good, own, ...cases.map(([d]) => d)].map((d) => ({ ...d, _deleted: false })), checkpoint: { id: 'z', lwt: 1 } }
    })
    we.answer('write', () => ({ conflicts: [], refused: [] }))
    await we.notify('ready')
    const done = await until(session.state$, (s) => s.phase === 'live', 15_000)
    expect(done.received).toBe(2)
    expect(await victim.vdb.docs.findOne(good.id).exec()).not.toBeNull()
    expect(await victim.vdb.docs.findOne(own.id).exec()).not.toBeNull()
    const held = await quarantined(victim.vdb)
    for (const [doc, why] of cases) {
      const stored = await victim.vdb.docs.findOne(doc.id).exec()
      // the altered copy of A's record: the tablet keeps nothing of it (it never had A's original)
      expect(stored?.toJSON().body).not.toEqual(doc.body)
      const entry = held.find((q) => q.id === doc.id && why.test(q.reason))
      expect(entry, `${doc.id} quarantined with ${why}`).toBeDefined()
      expect(entry!.from).toBe('peer:tab-evil')
      expect(done.refused.some((r) => r.id === doc.id)).toBe(true)
    }
  })

  it('pushes bad records: the serving tablet writes none, quarantines each, and answers which it refused', async () => {
    const hub = newAuthority()
    const a = await peerTablet(hub, 'tab-a'); tablets.push(a)
    const evil = await peerTablet(hub, 'tab-evil'); tablets.push(evil)
    const { own, cases } = await hostileBatch(hub, a, evil)
    const v = await a.data.votes.create(openVote())
    const [ta, te] = memoryTransportPair()
    const we = new Wire(te)
    closers.push(() => we.close())
    const session = startPeerSession({ vdb: a.vdb, trust: a.trust, wire: new Wire(ta), role: 'offer', fingerprints: FP, flushBallots: async () => 0, handshakeTimeoutMs: 5_000 })
    closers.push(() => session.close())
    await attackerHandshake(evil, we, 'answer')
    await we.once('ready', 5_000)
    const rows = [own, ...cases.map(([d]) => d)].map((d) => ({ newDocumentState: { ...d, _deleted: false } }))
    const answer = await we.request<{ conflicts: unknown[]; refused: { id: string; reason: string }[] }>('write', rows)
    expect(answer.conflicts).toEqual([])
    for (const [doc, why] of cases) {
      expect(answer.refused.find((r) => r.id === doc.id && why.test(r.reason)), doc.id).toBeDefined()
    }
    expect(answer.refused.map((r) => r.id)).not.toContain(own.id)
    expect(await a.vdb.docs.findOne(own.id).exec()).not.toBeNull()
    expect(await a.vdb.docs.findOne('proposal:forged1').exec()).toBeNull()
    expect((await a.data.proposals.get(cases[0]![0].id))?.title).toBe('甲的真提议')
    const held = await quarantined(a.vdb)
    expect(held.filter((q) => q.from === 'peer:tab-evil')).toHaveLength(cases.length)
    await eventually(() => session.state.refused.length === cases.length, 5_000)
    void v
  })

  it('refuses a record altered by the tablet that relays it (A → B → C, B changes A\'s record)', async () => {
    const hub = newAuthority()
    const a = await peerTablet(hub, 'tab-a'); tablets.push(a)
    const b = await peerTablet(hub, 'tab-b'); tablets.push(b)
    const c = await peerTablet(hub, 'tab-c'); tablets.push(c)
    const p = await a.data.proposals.create({ title: '修水渠', proposedBy: 'person:a', createdAt: Date.now() })
    const ab = await pair(a, b)
    closers.push(() => ab.close())
    await until(ab.b.state$, (s) => s.phase === 'live')
    await ab.close()
    // B alters A's record in its own storage, bypassing its writer
    const held = (await b.vdb.docs.findOne(p.id).exec())!
    await held.incrementalModify((d) => ({ ...d, body: { ...d.body, title: '修乙家门口的路' } }))
    const bc = await pair(b, c)
    closers.push(() => bc.close())
    const sc = await until(bc.b.state$, (s) => s.phase === 'live')
    expect(await c.vdb.docs.findOne(p.id).exec()).toBeNull()
    expect(sc.refused.find((r) => r.id === p.id)?.reason).toMatch(/signature of .* does not match/)
    expect((await quarantined(c.vdb)).find((q) => q.id === p.id)?.from).toBe('peer:tab-b')
  })
})

describe('no rollback to an earlier version', () => {
  it('a tablet that served the newer version and then serves an older one (validly signed) does not roll the other back', async () => {
    const hub = newAuthority()
    const a = await peerTablet(hub, 'tab-a'); tablets.push(a)
    const evil = await peerTablet(hub, 'tab-evil'); tablets.push(evil)
    const victim = await peerTablet(hub, 'tab-v'); tablets.push(victim)
    const p = await a.data.proposals.create({ title: '修路：预算五万', proposedBy: 'person:a', createdAt: Date.now() })
    const older = (await a.vdb.docs.findOne(p.id).exec())!.toJSON() as YishiDoc
    await a.data.proposals.update(p.id, { title: '修路：预算三万' })
    for (const [x, y] of [[a, evil], [evil, victim]] as const) {
      const s = await pair(x, y)
      closers.push(() => s.close())
      await until(s.b.state$, (st) => st.phase === 'live')
      await s.close()
    }
    expect((await victim.data.proposals.get(p.id))?.title).toBe('修路：预算三万')
    // the attacker puts A's earlier, genuinely signed version back in its own storage and serves it
    const held = (await evil.vdb.docs.findOne(p.id).exec())!
    await held.incrementalModify(() => ({ ...older }))
    const again = await pair(evil, victim)
    closers.push(() => again.close())
    await until(again.b.state$, (st) => st.phase === 'live')
    expect((await victim.data.proposals.get(p.id))?.title).toBe('修路：预算三万')
  })

  it('a tablet that pushes an older version as if it were new gets the newer one back as a conflict', async () => {
    const hub = newAuthority()
    const a = await peerTablet(hub, 'tab-a'); tablets.push(a)
    const evil = await peerTablet(hub, 'tab-evil'); tablets.push(evil)
    const p = await a.data.proposals.create({ title: '修路：预算五万', proposedBy: 'person:a', createdAt: Date.now() })
    const older = (await a.vdb.docs.findOne(p.id).exec())!.toJSON() as YishiDoc
    await a.data.proposals.update(p.id, { title: '修路：预算三万' })
    const newer = (await a.vdb.docs.findOne(p.id).exec())!.toJSON() as YishiDoc
    const strip = (d: YishiDoc) => { const { _rev: _r, _meta: _m, _attachments: _x, ...rest } = d as YishiDoc & Record<string, unknown>; return { ...rest, _deleted: false } }
    const [ta, te] = memoryTransportPair()
    const we = new Wire(te)
    closers.push(() => we.close())
    const session = startPeerSession({ vdb: a.vdb, trust: a.trust, wire: new Wire(ta), role: 'offer', fingerprints: FP, flushBallots: async () => 0, handshakeTimeoutMs: 5_000 })
    closers.push(() => session.close())
    await attackerHandshake(evil, we, 'answer')
    await we.once('ready', 5_000)
    const answer = await we.request<{ conflicts: YishiDoc[]; refused: unknown[] }>('write', [{ newDocumentState: strip(older), assumedMasterState: strip(newer) }])
    expect(answer.conflicts.map((c) => c.body.title)).toEqual(['修路：预算三万'])
    expect((await a.data.proposals.get(p.id))?.title).toBe('修路：预算三万')
  })
})
