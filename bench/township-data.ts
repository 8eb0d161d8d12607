/**
 * A township's year of council data, generated: villages with courtyards, a roster, proposals,
 * monthly council meetings with attendance and resolutions, a project vote with check-offs and
 * ballots, fund, allocations, expenses with co-signatures, notices, objections, progress, and a
 * per-device audit event for every write (as tablets write them). Deterministic for a seed.
 *
 * `run()` (npm run bench) loads 30 villages into a real hub and measures what a township staff
 * device does: sign in, fetch the summaries, open one village in full.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { select } from '../src/domain/selection'
import { BODY_VERSIONS } from '../src/shared/schemas/bodies'
import type { DocKind } from '../src/shared/schemas/envelope'
import { ed25519 } from '@noble/curves/ed25519.js'
import { clerkKeyStatement, personKeyClaim, signAct, signWitness } from '../src/shared/personacts'
import { fromBase64Url, signValue, toBase64Url } from '../src/shared/signature'
import type { HubKeys } from '../src/shared/hubkeys'
import { HUB_ROLES_KEY, rolesClaim } from '../src/shared/rosterroles'

export type CouchDoc = Record<string, unknown> & { _id: string }

const DAY = 24 * 3600 * 1000

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13; s >>>= 0
    s ^= s >>> 17
    s ^= s << 5; s >>>= 0
    return s / 0x1_0000_0000
  }
}

export interface VillageOptions {
  villageId: string
  townshipId: string
  name: string
  year: number
  seed: number
  /** Adults on the roster (default 240). */
  people?: number
  /** Devices (tablets) that write (default 3). */
  tablets?: number
  /** Add compliance problems: an expense without co-signature, a resolution adopted without quorum. */
  problems?: boolean
  /** Write a per-device audit event for every record (default true). */
  audit?: boolean
}

/**
 * The hub of the generated data: its key certifies each village's clerk key (src/shared/personacts.ts),
 * so the supervisors' keys the clerk witnessed, and their co-signatures, count where these keys are
 * trusted (`BENCH_HUB_KEYS`). A real hub has its own key: loaded there, they count for nothing.
 */
const BENCH_HUB_SECRET = toBase64Url(sha256(new TextEncoder().encode('yishi bench hub')))
export const BENCH_HUB_KEYS: HubKeys = { current: toBase64Url(ed25519.getPublicKey(fromBase64Url(BENCH_HUB_SECRET))), retired: [] }

export interface GeneratedVillage {
  docs: CouchDoc[]
  voteId: string
  /** Expense ids left without co-signature (when `problems`). */
  uncosigned: string[]
}

