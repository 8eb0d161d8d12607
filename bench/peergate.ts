/**
 * bench peergate — what a tablet's gate costs for records another tablet hands it (src/data/peer/gate.ts),
 * now that it judges acts a person signs by the hub's rule (src/shared/villagesigning.ts):
 * - peer_gate_500_cosigns_ms: `PeerGate.admit` of one batch of 500 co-signatures, each signed by its
 *   supervisor with a key the village's clerk witnessed (keys and roster loaded from the tablet's RxDB,
 *   every signature checked), median of 9 after one warm-up, ms of wall time;
 * - peer_gate_500_cosigns_cpu_ms: the same in this process's CPU time (user + system: steadier on a shared machine);
 * - peer_gate_500_comments_ms, peer_gate_500_comments_cpu_ms: the same for 500 plain comments (nothing
 *   signed by a person: the rule loads nothing).
 * In Node, real RxDB (memory storage), real Ed25519 keys; device proofs are the tests' stand-in
 * (test/data/peer-helpers.ts: a lookup), so the figures are the gate's own work and the person rule's.
 * Seeded: the records are the same every run; keys are fresh key pairs (their cost does not depend on them).
 */
import { pathToFileURL } from 'node:url'
import { PeerGate } from '../src/data/peer/gate'
import { signAct } from '../src/shared/personacts'
import { BODY_VERSIONS, PARENT_FIELD, type DocKind, type YishiDoc } from '../src/shared/schemas/index'
import { certifiedClerkKey, witnessedKey, FILLER, type MadeKey } from '../test/support/personkeys'
import { hubSigned } from '../test/support/roles'
import { VILLAGE } from '../test/data/helpers'
import { newAuthority, peerTablet, signAs, type Authority } from '../test/data/peer-helpers'

const N = 500
const T0 = Date.UTC(2026, 0, 2)
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

let seq = 0
function written(hub: Authority, device: string, kind: DocKind, id: string, body: Record<string, unknown>): YishiDoc {
  const parent = PARENT_FIELD[kind]
  const doc: YishiDoc = { id, kind, v: BODY_VERSIONS[kind], village: VILLAGE, year: 2026, author: 'person:clerk', device, deviceTime: T0, seq: ++seq, ref: parent ? String(body[parent] ?? '') : '', body }
  signAs(hub, doc)
  return doc
}
const keyDoc = (hub: Authority, k: MadeKey) => { const { id, ...claim } = k.record; return written(hub, 'tab-a', 'personkey', id, { ...claim, ...FILLER }) }

export async function run(): Promise<Record<string, number | null>> {
  const hub = newAuthority()
  const victim = await peerTablet(hub, 'tab-v')
  const sender = await peerTablet(hub, 'tab-b')
  try {
    await victim.trust.learn([sender.certificate])
    const clerk = certifiedClerkKey(VILLAGE, 'person:clerk', T0 - 60_000, 'personkey:clerk', hub.secretKey)
    const sups = [1, 2, 3].map((i) => witnessedKey(VILLAGE, `person:s${i}`, T0, `personkey:s${i}`, clerk))
    const person = (id: string, roles: string[]) => written(hub, 'tab-a', 'person', id, { name: id.slice(7), householdId: 'household:1', eligible: true, ...hubSigned(VILLAGE, id, roles, hub.secretKey) })
    await victim.vdb.docs.bulkInsert([person('person:clerk', ['clerk']), ...sups.map((s) => person(s.record.personId, ['supervisor'])), keyDoc(hub, clerk), ...sups.map((s) => keyDoc(hub, s))])
    const cosigns = Array.from({ length: N }, (_, i) => {
      const s = sups[i % sups.length]!
      const id = `cosign:c${i}`
      const fields = { ledgerId: `ledger:l${i}`, supervisorId: s.record.personId, approve: true, note: '', at: T0 + 1000 + i }
      return written(hub, 'tab-b', 'cosign', id, { ...fields, keyId: s.record.id, signature: signAct('cosign', VILLAGE, { id, ...fields }, s.secret) })
    })
    const comments = Array.from({ length: N }, (_, i) => written(hub, 'tab-b', 'comment', `comment:c${i}`, { on: 'proposal:p1', text: '同意', by: 'person:v1', at: T0 + i }))
    const gate = new PeerGate(victim.vdb, victim.trust)
    const timed = async (docs: YishiDoc[]) => {
      const wall: number[] = []
      const cpu: number[] = []
      for (let rep = 0; rep < 10; rep++) {
        const t0 = performance.now()
        const c0 = process.cpuUsage()
        const { accepted } = await gate.admit(docs, 'tab-b', { pulled: true })
        const c = process.cpuUsage(c0)
        wall.push(performance.now() - t0)
        cpu.push((c.user + c.system) / 1000)
        if (accepted.length !== docs.length) throw new Error(`bench gate took ${accepted.length} of ${docs.length}`)
      }
      return { wall: round(median(wall.slice(1))), cpu: round(median(cpu.slice(1))) }
    }
    const plain = await timed(comments)
    const signed = await timed(cosigns)
    return { peer_gate_500_cosigns_ms: signed.wall, peer_gate_500_cosigns_cpu_ms: signed.cpu, peer_gate_500_comments_ms: plain.wall, peer_gate_500_comments_cpu_ms: plain.cpu }
  } finally {
    await victim.remove()
    await sender.remove()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then((r) => { console.log(r) }).catch((e: unknown) => { console.error(e); process.exit(1) })
}
