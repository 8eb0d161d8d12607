import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type * as D from '@/domain'
import { keepPhoto, memoryPhotoStore, uploadPhotosAfterRecords } from '@/data'
import { BATCH_SECONDS } from '@/data/link'
import { sha256Hex } from '@/data/hash'
import { startHub, type RunningHub } from '../support/hub'
import { LINKS, linkPlan, startFaultProxy, type FaultProxy, type LinkProfile } from '../support/proxy'
import { basic, couch, provision } from '../sync-server/helpers'
import { openProofTablet, differences, hubSnapshot, prng, type ProofTablet } from '../proof/tablets'
import { eventually, openVote } from './helpers'

// The tablet's sync on thin links (src/data/wire.ts, link.ts, pages.ts): the real hub, real RxDB,
// the fault proxy shaped as an EDGE link (64 kbit/s up, 128 down, 600 ms round trip).

let hub: RunningHub | null = null
let proxy: FaultProxy | null = null
let tablets: ProofTablet[] = []
afterEach(async () => {
  for (const t of tablets) await t.close().catch(() => undefined)
  tablets = []
  await proxy?.close()
  proxy = null
})
afterAll(async () => { await hub?.stop({ removeData: true }) })

/** Every request the tablet made, as the tablet sent it (bodies inflated) and as the hub answered. */
interface Seen { at: number; method: string; path: string; encoding: string | null; wireBytes: number; ids: string[]; status: number | 'failed'; accepted: string[]; range: string | null }
function recorder() {
  const seen: Seen[] = []
  let onRequest: (s: Seen) => void = () => {}
  const f: typeof fetch = async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const headers = new Headers(init.headers)
    const encoding = headers.get('content-encoding')
    const raw = init.body
    const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw instanceof Uint8Array ? raw : new Uint8Array(0)
    const text = encoding === 'gzip' ? gunzipSync(bytes).toString() : new TextDecoder().decode(bytes)
    const path = new URL(url).pathname.replace(/^\/couch\/[^/]+\//, '')
    const s: Seen = {
      at: Date.now(), method: init.method ?? 'GET', path, encoding, wireBytes: bytes.byteLength, status: 'failed', accepted: [], range: headers.get('content-range'),
      ids: path === '_bulk_docs' ? (JSON.parse(text) as { docs: { _id: string }[] }).docs.map((d) => d._id) : [],
    }
    seen.push(s)
    onRequest(s)
    const res = await fetch(input, init)
    s.status = res.status
    if (path === '_bulk_docs' && res.status === 201) s.accepted = ((await res.clone().json()) as { ok?: boolean; id: string }[]).filter((r) => r.ok).map((r) => r.id)
    return res
  }
  return { seen, fetch: f, onRequest: (fn: (s: Seen) => void) => { onRequest = fn } }
}

interface Setup { link?: LinkProfile; batchSize?: number | 'auto'; onRequest?: (s: Seen) => void; voters?: number; online?: number; requestTimeoutMs?: number }

async function setup(village: string, { link = LINKS.edge, batchSize = 'auto', onRequest = () => {}, voters: count = 75, online = 0, requestTimeoutMs }: Setup = {}) {
  hub ??= await startHub()
  await provision(hub, { township: `t${village}`, villages: [village] })
  proxy = await startFaultProxy({ port: hub.port }, { random: prng(15).next })
  const rec = recorder()
  // a tablet of today: it signs every record, and the signatures travel in the gzipped bodies
  const t = await openProofTablet(hub, village, { hubUrl: proxy.url, batchSize, heartbeat: 5_000, fetch: rec.fetch, signed: true, ...(requestTimeoutMs ? { requestTimeoutMs } : {}) })
  tablets.push(t)
  // the vote is set up online (and the first `online` ballots taken and synced), the rest are taken offline
  const voters = Array.from({ length: count }, (_, i) => `person:t${i}`)
  const vote = await t.data.votes.create({ ...openVote(), roster: voters }) as unknown as D.Vote
  for (const voterId of voters.slice(0, online)) await t.data.recordBallot({ vote, voterId, choices: ['project:water'], recordedBy: 'person:clerk' })
  if (online > 0) expect(await t.data.ballotBox.flush()).toBe(online)
  expect(await t.sync.syncNow(30_000)).toBe(true)
  await t.sync.stop()
  for (const voterId of voters.slice(online)) await t.data.recordBallot({ vote, voterId, choices: ['project:lights'], recordedBy: 'person:clerk' })
  expect(await t.data.ballotBox.flush()).toBe(count - online)
  const pending = await t.sync.pendingCount()
  expect(pending).toBe(4 * (count - online)) // check-offs, ballots and their audit events
  proxy.set({ ...linkPlan(link), dropRate: 0 })
  rec.seen.length = 0
  rec.onRequest(onRequest)
  return { t, seen: rec.seen, fetch: rec.fetch }
}

