/**
 * bench signature — what records that prove where they came from cost (src/shared/provenance.ts):
 * - record_sign_us: in Chromium, one record signed with the device key (WebCrypto Ed25519, as the
 *   app's writer does; a write signs two records: the record and its audit event), µs;
 * - record_verify_us: in the hub, one relayed record's signature checked (`recordProvenance`, what
 *   validate/signature.ts runs per record another tablet brings; a tablet's own records are proven by
 *   its credential and not checked), in Node, µs.
 * Details: Chromium's verify, the JavaScript fallback (older browsers) sign and verify, the hub's
 * sign; a ballot cast (check-off and its audit event written, ballot boxed) with and without a key,
 * p50/p95 over 200 casts; the real hub on loopback taking 1,000 records relayed by another tablet
 * (signed, checked) against 1,000 brought by their own device (unsigned, not checked); and the
 * alternative not taken — one signature per audit-chain head (per sync batch of 200 records), whose
 * check of a relayed record is its digest and event hash plus a share of one signature.
 */
import { rmSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { Page } from 'playwright-core'
import { launchChromium } from '../test/support/browser'
import { startHub } from '../test/support/hub'
import { basic, couch, provision } from '../test/sync-server/helpers'
import { buildDataHarness } from '../test/data/browser/build'
import { enrollDevice } from '../test/data/sync-helpers'
import { appendAudit, auditHash, recordDigest } from '../src/domain/audit'
import type { AuditEvent } from '../src/domain/model/types'
import { newSigningKeyPair } from '../src/shared/signature'
import { createSigner, recordProvenance, signedContent, verifySigned, type Trust } from '../src/shared/provenance'

const VILLAGE = 'vsig'
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN }
const median = (xs: number[]) => q(xs, 0.5)

function ballot(i: number, device: string) {
  return {
    id: `ballot:b${i}-${device}`, kind: 'ballot', v: 1, village: VILLAGE, year: 2026, author: 'person:clerk', device, deviceTime: 1_790_000_000_000 + i,
    seq: i + 1, ref: 'vote:v2026', body: { voteId: 'vote:v2026', choices: ['project:lights', 'project:water'], castAt: 1_790_000_000_000, device },
  }
}

/** The hub's side, in this Node process: the same code the hub runs per record. */
async function inNode() {
  const key = newSigningKeyPair()
  const signer = createSigner(key.secretKey)
  const trust: Trust = { village: VILLAGE, hubKey: key.publicKey, devices: { get: () => ({ device: 'dev-n', village: VILLAGE, publicKey: key.publicKey, enrolledAt: 0, unsignedUpTo: 0 }) } }
  const records = Array.from({ length: 2000 }, (_, i) => ballot(i, 'dev-n'))
  const signRuns: number[] = []; const verifyRuns: number[] = []
  let signed: Record<string, unknown>[] = []
  for (let rep = 0; rep < 4; rep++) {
    let t0 = performance.now()
    signed = []
    for (const r of records) signed.push({ ...r, sig: await signer.sign(signedContent(r)) })
    signRuns.push(((performance.now() - t0) * 1000) / records.length)
    t0 = performance.now()
    for (const r of signed) if (!(await recordProvenance(r, trust)).ok) throw new Error('bench record did not verify')
    verifyRuns.push(((performance.now() - t0) * 1000) / records.length)
  }
  // the alternative: one signature over the chain head per batch of 200; a relayed record is checked
  // by its digest, its event's hash and link, and a share of the head's signature
  const events: AuditEvent[] = []
  for (const r of records) events.push(appendAudit(events.at(-1) ?? null, { device: 'dev-n', at: r.deviceTime, actor: r.author, action: 'insert', subjectId: r.id, digest: recordDigest(r) }))
  const heads = events.filter((_, i) => i % 200 === 199)
  let t0 = performance.now()
  const headSigs: string[] = []
  for (const h of heads) headSigs.push(await signer.sign({ head: h.hash, seq: h.seq, device: h.device }))
  const chainSign = ((performance.now() - t0) * 1000) / records.length
  t0 = performance.now()
  for (let i = 0; i < records.length; i++) {
    const e = events[i] as AuditEvent
    if (recordDigest(records[i]) !== e.digest || auditHash(e) !== e.hash || (i > 0 && e.prevHash !== (events[i - 1] as AuditEvent).hash)) throw new Error('bench chain broken')
  }
  for (const [j, h] of heads.entries()) if (!(await verifySigned({ head: h.hash, seq: h.seq, device: h.device }, headSigs[j], key.publicKey))) throw new Error('bench head did not verify')
  const chainVerify = ((performance.now() - t0) * 1000) / records.length
  return { sign: median(signRuns.slice(1)), verify: median(verifyRuns.slice(1)), chainSign, chainVerify }
}

