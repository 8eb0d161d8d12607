/**
 * bench personacts — what checking a person's signature costs the hub (src/shared/villagesigning.ts):
 * - person_act_check_us: in Node, one co-signature's signature checked against the village's keys
 *   (`unsignedClaim`, what the hub runs per signed record), µs;
 * - vouch_keys_cold_ms, vouch_keys_ms: in Node, which of a large village's person keys are vouched for
 *   (`witnessedKeys`: KEYS keys, each witnessed by one of the clerk's certified keys), ms — the first time
 *   (every signature checked), and again (what the hub, every tablet and the township run whenever a key
 *   or the roster changes; signatures already checked are remembered by content);
 * - the real hub on loopback taking 1,000 co-signatures signed by their supervisors (keys loaded and
 *   every signature checked) against 1,000 plain comments (nothing to check), in batches of 100, ms per batch;
 * - the real hub's retake (sync-server/couch/push.ts `retake`): a push of one supervisor key, which has
 *   the hub judge again the village's quarantined records it could make good, ms — with none quarantined
 *   (`retake_key_push_empty_ms`), with 1,000 refusals nothing can make good (a tablet's hourly share, which
 *   the pass must not read: `retake_key_push_1000_other_refusals_ms`), then with LIMITS.quarantineRetakePerPass (200) junk co-signatures that stay
 *   refused (signed with a key that never comes: `retake_key_push_200_junk_ms`), and with 200 genuine
 *   co-signatures that the key makes good, written and released (`retake_key_push_200_genuine_ms`).
 * Seeded: the records are the same every run; keys are fresh key pairs (their cost does not depend on them).
 */
import { pathToFileURL } from 'node:url'
import { startHub } from '../test/support/hub'
import { basic, couch, enrollTablet, provision, setRoles } from '../test/sync-server/helpers'
import { LIMITS } from '../sync-server/limits'
import { newSigningKeyPair, signValue } from '../src/shared/signature'
import { clerkKeyStatement, personKeyClaim, signAct, signWitness, unsignedClaim, witnessedKeys, type PersonKeyRecord } from '../src/shared/personacts'
import { BODY_VERSIONS, type DocKind } from '../src/shared/schemas/index'

const VILLAGE = 'vpa'
const T0 = 1_790_000_000_000
const N = 1000
const BATCH = 100
/** Person keys of the large village the vouching figure reads. */
const KEYS = 1000
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const FILLER = { kdf: 'pbkdf2-sha256', iterations: 250_000, salt: 'ab'.repeat(16), cipher: 'aes-256-gcm', iv: 'cd'.repeat(12), secret: 'ef'.repeat(48) }

const clerkPair = newSigningKeyPair()
const clerkClaim = { personId: 'person:clerk', publicKey: clerkPair.publicKey, createdAt: T0 - 60_000, witnessedBy: 'person:clerk' }
const CLERK_KEY_ID = 'personkey:clerk'

/** A key of `personId` witnessed by the clerk's key `clerk` (its id and secret). */
function witnessed(personId: string, id: string, clerk: { id: string; secret: string }, createdAt = T0) {
  const pair = newSigningKeyPair()
  const claim = { personId, publicKey: pair.publicKey, createdAt, witnessedBy: 'person:clerk' }
  const key: PersonKeyRecord = { id, ...claim, witness: { keyId: clerk.id, signature: signWitness(VILLAGE, claim, clerk.secret) }, signature: signValue(personKeyClaim(claim), pair.secretKey) }
  return { key, secret: pair.secretKey }
}

const supervisors = ['person:s1', 'person:s2', 'person:s3'].map((personId, i) => witnessed(personId, `personkey:k${i + 1}`, { id: CLERK_KEY_ID, secret: clerkPair.secretKey }))

let seq = 0
function env(device: string, kind: string, id: string, ref: string, body: Record<string, unknown>) {
  return { _id: id, kind, v: BODY_VERSIONS[kind as DocKind], village: VILLAGE, year: 2026, author: 'person:clerk', device, deviceTime: T0, seq: ++seq, ref, body }
}
function cosign(i: number, s = supervisors[i % supervisors.length]!, prefix = 'c') {
  const id = `cosign:${prefix}${i}`
  const fields = { ledgerId: `ledger:l${i}`, supervisorId: s.key.personId, approve: true, note: '', at: T0 + 1000 + i }
  return { id, fields: { ...fields, keyId: s.key.id, signature: signAct('cosign', VILLAGE, { id, ...fields }, s.secret) } }
}

