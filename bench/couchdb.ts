/**
 * bench couchdb — the hub with Apache CouchDB as its engine, against the same CouchDB spoken to
 * directly, and a district's load. Needs a CouchDB: BENCH_COUCHDB_URL (or COUCHDB_TEST_URL),
 * admin credentials in the URL (an Apache CouchDB 3.4 of your own); without one every
 * figure is null and the reason is printed.
 * - couchdb_push_ratio / couchdb_pull_ratio: RxDB's CouchDB plugin in Node moving 10,000
 *   documents (push, then a fresh tablet pulls) through a hub on that CouchDB ÷ straight to it,
 *   the same client in the same run (medians of BENCH_COUCHDB_RUNS, default 3, alternated);
 *   details: wire bytes (both ways, through a counting proxy) ÷ the documents' JSON, for the
 *   plugin as it is (plain request bodies) and for the plugin behind the tablets' own wire layer
 *   (src/data/wire.ts: gzipped request bodies), each against the hub and CouchDB direct;
 * - couchdb_longpoll_wake_p95_during_burst_ms (details): bench/burst.ts on a hub on CouchDB;
 * - district_*: bench/district.ts, on CouchDB and on the embedded engine.
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { startHub } from '../test/support/hub'
import { startFaultProxy } from '../test/support/proxy'
import { provision } from '../test/sync-server/helpers'
import { doc, load, ourHub, rxdb10k, within } from './hub'
import { thinLinkFetch } from '../src/data/wire'
import { LinkMeter } from '../src/data/link'
import { district, districtFigures } from './district'

const RUNS = Math.max(1, Math.min(9, Number(process.env.BENCH_COUCHDB_RUNS ?? 3)))
const DOCS = 10_000

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN }
const load1 = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')

export function couchdbUrl(): string | null {
  return process.env.BENCH_COUCHDB_URL?.trim() || process.env.COUCHDB_TEST_URL?.trim() || null
}

export async function couchAdmin(url: string, method: string, path: string, body?: unknown): Promise<Response> {
  const u = new URL(url)
  const auth = 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')
  u.username = ''; u.password = ''
  return fetch(`${u.toString().replace(/\/$/, '')}/${path}`, {
    method, headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
  })
}

/** Deletes every database of a bench prefix. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const dbs = await (await couchAdmin(url, 'GET', '_all_dbs')).json() as string[]
  for (const db of dbs.filter((d) => d.startsWith(prefix))) await couchAdmin(url, 'DELETE', encodeURIComponent(db))
}

interface Moved { push: number; pull: number; pushBytes: number; pullBytes: number; cpu: Record<'push' | 'pull', Record<string, number>> }

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch { return NaN }
}

/** The Erlang VM of the CouchDB listening on `port` on this machine (its node is named after the port), if any. */
export function couchPid(port: number): number | null {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (cmd.includes('beam') && cmd.includes(`couchdb-${port}@`)) return Number(pid)
    } catch { /* gone */ }
  }
  return null
}

type Client = 'plugin' | 'tablet'
/** The tablets' own wire layer around the plugin's fetch: request bodies gzipped (src/data/wire.ts). */
const tabletWire = (f: typeof fetch) => thinLinkFetch(f, new LinkMeter())

/** 10k documents through a counting proxy in front of `port`; `base` is the database URL's path on it. */
async function through(port: number, path: string, user: string, password: string, device: string, pids: Record<string, number | null>, client: Client): Promise<Moved> {
  const proxy = await startFaultProxy({ port })
  try {
    const marks: Record<string, number> = {}
    const cpu: Record<string, Record<string, number>> = {}
    const sample = () => Object.fromEntries(Object.entries({ ...pids, client: process.pid }).flatMap(([k, pid]) => (pid ? [[k, cpuSeconds(pid)]] : [])))
    const mark = (phase: 'push' | 'pushed' | 'pull' | 'end') => { marks[phase] = proxy.stats.bytesUp + proxy.stats.bytesDown; cpu[phase] = sample() }
    const r = await within(300_000, 'RxDB 10k', rxdb10k(`${proxy.url}${path}`, user, password, device, mark, client === 'tablet' ? tabletWire : undefined))
    const used = (a: string, b: string) => Object.fromEntries(Object.keys(cpu[a]!).map((k) => [k, round(cpu[b]![k]! - cpu[a]![k]!)]))
    return { ...r, pushBytes: marks.pushed! - marks.push!, pullBytes: marks.end! - marks.pull!, cpu: { push: used('push', 'pushed'), pull: used('pull', 'end') } }
  } finally {
    await proxy.close()
  }
}