/** Syncs until nothing is left to send (bounded). */
async function pushAll(t: ProofTablet, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  for (let i = 0; i < 30 && Date.now() < deadline; i++) {
    if (await t.sync.syncNow(Math.max(1_000, deadline - Date.now())) && (await t.sync.pendingCount()) === 0) return
  }
  throw new Error(`still ${await t.sync.pendingCount()} records to send: ${t.sync.state.lastError}`)
}

async function hubAgrees(village: string, t: ProofTablet): Promise<void> {
  expect(differences(await t.snapshot(), await hubSnapshot(hub!, village))).toEqual([])
  const rows = (await couch(hub!, `village-${village}/_all_docs?include_docs=true`)).body.rows as { id: string; value: { rev: string }; doc: { sig?: string } }[]
  expect(rows.filter((r) => !r.value.rev.startsWith('1-')).map((r) => r.id)).toEqual([]) // each written once
  // each record kept its device's signature as the tablet wrote it (another tablet or the hub relays it on that proof)
  const sigs = new Map((await t.vdb.docs.find({ selector: { device: t.device.id } }).exec()).map((d) => [d.id, (d.toJSON() as { sig?: string }).sig]))
  expect(sigs.size).toBeGreaterThan(0)
  const onHub = new Map(rows.map((r) => [r.id, r.doc.sig]))
  expect([...sigs].filter(([id, sig]) => typeof sig !== 'string' || onHub.get(id) !== sig).map(([id]) => id)).toEqual([])
  expect((await couch(hub!, `_hub/quarantine?db=village-${village}`)).body).toEqual([])
}

describe('a day of ballots over EDGE', () => {
  it('goes out gzipped and lands exactly as the tablet holds it', async () => {
    const { t, seen } = await setup('vthina')
    await pushAll(t)
    const bulks = seen.filter((s) => s.path === '_bulk_docs')
    expect(bulks.length).toBeGreaterThan(0)
    for (const b of bulks) expect(b.encoding).toBe('gzip')
    const pushed = bulks.flatMap((b) => b.accepted)
    expect(pushed).toHaveLength(300)
    expect(new Set(pushed).size).toBe(300)
    // on the wire: about what gzip -9 makes of the records (batch by batch: a little more), far below
    // their JSON. (Each record's signature, 86 characters that do not compress, is about 45 % of the
    // gzipped bytes: with them the JSON is 3.9× its gzip, without them it was over 4×.)
    const json = JSON.stringify((await t.vdb.docs.find().exec()).filter((d) => pushed.includes(d.id)).map((d) => d.toJSON()))
    const wire = bulks.reduce((n, b) => n + b.wireBytes, 0)
    expect(wire).toBeLessThan(gzipSync(json, { level: 9 }).length * 1.2)
    expect(wire).toBeLessThan(json.length / 3)
    await hubAgrees('vthina', t)
  })

  it('keeps every batch the hub accepted when the link is cut half-way, loses the one batch under way, and resumes without sending any again', async () => {
    // batches of 50: RxDB has several ready at once (it sent three together, and a cut lost all three)
    const { t, seen } = await setup('vthinb', { batchSize: 50, onRequest: (s) => {
      // the second batch is cut half-way through its upload
      if (s.path === '_bulk_docs' && seen.filter((x) => x.path === '_bulk_docs').length === 2) proxy!.set({ cutAtBytesUp: proxy!.stats.bytesUp + Math.ceil(s.wireBytes / 2) })
    } })
    await pushAll(t, 90_000)
    expect(proxy!.plan.cutAtBytesUp).toBeNull() // the cut happened
    const cutAt = seen.findIndex((s) => s === seen.filter((x) => x.path === '_bulk_docs')[1])
    expect(seen[cutAt]!.status).toBe('failed')
    const acceptedBefore = new Set(seen.slice(0, cutAt).flatMap((s) => s.accepted))
    expect(acceptedBefore.size).toBe(50)
    // nothing the hub had accepted went up again; what went up twice is the batch under way, no more
    const sentAfter = seen.slice(cutAt + 1).filter((s) => s.path === '_bulk_docs').flatMap((s) => s.ids)
    expect(sentAfter.filter((id) => acceptedBefore.has(id))).toEqual([])
    const sent = seen.filter((s) => s.path === '_bulk_docs').flatMap((s) => s.ids)
    expect(sent).toHaveLength(300 + 50)
    const accepted = seen.flatMap((s) => s.accepted)
    expect(accepted).toHaveLength(300)
    expect(new Set(accepted).size).toBe(300)
    await hubAgrees('vthinb', t)
  })
})