function inNode(): number {
  const keys = supervisors.map((s) => s.key)
  const records = Array.from({ length: N }, (_, i) => { const c = cosign(i); return { ...c.fields, id: c.id } })
  const runs: number[] = []
  for (let rep = 0; rep < 4; rep++) {
    const t0 = performance.now()
    for (const r of records) if (unsignedClaim('cosign', VILLAGE, r, keys)) throw new Error('bench co-signature did not verify')
    runs.push(((performance.now() - t0) * 1000) / records.length)
  }
  return median(runs.slice(1))
}

/** A village of KEYS person keys: the clerk's three certified keys in turn (each replacing the last), each witnessing a third of the others. */
function vouching(): { cold: number; warm: number } {
  const hub = newSigningKeyPair()
  const clerks = [0, 1, 2].map((i) => {
    const pair = newSigningKeyPair()
    const claim = { personId: 'person:clerk', publicKey: pair.publicKey, createdAt: T0 + i * 1_000_000, witnessedBy: 'person:clerk', ...(i ? { replaces: `personkey:clerk${i - 1}` } : {}) }
    const cert = { issuedAt: claim.createdAt, by: 'clerk-account' }
    const record: PersonKeyRecord = { id: `personkey:clerk${i}`, ...claim, certificate: { ...cert, sig: signValue(clerkKeyStatement(VILLAGE, claim, cert), hub.secretKey) }, signature: signValue(personKeyClaim(claim), pair.secretKey) }
    return { record, secret: pair.secretKey }
  })
  const others = Array.from({ length: KEYS - clerks.length }, (_, i) => {
    const c = clerks[i % clerks.length]!
    return witnessed(`person:p${i}`, `personkey:p${i}`, { id: c.record.id, secret: c.secret }, c.record.createdAt + 1 + i).key
  })
  const keys = [...clerks.map((c) => c.record), ...others]
  const ctx = { village: VILLAGE, roster: [{ id: 'person:clerk', roles: ['clerk'] }], hubKeys: { current: hub.publicKey, retired: [] } }
  const runs: number[] = []
  for (let rep = 0; rep < 4; rep++) {
    // a fresh copy each run: what is remembered between calls is remembered by content, as in the app
    const copy = keys.map((k) => ({ ...k }))
    const t0 = performance.now()
    const vouched = witnessedKeys(copy, ctx)
    runs.push(performance.now() - t0)
    if (vouched.length !== KEYS) throw new Error(`bench keys: ${vouched.length} of ${KEYS} vouched`)
  }
  return { cold: runs[0]!, warm: median(runs.slice(1)) }
}

/** `n` runs of `fn`, one after another. */
async function seriesOf(n: number, fn: (i: number) => Promise<number>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push(await fn(i))
  return out
}