export function generateVillage(o: VillageOptions): GeneratedVillage {
  const rand = rng(o.seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const v = o.villageId
  const start = Date.UTC(o.year, 0, 6, 1)
  const docs: CouchDoc[] = []
  const tablets = Array.from({ length: o.tablets ?? 3 }, (_, i) => `dev-${v}-${i + 1}`)
  const chains = new Map(tablets.map((d) => [d, { seq: 0, prev: '' }]))
  const withAudit = o.audit ?? true
  let hubSeq = 0

  function put(kind: string, rest: string, body: Record<string, unknown>, at: number, ref = '', device = pick(tablets), author = `person:${v}-7`): string {
    const id = `${kind}:${rest}`
    const chain = chains.get(device)
    const seq = chain ? ++chain.seq : ++hubSeq
    docs.push({ _id: id, kind, v: BODY_VERSIONS[kind as DocKind] ?? 1, village: v, year: o.year, author, device, deviceTime: at, seq, ref, body })
    if (withAudit && chain) {
      const digest = bytesToHex(sha256(new TextEncoder().encode(JSON.stringify(body))))
      const hash = bytesToHex(sha256(new TextEncoder().encode(`${chain.prev}|${id}|${digest}`)))
      const n = ++chain.seq
      docs.push({
        _id: `audit:${device}.${n}`, kind: 'audit', v: 1, village: v, year: o.year, author, device, deviceTime: at, seq: n, ref: id,
        body: { device, seq: n, at, actor: author, action: 'insert', subjectId: id, digest, prevHash: chain.prev, hash },
      })
      chain.prev = hash
    }
    return id
  }

  put('village', v, { townshipId: o.townshipId, name: o.name, procedureId: '' }, start, '', 'hub', 'hub')
  const fundId = put('fund', `${v}-${o.year}`, { year: o.year, amount: 20_000_000, source: '村级公共服务和社会管理专项资金' }, start, '', 'hub', 'hub')
  const units = Array.from({ length: 6 }, (_, i) => put('unit', `${v}-u${i + 1}`, { kind: 'courtyard', name: `第${i + 1}院落` }, start))
  const nPeople = o.people ?? 240
  const people: string[] = []
  for (let i = 0; i < nPeople; i++) {
    const roles = i < 15 ? ['council-member'] : i < 18 ? ['supervisor'] : i === 18 ? ['clerk'] : []
    // roles count only signed (src/shared/rosterroles.ts): the bench hub signs them, as its roles route does
    const at = start + i * 1000
    const rolesSig = roles.length > 0 ? { rolesSig: { at, by: 'bench-clerk', keyId: HUB_ROLES_KEY, signature: signValue(rolesClaim(v, `person:${v}-${i + 1}`, roles, at), BENCH_HUB_SECRET) } } : {}
    people.push(put('person', `${v}-${i + 1}`, {
      name: `村民${i + 1}`, householdId: `household:${v}-${Math.floor(i / 3) + 1}`, unitId: units[i % units.length],
      adult: true, eligible: true, householdHead: i % 3 === 0, roles, ...rolesSig,
    }, at))
  }
  const council = people.slice(0, 15)
  const supervisors = people.slice(15, 18)
  const clerk = people[18]!
  // The clerk's key (certified by the bench hub), and each supervisor's signing key witnessed with it
  // (the wrapped secrets are filler: nothing here opens them).
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('')
  const filler = () => ({ kdf: 'pbkdf2-sha256', iterations: 250_000, salt: hex(32), cipher: 'aes-256-gcm', iv: hex(24), secret: hex(96) })
  const keyPair = () => {
    const { secretKey, publicKey } = ed25519.keygen(Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256)))
    return { secretKey: toBase64Url(secretKey), publicKey: toBase64Url(publicKey) }
  }
  const clerkPair = keyPair()
  const clerkClaim = { personId: clerk, publicKey: clerkPair.publicKey, createdAt: start + DAY, witnessedBy: clerk }
  const cert = { issuedAt: start + DAY, by: `clerk-${v}` }
  const certificate = { ...cert, sig: signValue(clerkKeyStatement(v, clerkClaim, cert), BENCH_HUB_SECRET) }
  const clerkKeyId = put('personkey', `${v}-k0`, { ...clerkClaim, ...filler(), certificate, signature: signValue(personKeyClaim(clerkClaim), clerkPair.secretKey) }, start + DAY, clerk, pick(tablets), clerk)
  const keyOf = new Map(supervisors.map((s, i) => {
    const { secretKey, publicKey } = keyPair()
    const claim = { personId: s, publicKey, createdAt: start + DAY, witnessedBy: clerk }
    const witness = { keyId: clerkKeyId, signature: signWitness(v, claim, clerkPair.secretKey) }
    const id = put('personkey', `${v}-k${i + 1}`, { ...claim, ...filler(), witness, signature: signValue(personKeyClaim(claim), secretKey) }, start + DAY, s, pick(tablets), clerk)
    return [s, { id, secretKey }] as const
  }))

  // Proposals and comments (collect, feed back).
  const proposals: { id: string; cost: number; title: string }[] = []
  for (let i = 0; i < 40; i++) {
    const cost = (20 + Math.floor(rand() * 80)) * 100_000
    const title = `${pick(['路灯', '便道', '水渠', '垃圾亭', '老年活动室', '健身器材', '护栏', '绿化'])}${i + 1}`
    const id = put('proposal', `${v}-p${i + 1}`, {
      unitId: pick(units), title, description: `${title}：村民提出的民生项目。`, proposedBy: pick(people), createdAt: start + i * DAY,
      status: i < 12 ? 'candidate' : 'open', mergedInto: '', estimatedCost: cost, photos: [],
    }, start + i * DAY)
    proposals.push({ id, cost, title })
    for (let c = 0; c < 2; c++) put('comment', `${v}-p${i + 1}-c${c + 1}`, { on: id, text: '同意，希望尽快实施。', by: pick(people), at: start + (i + 1) * DAY }, start + (i + 1) * DAY, id)
  }

  // Monthly council meetings: attendance and resolutions.
  for (let m = 0; m < 12; m++) {
    const at = Date.UTC(o.year, m, 15, 2)
    const meetingId = put('meeting', `${v}-m${m + 1}`, {
      unitId: '', kind: 'village-council', title: `${m + 1}月议事会`, scheduledAt: at, place: '村委会议室',
      agenda: [{ key: 'a1', title: '议题' }], memberCount: council.length, minutes: '会议纪要……', status: 'closed',
    }, at)
    const notQuorate = o.problems && m === 2
    const present = notQuorate ? council.slice(0, 8) : council.filter(() => rand() < 0.9).slice(0, 15)
    const counted = present.length >= 10 ? present : council.slice(0, 12)
    const attendees = notQuorate ? present : counted
    for (const p of attendees) put('attendance', `${v}-m${m + 1}-${p.split(':')[1]}`, { meetingId, personId: p, at, recordedBy: clerk, proxyFor: '' }, at, meetingId)
    for (let r = 0; r < 2; r++) {
      const yes = Math.min(attendees.length, notQuorate ? 8 : 9 + Math.floor(rand() * 4))
      put('resolution', `${v}-m${m + 1}-r${r + 1}`, {
        meetingId, agendaKey: 'a1', motion: `第${m + 1}次会议第${r + 1}项决议`, members: council.length, present: attendees.length,
        yes, no: attendees.length - yes, abstain: 0, outcome: 'adopted', explanation: '', at, recordedBy: clerk,
      }, at, meetingId)
    }
  }

  // The project vote (approval, greedy), with check-offs and ballots; then the decision notice.
  const candidates = proposals.slice(0, 12).map((p) => ({ id: `cand:${p.id.split(':')[1]}`, title: p.title, cost: p.cost, proposalIds: [p.id] }))
  const opensAt = Date.UTC(o.year, 4, 10, 0)
  const closesAt = Date.UTC(o.year, 4, 12, 10)
  const voteId = put('vote', `${v}-v1`, {
    unitId: '', kind: 'project-selection', title: `${o.year}年度民生项目投票`, candidates, ballotType: 'approval', minChoices: 1, maxChoices: 4,
    budget: 20_000_000, opensAt, closesAt, closedAt: 0, roster: people, perHousehold: false, rule: 'greedy', sealKeys: [],
  }, opensAt - 9 * DAY)
  // Its announcement ran seven days before it opened.
  put('notice', `${v}-n-vote`, {
    stage: 'vote-announcement', subjectId: voteId, title: '投票公告', body: '……', startAt: opensAt - 8 * DAY, endAt: opensAt - DAY, republishes: '', photos: [],
  }, opensAt - 8 * DAY, voteId)
  const popular = candidates.map(() => rand())
  const voters = people.filter(() => rand() < 0.6)
  voters.forEach((p, i) => {
    const at = opensAt + 3600_000 + i * 60_000
    put('checkoff', `${v}-v1:${p.split(':')[1]}`, { voteId, voterId: p, at, device: '', recordedBy: clerk, seal: '' }, at, voteId)
    const choices = candidates.filter((_, k) => rand() < popular[k]! * 0.6).slice(0, 4).map((c) => c.id)
    put('ballot', `${v}-b${i + 1}-${Math.floor(rand() * 1e9).toString(36)}`, { voteId, choices: choices.length ? choices : [candidates[0]!.id], castAt: at }, at, voteId)
  })
  const decisionAt = closesAt + DAY
  const noticeId = put('notice', `${v}-n-decision`, {
    stage: 'decision', subjectId: voteId, title: '投票结果公示', body: '……', startAt: decisionAt, endAt: decisionAt + 7 * DAY, republishes: '', photos: [],
  }, decisionAt, voteId)
  for (let k = 0; k < 3; k++) {
    const objection = put('objection', `${v}-o${k + 1}`, { noticeId, raisedBy: pick(people), text: '对排序有疑问。', at: decisionAt + DAY }, decisionAt + DAY, noticeId)
    // With problems: the last objection is never answered, and one voter was checked off on two tablets.
    if (o.problems && k === 2) continue
    put('answer', `${v}-a${k + 1}`, { objectionId: objection, answeredBy: clerk, text: '已解释。', at: decisionAt + 2 * DAY }, decisionAt + 2 * DAY, objection)
  }
  if (o.problems && voters[0]) {
    const subjectId = `checkoff:${v}-v1:${voters[0].split(':')[1]}`
    put('conflict', `${v}-dv1`, { subjectId, reason: 'double-checkoff', winner: { device: tablets[0]!, seq: 1 }, loser: { device: tablets[1] ?? tablets[0]! }, at: closesAt }, closesAt, subjectId, 'hub', 'hub')
  }

  // Allocations (top candidates within the fund), progress, expenses with co-signatures, accounts notices.
  const outcome = select('greedy', { projects: candidates, budget: 20_000_000, ballots: docs.filter((d) => d.kind === 'ballot').map((d) => (d.body as { choices: string[] }).choices) })
  const funded = outcome.selected.map((id) => candidates.find((c) => c.id === id)!)
  const workStart = decisionAt + 10 * DAY
  const uncosigned: string[] = []
  funded.forEach((c, i) => {
    put('allocation', `${v}-al${i + 1}`, { fundId, projectId: c.id, title: c.title, amount: c.cost, decidedBy: clerk, at: workStart }, workStart, fundId)
    for (let s = 0; s < 4; s++) put('progress', `${v}-pr${i + 1}-${s + 1}`, { projectId: c.id, at: workStart + s * 20 * DAY, by: clerk, text: `进度${s * 25}%`, startsWork: s === 0, percent: s * 25 }, workStart + s * 20 * DAY, c.id)
    for (let e = 0; e < 8; e++) {
      const at = workStart + (e + 1) * 12 * DAY
      const ledgerId = put('ledger', `${v}-l${i + 1}-${e + 1}`, {
        fundId, projectId: c.id, kind: 'expense', amount: Math.floor(c.cost / 10), payee: '施工队', description: `${c.title}材料费`, at, recordedBy: clerk, photos: [],
      }, at, fundId)
      if (o.problems && i === 0 && e === 7) { uncosigned.push(ledgerId); continue }
      const supervisorId = supervisors[e % supervisors.length]!
      const key = keyOf.get(supervisorId)!
      const cosignId = `cosign:${v}-l${i + 1}-${e + 1}-s`
      const cosign = { ledgerId, supervisorId, approve: true, note: '', at: at + DAY }
      put('cosign', `${v}-l${i + 1}-${e + 1}-s`, { ...cosign, keyId: key.id, signature: signAct('cosign', v, { id: cosignId, ...cosign }, key.secretKey) }, at + DAY, ledgerId, pick(tablets), supervisorId)
    }
  })
  for (let q = 0; q < 4; q++) {
    const at = Date.UTC(o.year, q * 3 + 2, 28)
    put('notice', `${v}-n-accounts-${q + 1}`, { stage: 'accounts', subjectId: fundId, title: `第${q + 1}季度财务公开`, body: '……', startAt: at, endAt: at + 7 * DAY, republishes: '', photos: [] }, at, fundId)
  }
  return { docs, voteId, uncosigned }
}

