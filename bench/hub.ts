/**
 * bench hub — the sync server under a township's load, against express-pouchdb in the same run:
 * 200 simulated tablets hold live long-polls (heartbeat=60000, re-polling after each answer as
 * RxDB does) across 10 village databases while 20 of them push batches of 100 documents the
 * way RxDB's CouchDB plugin does (POST _all_docs keys, then POST _bulk_docs).
 * - hub_push_p95_ms: p95 of one push (both requests), ms;
 * - hub_docs_per_s: documents landed per second over the whole push phase;
 * - hub_rss_mb: the hub process's peak resident memory, MB (sampled from /proc);
 * - hub_vs_express_pouchdb_docs_per_s_ratio: hub docs/s over express-pouchdb docs/s.
 * Details: p50, long-polls held, and RxDB's plugin moving 10,000 documents (push, then a fresh
 * pull) against both servers. Reference (this machine, Apache CouchDB 3.4.3): push ~2.4 s,
 * pull ~1.2–1.3 s; express-pouchdb push 2.4 s, pull 2.5 s.
 */
import { readFileSync } from 'node:fs'
import { startHub, type RunningHub } from '../test/support/hub'
import { startExpressPouch } from '../test/sync-server/express-pouchdb'
import { basic, provision, type Provisioned } from '../test/sync-server/helpers'
import { rxTablet } from '../test/sync-server/rxdb'
import type { YishiDoc } from '../src/shared/schemas/index'

const VILLAGES = 10
const TABLETS = 200
const PUSHERS = 20
const BATCHES = 10
const BATCH = 100
const RX_DOCS = 10_000
/** Set when a phase timed out: its pollers stop instead of retrying a stopped server. */
let abandoned = false

/** Every phase is bounded: a server that stalls (express-pouchdb does, under load) must not hang the bench. */
export function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms) })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN }
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d

export interface Target {
  name: string
  url: string
  pid: number
  /** Authorization header for tablet n of village v (none for express-pouchdb). */
  auth: (v: number, n: number) => Record<string, string>
  device: (v: number, n: number) => string
  stop: () => Promise<void>
}

export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
    return kb / 1024
  } catch { return NaN }
}

export function doc(village: string, device: string, i: number): YishiDoc & { _id: string } {
  return {
    _id: `comment:b${i}-${device}`, kind: 'comment', v: 1, village, year: 2026, author: 'person:p1', device,
    deviceTime: 1_790_000_000_000 + i, seq: i + 1, ref: '', body: { on: '', text: `第 ${i} 条意见：路灯修好了吗？` },
  } as unknown as YishiDoc & { _id: string }
}