export async function run(): Promise<Record<string, number | null>> {
  const checkUs = inNode()
  const vouch = vouching()
  const hub = await startHub({ LOG_LEVEL: 'error' })
  try {
    const p = await provision(hub, { township: 'tpa', villages: [VILLAGE] })
    const device = p.devices[0]!
    const auth = basic(device.id, device.secret)
    const push = async (docs: unknown[]) => {
      const r = await couch(hub, `village-${VILLAGE}/_bulk_docs`, { auth, body: { docs } })
      if (r.status !== 201 || (r.body as { ok?: boolean }[]).some((x) => !x.ok)) throw new Error(`bench push refused: ${JSON.stringify(r.body).slice(0, 300)}`)
    }
    await push([env(device.id, 'person', 'person:clerk', '', { name: '王文书', eligible: true, roles: [] }),
      ...supervisors.map((s) => env(device.id, 'person', s.key.personId, '', { name: '监事', eligible: true, roles: [] }))])
    // roles count only signed: the clerk account has the hub sign them
    const clerkAuth = basic(p.clerk.name, p.clerk.password)
    await setRoles(hub, VILLAGE, 'person:clerk', ['clerk'], clerkAuth)
    for (const s of supervisors) await setRoles(hub, VILLAGE, s.key.personId, ['supervisor'], clerkAuth)
    // the clerk's key, certified by the hub on the clerk account's request, witnesses the supervisors' keys
    const c = await couch(hub, '_hub/clerk-key', { auth: basic(p.clerk.name, p.clerk.password), body: { village: VILLAGE, personId: 'person:clerk', publicKey: clerkPair.publicKey } })
    if (c.status !== 200) throw new Error(`bench clerk key not certified: ${c.status}`)
    const certificate = (c.body as { certificate: unknown }).certificate
    await push([
      env(device.id, 'personkey', CLERK_KEY_ID, 'person:clerk', { ...clerkClaim, ...FILLER, certificate, signature: signValue(personKeyClaim(clerkClaim), clerkPair.secretKey) }),
      ...supervisors.map((s) => env(device.id, 'personkey', s.key.id, s.key.personId, { ...s.key, id: undefined, ...FILLER })),
    ])
    const timed = async (docs: unknown[]) => {
      const per: number[] = []
      for (let i = 0; i < docs.length; i += BATCH) {
        const t0 = performance.now()
        await push(docs.slice(i, i + BATCH))
        per.push(performance.now() - t0)
      }
      return median(per)
    }
    const cosigns = Array.from({ length: N }, (_, i) => { const c = cosign(i); return env(device.id, 'cosign', c.id, c.fields.ledgerId, c.fields) })
    const comments = Array.from({ length: N }, (_, i) => env(device.id, 'comment', `comment:c${i}`, 'proposal:p1', { on: 'proposal:p1', text: '同意', by: 'person:v1', at: T0 + i }))
    const plainMs = await timed(comments)
    const signedMs = await timed(cosigns)

    // the retake: one key pushed, with what the quarantine holds judged again
    const PASS = LIMITS.quarantineRetakePerPass
    let keys = 0
    const freshKey = (i: number) => witnessed(supervisors[i % supervisors.length]!.key.personId, `personkey:r${++keys}`, { id: CLERK_KEY_ID, secret: clerkPair.secretKey }, T0 + 100)
    const keyDoc = (k: ReturnType<typeof freshKey>) => env(device.id, 'personkey', k.key.id, k.key.personId, { ...k.key, id: undefined, ...FILLER })
    const pushKey = async (k: ReturnType<typeof freshKey>) => { const t0 = performance.now(); await push([keyDoc(k)]); return performance.now() - t0 }
    /** Co-signatures signed with `k`, pushed before it by another tablet (each its own, so no writer's share of the quarantine fills): all refused. */
    const quarantine = async (k: ReturnType<typeof freshKey>, prefix: string) => {
      const t = await enrollTablet(hub, VILLAGE)
      const docs = Array.from({ length: PASS }, (_, i) => { const c = cosign(i, k, prefix); return env(t.id, 'cosign', c.id, c.fields.ledgerId, c.fields) })
      for (let i = 0; i < docs.length; i += BATCH) {
        const r = await couch(hub, `village-${VILLAGE}/_bulk_docs`, { auth: t.auth, body: { docs: docs.slice(i, i + BATCH) } })
        if (r.status !== 201 || (r.body as { code?: string }[]).some((x) => x.code !== 'act.unsigned')) throw new Error(`bench retake: not quarantined ${JSON.stringify(r.body).slice(0, 300)}`)
      }
    }
    const emptyMs = median(await seriesOf(5, () => pushKey(freshKey(0))))
    // a tablet's hourly share of refusals nothing can make good (proposals without a title): the pass never reads them
    const other = await enrollTablet(hub, VILLAGE)
    for (let i = 0; i < LIMITS.quarantinePerWindow; i += 500) {
      const docs = Array.from({ length: 500 }, (_, j) => env(other.id, 'proposal', `proposal:junk${i + j}`, '', { status: 'draft' }))
      const r = await couch(hub, `village-${VILLAGE}/_bulk_docs`, { auth: other.auth, body: { docs } })
      if (r.status !== 201 || (r.body as { ok?: boolean }[]).some((x) => x.ok)) throw new Error(`bench retake: proposals without a title not refused ${JSON.stringify(r.body).slice(0, 300)}`)
    }
    const otherMs = median(await seriesOf(5, () => pushKey(freshKey(0))))
    await quarantine(freshKey(0), 'junk') // that key never comes
    const junkMs = median(await seriesOf(5, () => pushKey(freshKey(1))))
    const genuineMs = median(await seriesOf(3, async (rep) => {
      const k = freshKey(rep)
      await quarantine(k, `g${rep}-`)
      const ms = await pushKey(k)
      const held = await couch(hub, `village-${VILLAGE}/_all_docs?startkey=${encodeURIComponent(`"cosign:g${rep}-"`)}&endkey=${encodeURIComponent(`"cosign:g${rep}-\ufff0"`)}`)
      if ((held.body as { rows: unknown[] }).rows.length !== PASS) throw new Error(`bench retake: ${(held.body as { rows: unknown[] }).rows.length} of ${PASS} genuine co-signatures taken`)
      return ms
    }))
    return {
      person_act_check_us: round(checkUs), vouch_keys_cold_ms: round(vouch.cold), vouch_keys_ms: round(vouch.warm), push_signed_cosigns_batch_ms: round(signedMs), push_plain_comments_batch_ms: round(plainMs),
      retake_key_push_empty_ms: round(emptyMs), retake_key_push_1000_other_refusals_ms: round(otherMs), retake_key_push_200_junk_ms: round(junkMs), retake_key_push_200_genuine_ms: round(genuineMs),
    }
  } finally {
    await hub.stop({ removeData: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then((r) => { console.log(r) }).catch((e: unknown) => { console.error(e); process.exit(1) })
}
