/**
 * bench thinlink — a polling day of a 1,500-voter village over thin links, against what each link
 * allows. One tablet records the day offline (1,500 check-offs, 1,500 ballots and an audit event
 * for each: 6,000 records), pushes it through the fault proxy shaped as the link
 * (test/support/proxy.ts `LINKS`: rates up and down, round trip, dropped connections), then a fresh
 * tablet pulls it. The tablets are the real sync code (RxDB, memory storage) in this process.
 *
 * The limit of a direction is what physics allows: the bytes that must cross — the records' JSON,
 * gzipped at level 9 (as well as a standard compressor does it) — over the link's rate, plus one
 * round trip to open a connection and one for the request. The ratio is the measured time over it.
 *
 * Printed per profile and direction: seconds, bytes on the wire (HTTP, as the proxy carried them),
 * the limit, the ratio, how busy the link was (the share of the time its direction carried bytes),
 * and the CPU seconds of the tablet (this process) and of the hub — on a loaded machine the gap
 * between the time and the link's busy time is mostly CPU. Per request kind: count and bytes.
 * Figures (latest.json): thinlink_edge_push_limit_ratio, thinlink_edge_pull_limit_ratio,
 * thinlink_edge_push_s; the other profiles' go to details.json.
 * THINLINK_VOTERS (default 1500) and THINLINK_PROFILES (default edge,gprs,3g-weak) shrink a run.
 * Bounded: a direction gives up after THINLINK_BUDGET_S (default 480) seconds (its figures: null).
 * THINLINK_TRACE=1 prints each request of both tablets as it leaves and ends.
 */
import { gzipSync } from 'node:zlib'
import { startHub, type RunningHub } from '../test/support/hub'
import { LINKS, linkPlan, startFaultProxy, type FaultProxy, type LinkName, type LinkProfile } from '../test/support/proxy'
import { couch, provision } from '../test/sync-server/helpers'
import { openVote } from '../test/data/helpers'
import { cpuSince, descendantsCpu } from '../test/data/browser/cpu'
import { openProofTablet, prng, type ProofTablet } from '../test/proof/tablets'
import type * as D from '../src/domain'

const VOTERS = Number(process.env.THINLINK_VOTERS ?? 1500)
const PROFILES = (process.env.THINLINK_PROFILES ?? 'edge,gprs,3g-weak').split(',').map((s) => s.trim()).filter(Boolean)
const BUDGET_MS = Number(process.env.THINLINK_BUDGET_S ?? 480) * 1000
const TRACE = process.env.THINLINK_TRACE === '1'