describe('a day of ballots over GPRS, the morning after a sync on a fast link', () => {
  it('goes out in batches the link carries in time, each sent once, about its gzip size on the wire', async () => {
    // The bench's GPRS push, scaled down: the tablet measured a fast link (the morning's sync through
    // the township's Wi-Fi, here loopback), then the link is GPRS (32 kbit/s up, 1 s round trip). The
    // client's patience is 8 s instead of a minute, as the day is 300 records instead of 6,000: sized
    // from the old rate, the day went out as one batch of 42 KB (10 s of this uplink), abandoned
    // unanswered and sent again until the test's minute ran out.
    const { t, seen } = await setup('vthing', { link: LINKS.gprs, voters: 100, online: 25, requestTimeoutMs: 8_000 })
    // the premise: the tablet holds the fast link's figure, far above GPRS — sized from it, the day's 42 KB would go
    // as one batch (8 s of patience at 20× GPRS is 640 KB). Loopback measured 99× GPRS on a quiet machine and
    // less on a loaded one (44× with the suite's two processes and more beside them), so 20× is the premise, not 50×.
    expect(t.sync.state.link.upBytesPerS).toBeGreaterThan(20 * LINKS.gprs.upKbps * 125)
    const up0 = proxy!.stats.requests['POST _bulk_docs']?.up ?? 0
    await pushAll(t, 60_000)
    const bulks = seen.filter((s) => s.path === '_bulk_docs')
    // no request of the push was given up: each batch went up once, and the day went up once
    expect(seen.filter((s) => s.status === 'failed').map((s) => `${s.method} ${s.path}`)).toEqual([])
    const sent = bulks.flatMap((b) => b.ids)
    expect(sent).toHaveLength(300)
    expect(new Set(sent).size).toBe(300)
    // each batch fits the time the link gives it (about BATCH_SECONDS of the uplink, with a quarter to spare)
    const upBytesPerS = LINKS.gprs.upKbps * 125
    expect(bulks.filter((b) => b.wireBytes > 1.25 * BATCH_SECONDS * upBytesPerS).map((b) => b.wireBytes)).toEqual([])
    // what crossed the link for the push (bodies and headers, as the proxy carried them): about the
    // records' gzip -9, batch by batch
    const mine = new Set(sent)
    const json = JSON.stringify((await t.vdb.docs.find().exec()).filter((d) => mine.has(d.id)).map((d) => d.toJSON()))
    const onWire = proxy!.stats.requests['POST _bulk_docs']!.up - up0
    expect(onWire).toBeLessThan(1.25 * gzipSync(json, { level: 9 }).length)
    await hubAgrees('vthing', t)
  })
})