export async function run(): Promise<Record<string, number | null>> {
  const node = await inNode()
  const harness = await buildDataHarness()
  const hub = await startHub({ STATIC_DIR: harness, LOG_LEVEL: 'error' })
  const browser = await launchChromium()
  try {
    const p = await provision(hub, { township: 'tsig', villages: [VILLAGE] })
    // --- Chromium: signing and verifying, a ballot cast with and without a key
    const page: Page = await (await browser.newContext()).newPage()
    await page.goto(`${hub.url}/`)
    await page.waitForFunction(() => document.getElementById('ready')?.textContent === 'ready')
    const costs = await page.evaluate(() => window.yishiData.signatureCosts(2000))
    const casts = async (secretKey?: string) => {
      const d = await enrollDevice(hub, VILLAGE)
      await page.evaluate((o) => window.yishiData.open(o), { village: VILLAGE, device: d.id, secret: d.secret, name: `sig-${d.id}`, ...(secretKey ? { secretKey } : {}) })
      const now = Date.now()
      const voters = Array.from({ length: 200 }, (_, i) => `person:v${i}`)
      const voteId = await page.evaluate((v) => window.yishiData.createVote(v), {
        title: '2026 民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 2, budget: 20_000_000,
        candidates: [{ id: 'project:lights', title: '路灯', cost: 8_000_000, proposalIds: [] }, { id: 'project:water', title: '饮水', cost: 7_000_000, proposalIds: [] }],
        opensAt: now - 3_600_000, closesAt: now + 24 * 3_600_000, roster: voters, perHousehold: false, rule: 'greedy', sealKeys: [],
      })
      const times = await page.evaluate(([id, vs]) => window.yishiData.ballots(id, vs, ['project:lights'], false), [voteId, voters] as const)
      const flush = await page.evaluate((id) => window.yishiData.flushBox(id), voteId)
      await page.evaluate(() => window.yishiData.remove())
      return { p50: q(times, 0.5), p95: q(times, 0.95), flushPerBallotMs: flush.ms / Math.max(1, flush.n) }
    }
    const unsignedCasts = await casts()
    const signedCasts = await casts(newSigningKeyPair().secretKey)

    // --- the real hub: 1,000 records relayed by another tablet (signed, checked) against 1,000 from their own device (unsigned)
    const enrollKeyed = async () => {
      const signer = createSigner(newSigningKeyPair().secretKey)
      const e = await couch(hub, '_hub/enrollments', { body: { village: VILLAGE } })
      const d = await couch(hub, '_hub/enroll', { auth: null, body: { code: e.body.code, label: 'bench', publicKey: signer.publicKey } })
      return { id: String(d.body.device), auth: basic(d.body.device, d.body.secret), signer }
    }
    const writer = await enrollKeyed(); const carrier = await enrollKeyed()
    const legacy = p.devices[0]!
    const comments = (device: string, from: number) => Array.from({ length: 1000 }, (_, i) => ({
      _id: `comment:bench${from + i}-${device}`, kind: 'comment', v: 1, village: VILLAGE, year: 2026, author: 'person:clerk', device, deviceTime: Date.now(), seq: from + i + 1, ref: '',
      body: { text: `院坝会意见 ${i}：村口路灯晚上不亮`, on: '', by: 'person:clerk', at: Date.now() },
    }))
    const pushAll = async (auth: string, docs: object[]) => {
      const t0 = performance.now()
      for (let i = 0; i < docs.length; i += 200) {
        const r = await couch(hub, `village-${VILLAGE}/_bulk_docs`, { auth, body: { docs: docs.slice(i, i + 200) } })
        if (r.status !== 201 || (r.body as { error?: string }[]).some((x) => x.error)) throw new Error(`bench push refused: ${JSON.stringify(r.body).slice(0, 300)}`)
      }
      return performance.now() - t0
    }
    const relayRuns: number[] = []; const ownRuns: number[] = []
    for (let rep = 0; rep < 4; rep++) {
      const own = comments(legacy.id, rep * 1000)
      const relayed = await Promise.all(comments(writer.id, rep * 1000).map(async (d) => ({ ...d, sig: await writer.signer.sign(signedContent(d)) })))
      ownRuns.push(await pushAll(basic(legacy.id, legacy.secret), own))
      relayRuns.push(await pushAll(carrier.auth, relayed))
    }
    const relayMs = median(relayRuns.slice(1)); const ownMs = median(ownRuns.slice(1))

    const figures = {
      record_sign_us: round(costs.web.sign),
      record_verify_us: round(node.verify),
      record_verify_chromium_us: round(costs.web.verify),
      record_sign_js_chromium_us: round(costs.js.sign),
      record_verify_js_chromium_us: round(costs.js.verify),
      record_sign_hub_us: round(node.sign),
      ballot_cast_signed_p50_ms: round(signedCasts.p50, 2),
      ballot_cast_signed_p95_ms: round(signedCasts.p95, 2),
      ballot_cast_unsigned_p50_ms: round(unsignedCasts.p50, 2),
      ballot_cast_unsigned_p95_ms: round(unsignedCasts.p95, 2),
      ballot_flush_signed_per_ballot_ms: round(signedCasts.flushPerBallotMs, 2),
      ballot_flush_unsigned_per_ballot_ms: round(unsignedCasts.flushPerBallotMs, 2),
      hub_push_1000_relayed_signed_ms: Math.round(relayMs),
      hub_push_1000_own_unsigned_ms: Math.round(ownMs),
      hub_relay_check_per_record_us: round(((relayMs - ownMs) * 1000) / 1000),
      chain_head_sign_per_record_us: round(node.chainSign, 2),
      chain_head_verify_per_record_us: round(node.chainVerify, 1),
    }
    console.log('record signatures (Ed25519 over canonical JSON)')
    console.table({
      'Chromium, WebCrypto': { 'sign µs': figures.record_sign_us, 'verify µs': figures.record_verify_chromium_us },
      'Chromium, JavaScript fallback': { 'sign µs': figures.record_sign_js_chromium_us, 'verify µs': figures.record_verify_js_chromium_us },
      'hub (Node)': { 'sign µs': figures.record_sign_hub_us, 'verify µs': figures.record_verify_us },
      'chain head per 200 (alternative)': { 'sign µs': figures.chain_head_sign_per_record_us, 'verify µs': figures.chain_head_verify_per_record_us },
    })
    console.table({
      'ballot cast, unsigned (ms)': { p50: figures.ballot_cast_unsigned_p50_ms, p95: figures.ballot_cast_unsigned_p95_ms, 'flush per ballot': figures.ballot_flush_unsigned_per_ballot_ms },
      'ballot cast, signed (ms)': { p50: figures.ballot_cast_signed_p50_ms, p95: figures.ballot_cast_signed_p95_ms, 'flush per ballot': figures.ballot_flush_signed_per_ballot_ms },
      'hub push 1,000 (ms)': { p50: `own unsigned ${figures.hub_push_1000_own_unsigned_ms}`, p95: `relayed signed ${figures.hub_push_1000_relayed_signed_ms}`, 'flush per ballot': `${figures.hub_relay_check_per_record_us} µs/record` },
    })
    return figures
  } finally {
    await browser.close()
    await hub.stop({ removeData: true })
    rmSync(harness, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1) })
}