/** THINLINK_TRACE=1: each request of a tablet as it leaves and ends (s since start, bytes, answer). */
function tracing(): typeof fetch {
  const t0 = Date.now()
  let n = 0
  return async (input, init = {}) => {
    const id = ++n
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const u = new URL(url)
    const page = u.pathname.endsWith('/_changes') ? ` ${u.searchParams.get('feed') ?? ''} since ${u.searchParams.get('since')?.slice(0, 12)} limit ${u.searchParams.get('limit')}` : ''
    const what = `${init.method ?? 'GET'} ${u.pathname.split('/').pop()}${page}`
    const body = init.body
    const bytes = typeof body === 'string' ? body.length : body instanceof Uint8Array ? body.byteLength : 0
    const at = () => ((Date.now() - t0) / 1000).toFixed(1)
    console.log(`trace ${at()} #${id} → ${what} ${bytes} B`)
    try {
      const res = await fetch(input, init)
      console.log(`trace ${at()} #${id} ← ${res.status} ${res.headers.get('content-length') ?? '?'} B`)
      return res
    } catch (e) {
      console.log(`trace ${at()} #${id} ✗ ${(e as Error).name}: ${(e as Error).message}`)
      throw e
    }
  }
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d

/** Seconds the link needs at the least to carry `bytes` at `kbps`, plus a connection and a request. */
export function limitSeconds(bytes: number, kbps: number, link: LinkProfile): number {
  return (bytes * 8) / (kbps * 1000) + (2 * link.rttMs) / 1000
}

interface Leg { seconds: number | null; up: number; down: number; limit: number; ratio: number | null; busy: number; cpuTablet: number; cpuHub: number }

/** Runs `go` (true = done) and measures it on the proxy. */
async function leg(proxy: FaultProxy, dir: 'push' | 'pull', bytes: number, link: LinkProfile, go: (deadline: number) => Promise<boolean>): Promise<Leg> {
  const s0 = { ...proxy.stats, requests: structuredClone(proxy.stats.requests) }
  const cpu0 = process.cpuUsage(); const hub0 = descendantsCpu()
  const started = performance.now()
  const ok = await go(Date.now() + BUDGET_MS)
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpu0); const hubCpu = cpuSince(hub0).byKind.hub ?? 0
  const requests: Record<string, { count: number; up: number; down: number }> = {}
  for (const [kind, r] of Object.entries(proxy.stats.requests)) {
    const b = s0.requests[kind] ?? { count: 0, up: 0, down: 0 }
    if (r.count > b.count) requests[kind] = { count: r.count - b.count, up: r.up - b.up, down: r.down - b.down }
  }
  console.log(`${link.name} ${dir}: requests by kind`)
  console.table(requests)
  const limit = limitSeconds(bytes, dir === 'push' ? link.upKbps : link.downKbps, link)
  const busyMs = dir === 'push' ? proxy.stats.busyUpMs - s0.busyUpMs : proxy.stats.busyDownMs - s0.busyDownMs
  return {
    seconds: ok ? seconds : null, up: proxy.stats.bytesUp - s0.bytesUp, down: proxy.stats.bytesDown - s0.bytesDown,
    limit, ratio: ok ? seconds / limit : null, busy: busyMs / 1000 / seconds,
    cpuTablet: (cpu.user + cpu.system) / 1e6, cpuHub: hubCpu,
  }
}

/** A tablet that records the day offline; the vote itself was set up online. */
async function recordDay(hub: RunningHub, village: string, hubUrl: string): Promise<ProofTablet> {
  // a tablet of today signs every record (about 90 bytes each that do not compress): they cross too
  const a = await openProofTablet(hub, village, { hubUrl, batchSize: 'auto', heartbeat: 20_000, signed: true, ...(TRACE ? { fetch: tracing() } : {}) })
  const voters = Array.from({ length: VOTERS }, (_, i) => `person:d${i}`)
  const now = Date.now()
  const vote = await a.data.votes.create({ ...openVote(now), roster: voters, closesAt: now + 24 * 3_600_000 }) as unknown as D.Vote
  if (!(await a.sync.syncNow(60_000))) throw new Error('the vote did not reach the hub')
  await a.sync.stop()
  for (const [i, voterId] of voters.entries()) {
    await a.data.recordBallot({ vote, voterId, choices: [i % 3 === 0 ? 'project:water' : 'project:lights'], recordedBy: 'person:clerk' })
    if ((i + 1) % 250 === 0) await a.data.ballotBox.flush() // a kiosk session ends
  }
  await a.data.ballotBox.flush()
  return a
}