/** One run of each: the client straight to CouchDB, then through a fresh hub on it. */
async function runBoth(url: string, client: Client): Promise<{ direct: Moved; hub: Moved }> {
  const couchPort = Number(new URL(url).port || 5984)
  const { username, password } = new URL(url)
  const db = `bench_direct_${randomBytes(4).toString('hex')}`
  await couchAdmin(url, 'PUT', db)
  let direct: Moved
  try {
    direct = await through(couchPort, `/${db}/`, decodeURIComponent(username), decodeURIComponent(password), 'dev-bench', { couchdb: couchPid(couchPort) }, client)
  } finally { await couchAdmin(url, 'DELETE', db) }
  const prefix = `bench${randomBytes(3).toString('hex')}_`
  const h = await startHub({ LOG_LEVEL: 'error', COUCHDB_URL: url, COUCHDB_PREFIX: prefix })
  try {
    const p = await provision(h, { township: 'bench', villages: ['bv0'] })
    const dev = p.devices[0]!
    return { direct, hub: await through(h.port, '/couch/village-bv0/', dev.id, dev.secret, dev.id, { couchdb: couchPid(couchPort), hub: h.process.pid ?? null }, client) }
  } finally {
    await h.stop({ removeData: true })
    await dropPrefix(url, prefix)
  }
}

async function ratios(url: string): Promise<Record<string, number | null>> {
  const json = Array.from({ length: DOCS }, (_, i) => JSON.stringify(doc('bv0', 'dev-bench', 100_000 + i))).reduce((n, s) => n + Buffer.byteLength(s), 0)
  const runs: Record<Client, { direct: Moved[]; hub: Moved[] }> = { plugin: { direct: [], hub: [] }, tablet: { direct: [], hub: [] } }
  for (let run = 0; run < RUNS; run++) {
    for (const client of ['plugin', 'tablet'] as const) {
      const { direct: d, hub: m } = await runBoth(url, client)
      runs[client].direct.push(d)
      runs[client].hub.push(m)
      console.log(`run ${run + 1}, ${client}: direct push ${d.push.toFixed(2)} s pull ${d.pull.toFixed(2)} s; hub push ${m.push.toFixed(2)} s pull ${m.pull.toFixed(2)} s; load ${load1()}`)
      console.log(`  CPU s direct: push ${JSON.stringify(d.cpu.push)} pull ${JSON.stringify(d.cpu.pull)}; hub: push ${JSON.stringify(m.cpu.push)} pull ${JSON.stringify(m.cpu.pull)}`)
    }
  }
  const med = (xs: Moved[], k: Exclude<keyof Moved, 'cpu'>) => median(xs.map((x) => x[k]))
  const { direct, hub } = runs.plugin
  const tablet = runs.tablet
  const figures = {
    couchdb_push_ratio: round(med(hub, 'push') / med(direct, 'push')),
    couchdb_pull_ratio: round(med(hub, 'pull') / med(direct, 'pull')),
    couchdb_direct_push_10k_s: round(med(direct, 'push')),
    couchdb_direct_pull_10k_s: round(med(direct, 'pull')),
    couchdb_hub_push_10k_s: round(med(hub, 'push')),
    couchdb_hub_pull_10k_s: round(med(hub, 'pull')),
    couchdb_direct_wire_ratio: round((med(direct, 'pushBytes') + med(direct, 'pullBytes')) / json),
    couchdb_hub_wire_ratio: round((med(hub, 'pushBytes') + med(hub, 'pullBytes')) / json),
    couchdb_direct_wire_push_mb: round(med(direct, 'pushBytes') / 1e6), couchdb_direct_wire_pull_mb: round(med(direct, 'pullBytes') / 1e6),
    couchdb_hub_wire_push_mb: round(med(hub, 'pushBytes') / 1e6), couchdb_hub_wire_pull_mb: round(med(hub, 'pullBytes') / 1e6),
    // the same plugin behind the tablets' wire layer (gzipped request bodies)
    couchdb_tablet_push_ratio: round(med(tablet.hub, 'push') / med(tablet.direct, 'push')),
    couchdb_tablet_pull_ratio: round(med(tablet.hub, 'pull') / med(tablet.direct, 'pull')),
    couchdb_direct_wire_ratio_tablet: round((med(tablet.direct, 'pushBytes') + med(tablet.direct, 'pullBytes')) / json),
    couchdb_hub_wire_ratio_tablet: round((med(tablet.hub, 'pushBytes') + med(tablet.hub, 'pullBytes')) / json),
    couchdb_direct_wire_push_mb_tablet: round(med(tablet.direct, 'pushBytes') / 1e6), couchdb_direct_wire_pull_mb_tablet: round(med(tablet.direct, 'pullBytes') / 1e6),
    couchdb_hub_wire_push_mb_tablet: round(med(tablet.hub, 'pushBytes') / 1e6), couchdb_hub_wire_pull_mb_tablet: round(med(tablet.hub, 'pullBytes') / 1e6),
  }
  console.log(`\nRxDB's CouchDB plugin in Node, ${DOCS} documents (${(json / 1e6).toFixed(2)} MB of JSON), medians of ${RUNS}`)
  console.log(`${''.padEnd(34)}${'push s'.padStart(8)}${'pull s'.padStart(8)}${'up MB'.padStart(8)}${'down MB'.padStart(9)}${'wire ÷ JSON'.padStart(13)}`)
  for (const [client, label] of [['plugin', 'plugin as is'], ['tablet', 'plugin + tablet wire layer']] as const) {
    for (const [side, xs] of [['CouchDB direct', runs[client].direct], ['hub on CouchDB', runs[client].hub]] as const) {
      const wire = (med(xs, 'pushBytes') + med(xs, 'pullBytes')) / json
      console.log(`${`${side}, ${label}`.padEnd(34)}${med(xs, 'push').toFixed(2).padStart(8)}${med(xs, 'pull').toFixed(2).padStart(8)}${(med(xs, 'pushBytes') / 1e6).toFixed(2).padStart(8)}${(med(xs, 'pullBytes') / 1e6).toFixed(2).padStart(9)}${wire.toFixed(2).padStart(13)}`)
    }
  }
  console.log(`ratio hub ÷ direct: push ${figures.couchdb_push_ratio}, pull ${figures.couchdb_pull_ratio} (plugin as is); push ${figures.couchdb_tablet_push_ratio}, pull ${figures.couchdb_tablet_pull_ratio} (tablet wire layer)`)
  return figures
}