export async function ourHub(env: Record<string, string> = {}): Promise<{ target: Target; hub: RunningHub; p: Provisioned[] }> {
  const hub = await startHub({ LOG_LEVEL: 'error', ...env })
  const villages = Array.from({ length: VILLAGES }, (_, v) => `bv${v}`)
  const p = [await provision(hub, { township: 'bench', villages })]
  // more devices per village: 20 tablets each
  const perVillage = TABLETS / VILLAGES
  const devices: { id: string; secret: string }[][] = villages.map(() => [])
  const admin = basic('admin', 'admin-test-password')
  for (let v = 0; v < VILLAGES; v++) {
    for (let n = 0; n < perVillage; n++) {
      const e = await (await fetch(`${hub.url}/couch/_hub/enrollments`, { method: 'POST', headers: { authorization: admin, 'content-type': 'application/json' }, body: JSON.stringify({ village: villages[v] }) })).json() as { code: string }
      const d = await (await fetch(`${hub.url}/couch/_hub/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: e.code }) })).json() as { device: string; secret: string }
      devices[v]!.push({ id: d.device, secret: d.secret })
    }
  }
  return {
    hub, p,
    target: {
      name: 'yishi hub', url: `${hub.url}/couch`, pid: hub.process.pid ?? 0,
      auth: (v, n) => ({ authorization: basic(devices[v]![n]!.id, devices[v]![n]!.secret) }),
      device: (v, n) => devices[v]![n]!.id,
      stop: () => hub.stop({ removeData: true }),
    },
  }
}

/** express-pouchdb in its own process, no auth (test/sync-server/express-pouchdb.ts). */
async function expressPouch(): Promise<Target> {
  const ex = await startExpressPouch()
  for (let v = 0; v < VILLAGES; v++) await fetch(`${ex.url}/village-bv${v}`, { method: 'PUT' })
  return { name: 'express-pouchdb', url: ex.url, pid: ex.pid, auth: () => ({}), device: (v, n) => `dev-x${v}-${n}`, stop: ex.stop }
}

/**
 * How long waiting tablets take to hear of writes: for each write (its `_bulk_docs` answered at W)
 * and each long-poll of that village that was waiting at W, the time from W to that poll's answer.
 * A poll still unanswered when the bench stops counts with the time it had waited.
 */
export function wakeLatencies(writes: Map<number, number[]>, polls: Map<number, { start: number; end: number | null }[]>, stoppedAt: number): number[] {
  const out: number[] = []
  for (const [v, times] of writes) {
    for (const p of polls.get(v) ?? []) {
      for (const w of times) if (p.start <= w && (p.end === null || p.end >= w)) out.push((p.end ?? stoppedAt) - w)
    }
  }
  return out
}

export interface LoadResult { p50: number; p95: number; docsPerS: number; rss: number; polls: number; errors: number; wakeP50: number; wakeP95: number; wakeSamples: number; unanswered: number; hubCpuS: number; clientCpuS: number; seconds: number }

/** 200 live long-polls + 20 pushers. Returns push latencies, docs/s, peak RSS, and how fast waiting polls heard of writes. */
export async function load(t: Target, shape = { villages: VILLAGES, tablets: TABLETS, pushers: PUSHERS, batches: BATCHES }): Promise<LoadResult> {
  const perVillage = Math.ceil(shape.tablets / shape.villages)
  let stopping = false
  let polls = 0
  let errors = 0
  const controllers: AbortController[] = []
  const intervals = new Map<number, { start: number; end: number | null }[]>()
  const writes = new Map<number, number[]>()
  const poller = async (v: number, n: number) => {
    const ac = new AbortController()
    controllers.push(ac)
    const mine = intervals.get(v) ?? []
    intervals.set(v, mine)
    // where the feed is now (a long-poll from `now` would wait past a write that landed while it was on its way)
    let since: unknown
    for (let tries = 0; since === undefined && tries < 20 && !stopping; tries++) {
      try {
        const res = await fetch(`${t.url}/village-bv${v}/_changes?since=now&limit=1`, { headers: t.auth(v, n), signal: ac.signal })
        since = ((await res.json()) as { last_seq?: unknown }).last_seq
      } catch { await new Promise((r) => setTimeout(r, 100)) }
    }
    while (!stopping && !abandoned) {
      const interval = { start: performance.now(), end: null as number | null }
      mine.push(interval)
      try {
        const res = await fetch(`${t.url}/village-bv${v}/_changes?style=all_docs&feed=longpoll&include_docs=true&heartbeat=60000&limit=${BATCH}&since=${since}`, { headers: t.auth(v, n), signal: ac.signal })
        const body = JSON.parse((await res.text()).trim() || '{}') as { last_seq?: unknown; results?: unknown[] }
        interval.end = performance.now()
        if (body.last_seq !== undefined) since = body.last_seq
        polls++
      } catch {
        if (stopping) return
        mine.splice(mine.indexOf(interval), 1)
        errors++
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }
  const pollers = Array.from({ length: shape.tablets }, (_, i) => poller(i % shape.villages, Math.floor(i / shape.villages) % perVillage))
  await new Promise((r) => setTimeout(r, 1500)) // let every long-poll settle
  let peak = rssMb(t.pid)
  const sampler = setInterval(() => { peak = Math.max(peak, rssMb(t.pid)) }, 100)

  const latencies: number[] = []
  const t0 = performance.now()
  const cpu0 = [cpuSeconds(t.pid), cpuSeconds(process.pid)]
  await Promise.all(Array.from({ length: shape.pushers }, async (_, k) => {
    const v = k % shape.villages
    const n = Math.floor(k / shape.villages)
    const device = t.device(v, n)
    const headers = { ...t.auth(v, n), 'content-type': 'application/json' }
    for (let b = 0; b < shape.batches; b++) {
      const docs = Array.from({ length: BATCH }, (_, i) => doc(`bv${v}`, device, b * BATCH + i))
      const s = performance.now()
      const keys = await fetch(`${t.url}/village-bv${v}/_all_docs`, { method: 'POST', headers, body: JSON.stringify({ keys: docs.map((d) => d._id), include_docs: true, deleted: 'ok' }) })
      await keys.text()
      const res = await fetch(`${t.url}/village-bv${v}/_bulk_docs`, { method: 'POST', headers, body: JSON.stringify({ docs }) })
      const rows = await res.json() as { ok?: boolean }[]
      const done = performance.now()
      latencies.push(done - s)
      const w = writes.get(v) ?? []
      w.push(done)
      writes.set(v, w)
      if (!Array.isArray(rows) || rows.some((r) => !r.ok)) errors++
    }
  }))
  const seconds = (performance.now() - t0) / 1000
  const cpu1 = [cpuSeconds(t.pid), cpuSeconds(process.pid)]
  clearInterval(sampler)
  peak = Math.max(peak, rssMb(t.pid))
  // Let the waiting polls hear of the last writes (at most 5 s), then stop them.
  const heard = () => [...intervals].every(([v, ps]) => ps.every((p) => p.start > Math.max(...(writes.get(v) ?? [-Infinity])) || p.end !== null))
  for (let i = 0; i < 50 && !heard(); i++) await new Promise((r) => setTimeout(r, 100))
  stopping = true
  const stoppedAt = performance.now()
  for (const c of controllers) c.abort()
  await Promise.allSettled(pollers)
  const wake = wakeLatencies(writes, intervals, stoppedAt)
  const lastOf = (v: number) => Math.max(...(writes.get(v) ?? [-Infinity]))
  const unanswered = [...intervals].flatMap(([v, ps]) => ps.filter((p) => p.end === null && p.start <= lastOf(v))).length
  return { p50: q(latencies, 0.5), p95: q(latencies, 0.95), docsPerS: (shape.pushers * shape.batches * BATCH) / seconds, rss: peak, polls, errors, wakeP50: q(wake, 0.5), wakeP95: q(wake, 0.95), wakeSamples: wake.length, unanswered, hubCpuS: cpu1[0]! - cpu0[0]!, clientCpuS: cpu1[1]! - cpu0[1]!, seconds }
}

/** RxDB's own plugin: one tablet pushes 10,000 documents, then a fresh one pulls them. */
export async function rxdb10k(url: string, user: string, password: string, device: string, at?: (phase: 'push' | 'pushed' | 'pull' | 'end') => void, wire?: (f: typeof fetch) => typeof fetch): Promise<{ push: number; pull: number }> {
  const docs = Array.from({ length: RX_DOCS }, (_, i) => {
    const { _id, ...rest } = doc('bv0', device, 100_000 + i)
    return { ...rest, id: _id } as YishiDoc
  })
  const a = await rxTablet(url, user, password, { live: false, batchSize: 200, ...(wire ? { wire } : {}) })
  await a.docs.bulkInsert(docs)
  at?.('push')
  let t0 = performance.now()
  a.sync.reSync()
  await a.sync.awaitInSync()
  const push = (performance.now() - t0) / 1000
  at?.('pushed')
  await a.close()
  const b = await rxTablet(url, user, password, { live: false, batchSize: 200, ...(wire ? { wire } : {}) })
  at?.('pull')
  t0 = performance.now()
  await b.sync.awaitInitialReplication()
  const pull = (performance.now() - t0) / 1000
  at?.('end')
  const count = await b.docs.count().exec()
  await b.close()
  if (count < RX_DOCS) throw new Error(`pulled ${count} of ${RX_DOCS}`)
  return { push, pull }
}

export async function run(): Promise<Record<string, number | null>> {
  const ours = await ourHub()
  let mine
  let rxMine
  try {
    mine = await within(180_000, 'hub load', load(ours.target))
    console.log(`yishi hub: push p50 ${round(mine.p50)} ms, p95 ${round(mine.p95)} ms, ${Math.round(mine.docsPerS)} docs/s, peak RSS ${round(mine.rss)} MB; waiting tablets heard of writes in p50 ${round(mine.wakeP50)} ms, p95 ${round(mine.wakeP95)} ms (${mine.wakeSamples} samples, ${mine.unanswered} polls unanswered)`)
    const dev = ours.p[0]!.devices[0]!
    rxMine = await within(180_000, 'hub RxDB 10k', rxdb10k(`${ours.target.url}/village-bv0/`, dev.id, dev.secret, dev.id))
  } finally {
    await ours.target.stop()
  }

  let theirs: LoadResult | null = null
  let rxTheirs: { push: number; pull: number } | null = null
  let why = ''
  try {
    const ex = await expressPouch()
    try {
      theirs = await within(180_000, 'express-pouchdb load', load(ex))
      rxTheirs = await within(120_000, 'express-pouchdb RxDB 10k', rxdb10k(`${ex.url}/village-bv0/`, 'x', 'x', 'dev-x0-0')).catch((e: Error) => { why = e.message; return null })
    } finally { await ex.stop() }
  } catch (e) {
    abandoned = true
    why = (e as Error).message
  }

  const rows: [string, string, string][] = [
    ['push p50 (ms)', String(round(mine.p50)), theirs ? String(round(theirs.p50)) : '-'],
    ['push p95 (ms)', String(round(mine.p95)), theirs ? String(round(theirs.p95)) : '-'],
    ['documents/s', String(Math.round(mine.docsPerS)), theirs ? String(Math.round(theirs.docsPerS)) : '-'],
    ['peak RSS (MB)', String(round(mine.rss)), theirs ? String(round(theirs.rss)) : '-'],
    ['long-poll answers', String(mine.polls), theirs ? String(theirs.polls) : '-'],
    ['wake p95 (ms)', String(round(mine.wakeP95)), theirs ? String(round(theirs.wakeP95)) : '-'],
    ['errors', String(mine.errors), theirs ? String(theirs.errors) : '-'],
    ['RxDB push 10k (s)', String(round(rxMine.push, 2)), rxTheirs ? String(round(rxTheirs.push, 2)) : '-'],
    ['RxDB pull 10k (s)', String(round(rxMine.pull, 2)), rxTheirs ? String(round(rxTheirs.pull, 2)) : '-'],
  ]
  console.log(`\nhub: ${TABLETS} long-polling tablets, ${PUSHERS} pushing ${BATCHES}×${BATCH} documents`)
  console.log(`${'figure'.padEnd(22)}${'yishi hub'.padStart(12)}${'express-pouchdb'.padStart(18)}`)
  for (const [k, a, b] of rows) console.log(`${k.padEnd(22)}${a.padStart(12)}${b.padStart(18)}`)
  if (why) console.log(`express-pouchdb could not run: ${why}`)

  return {
    hub_push_p95_ms: round(mine.p95),
    hub_docs_per_s: Math.round(mine.docsPerS),
    hub_rss_mb: round(mine.rss),
    hub_vs_express_pouchdb_docs_per_s_ratio: theirs ? round(mine.docsPerS / theirs.docsPerS, 2) : null,
    hub_push_p50_ms: round(mine.p50),
    longpoll_wake_p95_during_burst_ms: round(mine.wakeP95),
    longpoll_wake_p50_during_burst_ms: round(mine.wakeP50),
    hub_rxdb_push_10k_s: round(rxMine.push, 2),
    hub_rxdb_pull_10k_s: round(rxMine.pull, 2),
    express_pouchdb_rxdb_push_10k_s: rxTheirs ? round(rxTheirs.push, 2) : null,
    express_pouchdb_rxdb_pull_10k_s: rxTheirs ? round(rxTheirs.pull, 2) : null,
  }
}

/** CPU seconds (user + system) the process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch { return NaN }
}

/**
 * Only RxDB's plugin moving 10,000 documents through a fresh hub, RUNS times (default 3):
 * `HUB_RX_ONLY=1 npx tsx bench/hub.ts`. Prints wall seconds and the hub's CPU seconds per phase.
 */
async function rxOnly(): Promise<void> {
  const runs = Math.min(10, Number(process.env.RUNS ?? 3))
  for (let i = 0; i < runs; i++) {
    const prof = process.env.HUBPROF // a folder: the hub's CPU profile (test/data/browser/hub-profiler.mjs)
    const hub = await startHub({ LOG_LEVEL: 'error', ...(prof ? { NODE_OPTIONS: `--import ${new URL('../test/data/browser/hub-profiler.mjs', import.meta.url).pathname}`, HUB_PROFILE_DIR: prof } : {}) })
    try {
      const p = await provision(hub, { township: 'bench', villages: ['bv0'] })
      const dev = p.devices[0]!
      const pid = hub.process.pid ?? 0
      const cpu: Record<string, [number, number]> = {}
      const r = await within(180_000, 'hub RxDB 10k', rxdb10k(`${hub.url}/couch/village-bv0/`, dev.id, dev.secret, dev.id, (phase) => { cpu[phase] = [cpuSeconds(pid), cpuSeconds(process.pid)] }))
      const d = (a: string, b: string, k: 0 | 1) => (cpu[b]![k] - cpu[a]![k]).toFixed(2)
      console.log(`run ${i + 1}: push ${r.push.toFixed(2)} s, pull ${r.pull.toFixed(2)} s; CPU s push: hub ${d('push', 'pushed', 0)}, RxDB client ${d('push', 'pushed', 1)}; pull: hub ${d('pull', 'end', 0)}, client ${d('pull', 'end', 1)}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
    } finally {
      await hub.stop({ removeData: true })
    }
  }
}

/** Only the load phase on a fresh hub, RUNS times: `HUB_LOAD_ONLY=1 npx tsx bench/hub.ts` (extra hub env: HUB_LOAD_ENV='{"COUCHDB_URL":…}'). */
async function loadOnly(): Promise<void> {
  const runs = Math.min(10, Number(process.env.RUNS ?? 1))
  for (let i = 0; i < runs; i++) {
    const ours = await ourHub(JSON.parse(process.env.HUB_LOAD_ENV ?? '{}') as Record<string, string>)
    try {
      const r = await within(180_000, 'hub load', load(ours.target))
      console.log(`run ${i + 1}: push p50 ${round(r.p50)} p95 ${round(r.p95)} ms, ${Math.round(r.docsPerS)} docs/s; wake p50 ${round(r.wakeP50)} p95 ${round(r.wakeP95)} ms (${r.wakeSamples} samples, ${r.unanswered} unanswered, ${r.polls} answers, ${r.errors} errors); RSS ${round(r.rss)} MB; burst ${round(r.seconds, 2)} s, CPU s hub ${round(r.hubCpuS, 2)} client ${round(r.clientCpuS, 2)}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
    } finally {
      await ours.target.stop()
    }
  }
}

if (process.argv[1]?.endsWith('hub.ts') && process.env.HUB_LOAD_ONLY) {
  loadOnly().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1) })
} else if (process.argv[1]?.endsWith('hub.ts') && process.env.HUB_RX_ONLY) {
  rxOnly().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1) })
} else if (process.argv[1]?.endsWith('hub.ts')) {
  run().then((r) => { console.log(JSON.stringify(r)); process.exit(0) }).catch((e: unknown) => { console.error(e); process.exit(1) })
}