describe('a fresh tablet\'s pull of more than the hub serves in a page', () => {
  it('reads the feed once: the catch-up goes to the last page, the live long-poll starts there', async () => {
    hub ??= await startHub()
    const village = 'vthinf'
    await provision(hub, { township: `t${village}`, villages: [village] })
    const a = await openProofTablet(hub, village, { batchSize: 'auto' })
    tablets.push(a)
    for (let i = 0; i < 900; i += 300) {
      await a.data.writer.insert(Array.from({ length: 300 }, (_, k) => ({ kind: 'comment' as const, id: `comment:f${i + k}`, ref: '', body: { text: `第 ${i + k} 条意见` } })))
    }
    await pushAll(a)
    const onHub = (await couch(hub, `village-${village}/_all_docs?limit=0`)).body.total_rows as number
    expect(onHub).toBeGreaterThan(1_500) // the first page (500) and a full hub page (1,000) do not hold them
    // every `_changes` answer the fresh tablet received: its feed, its start and its records
    const answers: { feed: string; since: string; limit: number; results: number; lastSeq: string; pending: number }[] = []
    const livesFrom: string[] = []
    const counting: typeof fetch = async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
      if (url.pathname.endsWith('/_changes') && url.searchParams.get('feed') === 'longpoll') livesFrom.push(url.searchParams.get('since') ?? '')
      const res = await fetch(input, init)
      if (url.pathname.endsWith('/_changes') && res.ok) {
        const page = (await res.clone().json()) as { results: unknown[]; last_seq: unknown; pending?: number }
        answers.push({ feed: url.searchParams.get('feed') ?? '', since: url.searchParams.get('since') ?? '', limit: Number(url.searchParams.get('limit')), results: page.results.length, lastSeq: String(page.last_seq), pending: page.pending ?? 0 })
      }
      return res
    }
    const b = await openProofTablet(hub, village, { batchSize: 'auto', heartbeat: 2_000, fetch: counting })
    tablets.push(b)
    expect(await b.sync.syncNow(60_000)).toBe(true)
    expect(await b.vdb.docs.count().exec()).toBeGreaterThanOrEqual(onHub)
    const pages = answers.filter((x) => x.feed === 'normal')
    expect(pages.length).toBeGreaterThanOrEqual(2)
    // every page but the last was full, the last was the end of the feed
    expect(pages.slice(0, -1).filter((p) => p.results < p.limit)).toEqual([])
    expect(pages.at(-1)!.pending).toBe(0)
    // the live long-poll started where the last page ended (not half-way, walking the feed beside the catch-up)
    await eventually(() => livesFrom.length > 0, 10_000)
    expect(livesFrom[0]).toBe(pages.at(-1)!.lastSeq)
    // and each record came once
    expect(answers.reduce((n, x) => n + x.results, 0)).toBe(onHub)
  })
})

describe('photos on a thin link', () => {
  it('go after the records, give way to new records between chunks, and resume where they broke', async () => {
    const { t, seen, fetch } = await setup('vthinp', { link: LINKS['3g-weak'] })
    const store = memoryPhotoStore()
    const bytes = (n: number, seed: number) => { const out = new Uint8Array(n); let x = seed; for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; out[i] = x >>> 24 } return out }
    const photos = [bytes(40_000, 1), bytes(30_000, 2)]
    for (const p of photos) await keepPhoto(store, p)
    const chunk = 16 * 1024
    // when the first chunk is in, the clerk records more: they go before the rest of the photo
    let extra = false
    const interrupting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init)
      if (!extra && init?.method === 'PUT' && res.status === 202) {
        extra = true
        await t.data.writer.insert(Array.from({ length: 10 }, (_, i) => ({ kind: 'comment' as const, id: `comment:late${i}`, ref: '', body: { text: `意见 ${i}` } })))
      }
      return res
    }
    const uploads = uploadPhotosAfterRecords(t.sync, { hubUrl: proxy!.url, villageId: 'vthinp', credentials: { device: t.device.id, secret: t.device.secret }, store, chunkBytes: chunk, fetch: interrupting })
    try {
      t.sync.start()
      await eventually(async () => (await store.pending()).length === 0, 90_000, 200)
    } finally { uploads.stop() }

    const puts = seen.filter((s) => s.method === 'PUT')
    const bulks = seen.filter((s) => s.path === '_bulk_docs' && s.accepted.length > 0)
    const firstPut = seen.indexOf(puts[0]!)
    // every record of the day was on the hub before the first photo byte went up
    expect(bulks.filter((b) => seen.indexOf(b) < firstPut).flatMap((b) => b.accepted)).toHaveLength(300)
    // the ten late records went up between two chunks of the first photo
    const late = bulks.find((b) => b.ids.some((id) => id.startsWith('comment:late')))!
    expect(late).toBeDefined()
    expect(seen.indexOf(late)).toBeGreaterThan(firstPut)
    expect(seen.indexOf(late)).toBeLessThan(seen.indexOf(puts.at(-1)!))
    // each photo went up in contiguous chunks, no byte twice
    for (const p of photos) {
      const hash = sha256Hex(p)
      const ranges = puts.filter((s) => s.path === `_blobs/${hash}` && s.status !== 'failed').map((s) => /bytes (\d+)-(\d+)\//.exec(s.range ?? '')!.slice(1).map(Number))
      let next = 0
      for (const [from, to] of ranges) { expect(from).toBe(next); next = to! + 1 }
      expect(next).toBe(p.length)
      const got = await globalThis.fetch(`${hub!.url}/couch/village-vthinp/_blobs/${hash}`, { headers: { authorization: basic(t.device.id, t.device.secret) } })
      expect(sha256Hex(new Uint8Array(await got.arrayBuffer()))).toBe(hash)
    }
  })
})