async function profile(hub: RunningHub, link: LinkProfile, n: number): Promise<{ push: Leg; pull: Leg }> {
  const village = `vthin${n}`
  await provision(hub, { township: `tthin${n}`, villages: [village] })
  const proxy = await startFaultProxy({ port: hub.port }, { random: prng(n).next })
  const a = await recordDay(hub, village, proxy.url)
  const records = (await a.vdb.docs.find().exec()).filter((d) => d.device === a.device.id && d.seq > a.sync.state.ackedSeq).map((d) => d.toJSON())
  const gz9 = gzipSync(JSON.stringify(records), { level: 9 }).length
  console.log(`${link.name}: ${records.length} records to push, JSON ${JSON.stringify(records).length} B, gzip -9 ${gz9} B`)
  try {
    // the link turns thin: every connection opened before is gone
    proxy.set(linkPlan(link))
    proxy.cutAll()
    const push = await leg(proxy, 'push', gz9, link, async (deadline) => {
      for (let i = 0; i < 100 && Date.now() < deadline; i++) {
        if (await a.sync.syncNow(Math.max(1_000, deadline - Date.now())) && (await a.sync.pendingCount()) === 0) return true
      }
      return false
    })
    console.log(`${link.name} push: the tablet measured up ${a.sync.state.link.upBytesPerS?.toFixed(0)} B/s, ${a.sync.state.link.upBytesPerRecord?.toFixed(0)} B/record, round trip ${a.sync.state.link.rttMs?.toFixed(0)} ms`)
    await a.close()

    const onHub = (await couch(hub, `village-${village}/_all_docs?limit=0`)).body.total_rows as number
    // for reference: the same records as the hub keeps them, with their revision ids (the pull carries those too)
    const stored = (await couch(hub, `village-${village}/_all_docs?include_docs=true`)).body.rows.map((r: { doc: unknown }) => r.doc)
    console.log(`${link.name}: the hub's ${stored.length} records with their revisions: gzip -9 ${gzipSync(JSON.stringify(stored), { level: 9 }).length} B`)
    const b = await openProofTablet(hub, village, { hubUrl: proxy.url, batchSize: 'auto', heartbeat: 20_000, ...(TRACE ? { fetch: tracing() } : {}) })
    try {
      const pull = await leg(proxy, 'pull', gz9, link, async (deadline) => {
        for (let i = 0; i < 100 && Date.now() < deadline; i++) {
          if (await b.sync.syncNow(Math.max(1_000, deadline - Date.now())) && (await b.vdb.docs.count().exec()) >= onHub) return true
        }
        return false
      })
      console.log(`${link.name} pull: the tablet measured down ${b.sync.state.link.downBytesPerS?.toFixed(0)} B/s, ${b.sync.state.link.downBytesPerRecord?.toFixed(0)} B/record`)
      return { push, pull }
    } finally { await b.close() }
  } finally { await proxy.close() }
}

export async function run(): Promise<Record<string, number | null>> {
  const hub = await startHub({ LOG_LEVEL: 'error' })
  const figures: Record<string, number | null> = {}
  const rows: Record<string, Record<string, string | number | null>> = {}
  try {
    for (const [n, name] of PROFILES.entries()) {
      const link = LINKS[name as LinkName] as LinkProfile | undefined
      if (!link) throw new Error(`unknown link profile ${name}: one of ${Object.keys(LINKS).join(', ')}`)
      const { push, pull } = await profile(hub, link, n)
      for (const [dir, l] of [['push', push], ['pull', pull]] as const) {
        rows[`${name} ${dir}`] = {
          seconds: l.seconds === null ? null : round(l.seconds, 1), 'bytes up': l.up, 'bytes down': l.down, 'limit s': round(l.limit, 1),
          ratio: l.ratio === null ? null : round(l.ratio), 'link busy': `${Math.round(l.busy * 100)} %`, 'cpu tablet s': round(l.cpuTablet, 1), 'cpu hub s': round(l.cpuHub, 1),
        }
        const key = `thinlink_${name.replace(/-/g, '_')}_${dir}`
        figures[`${key}_limit_ratio`] = l.ratio === null ? null : round(l.ratio)
        figures[`${key}_s`] = l.seconds === null ? null : round(l.seconds, 1)
      }
    }
    console.log(`a polling day of ${VOTERS} voters (${VOTERS * 4} records) per link: pushed by one tablet, then pulled by a fresh one`)
    console.table(rows)
    return figures
  } finally {
    await hub.stop({ removeData: true })
  }
}