export interface TownshipOptions { townshipId: string; villages: number; year: number; seed?: number; problems?: number }

export function generateTownship(o: TownshipOptions): { villageId: string; name: string; docs: CouchDoc[] }[] {
  return Array.from({ length: o.villages }, (_, i) => {
    const villageId = `${o.townshipId}-v${String(i + 1).padStart(2, '0')}`
    const name = `第${i + 1}村`
    const { docs } = generateVillage({ villageId, townshipId: o.townshipId, name, year: o.year, seed: (o.seed ?? 7) * 1000 + i, problems: i < (o.problems ?? 3) })
    return { villageId, name, docs }
  })
}

// ------------------------------------------------------------------ benchmark
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * A township of 30 villages with a year of data on a real hub; a staff device signs in, fetches
 * the summaries (cold: the hub reads every village; warm: unchanged villages come from its
 * cache) and opens one village in full. Prints a table; returns the figures.
 */
export async function run(): Promise<Record<string, number | null>> {
  const { startHub, ADMIN } = await import('../test/support/hub')
  const { syncVillage } = await import('../src/data/township/client')
  const { gzipSync } = await import('node:zlib')
  const hub = await startHub({ SEED_DEMO: 'false', LOG_LEVEL: 'error' }, { timeoutMs: 60_000 })
  let current = hub
  const admin = 'Basic ' + Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')
  const staff = 'Basic ' + Buffer.from('bench-staff:bench-staff-password').toString('base64')
  const post = async (path: string, body: unknown, auth = admin) => {
    const res = await fetch(`${hub.url}${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
    return res
  }
  try {
    const year = 2026
    const township = generateTownship({ townshipId: 'bench', villages: 30, year, problems: 3 })
    await post('/couch/_hub/townships', { id: 'bench', name: '基准镇' })
    await post('/couch/_hub/users', { name: 'bench-staff', password: 'bench-staff-password', role: 'township', township: 'bench' })
    let docs = 0
    const loadStart = performance.now()
    for (const v of township) {
      await post('/couch/_hub/villages', { id: v.villageId, township: 'bench', name: v.name })
      for (let i = 0; i < v.docs.length; i += 1000) await post(`/couch/village-${v.villageId}/_bulk_docs`, { docs: v.docs.slice(i, i + 1000) })
      docs += v.docs.length
    }
    const loadSeconds = (performance.now() - loadStart) / 1000

    const summaryOnce = async () => {
      const t0 = performance.now()
      const res = await fetch(`${current.url}/hub/township/summary`, { headers: { authorization: staff, 'accept-encoding': 'gzip' } })
      const text = await res.text()
      if (!res.ok) throw new Error(`summary: ${res.status} ${text}`)
      return { ms: performance.now() - t0, bytes: Buffer.byteLength(text), gzip: gzipSync(text).length, villages: (JSON.parse(text) as { villages: unknown[] }).villages.length }
    }
    // The hub keeps summaries warm once a village's data is quiet for 2 s; let it settle.
    await new Promise((r) => setTimeout(r, 4_000))
    const first = await summaryOnce()
    const warm = median([first, await summaryOnce(), await summaryOnce(), await summaryOnce(), await summaryOnce()].map((r) => r.ms))
    // Worst case: a staff device asks the moment a restarted hub comes up (nothing cached).
    await current.stop()
    current = await startHub({ SEED_DEMO: 'false', LOG_LEVEL: 'error' }, { dataDir: hub.dataDir, timeoutMs: 60_000 })
    const cold = await summaryOnce()

    // Opening one village in full, as the staff device does (paged _changes).
    const realFetch = globalThis.fetch
    globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
      realFetch(input, { ...init, headers: { ...(init?.headers as Record<string, string> | undefined), authorization: staff } })) as typeof fetch
    let villageMs = 0
    let villageDocs = 0
    try {
      const t0 = performance.now()
      const copy = await syncVillage(current.url, township[0]!.villageId)
      villageMs = performance.now() - t0
      villageDocs = Object.keys(copy.docs).length
    } finally {
      globalThis.fetch = realFetch
    }
    const figures = {
      township_villages: township.length,
      township_hub_docs: docs,
      township_load_s: Math.round(loadSeconds * 10) / 10,
      township_sync_summary_ms: Math.round(warm),
      township_summary_after_restart_ms: Math.round(cold.ms),
      township_summary_kb: Math.round(first.bytes / 102.4) / 10,
      township_summary_gzip_kb: Math.round(first.gzip / 102.4) / 10,
      township_village_open_ms: Math.round(villageMs),
      township_device_docs: cold.villages + villageDocs,
    }
    console.table(figures)
    return figures
  } finally {
    await current.stop({ removeData: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1) })
}