export async function run(): Promise<Record<string, number | null>> {
  const url = couchdbUrl()
  const none = { couchdb_push_ratio: null, couchdb_pull_ratio: null, district_push_p95_ms: null, district_hub_rss_mb: null }
  if (!url) {
    console.log('couchdb: not run — no CouchDB named (set BENCH_COUCHDB_URL or COUCHDB_TEST_URL to http://admin:PASSWORD@HOST:PORT, e.g. an Apache CouchDB 3.4 of your own on 127.0.0.1:5984)')
    return none
  }
  const only = (process.env.BENCH_COUCHDB_ONLY ?? 'ratios,burst,district').split(',')
  let figures: Record<string, number | null> = { ...none }
  if (only.includes('ratios')) figures = { ...figures, ...await ratios(url) }
  if (only.includes('burst')) {
    const prefix = `burst${randomBytes(3).toString('hex')}_`
    const ours = await ourHub({ COUCHDB_URL: url, COUCHDB_PREFIX: prefix })
    try {
      const r = await within(600_000, 'burst on CouchDB', load(ours.target))
      console.log(`hub on CouchDB, 200 tablets waiting while 20 push: push p95 ${round(r.p95, 1)} ms; waiting tablets heard of writes p50 ${round(r.wakeP50, 1)} p95 ${round(r.wakeP95, 1)} ms (${r.wakeSamples} samples, ${r.unanswered} unanswered); load ${load1()}`)
      figures.couchdb_longpoll_wake_p95_during_burst_ms = round(r.wakeP95, 1)
      figures.couchdb_hub_push_p95_ms = round(r.p95, 1)
    } finally {
      await ours.target.stop()
      await dropPrefix(url, prefix)
    }
  }
  if (only.includes('district')) {
    const prefix = `district${randomBytes(3).toString('hex')}_`
    try {
      const r = await district({ COUCHDB_URL: url, COUCHDB_PREFIX: prefix }, 'hub on CouchDB')
      Object.assign(figures, districtFigures('district_', r), { district_push_p95_ms: round(r.load.p95, 1), district_hub_rss_mb: round(r.load.rss, 1) })
    } finally {
      await dropPrefix(url, prefix)
    }
    Object.assign(figures, districtFigures('district_embedded_', await district({}, 'embedded engine')))
  }
  return figures
}

if (process.argv[1]?.endsWith('couchdb.ts')) {
  run().then((r) => { console.log(JSON.stringify(r)); process.exit(0) }).catch((e: unknown) => { console.error(e); process.exit(1) })
}
