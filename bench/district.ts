/**
 * A district on one hub: DISTRICT_VILLAGES villages (default 300, in townships of 30) with a year
 * of council data each (bench/township-data.ts's generator), DISTRICT_TABLETS tablets (default
 * 1,000) holding live long-polls while DISTRICT_PUSHERS (default 50) push 10 batches of 100
 * documents each: push p95, how fast waiting tablets hear of writes, the hub's peak RSS, and how
 * long a township's staff waits for its summary. Run by bench/couchdb.ts on Apache CouchDB and on
 * the embedded engine; `npx tsx bench/district.ts` runs the embedded one alone.
 */
import { startHub } from '../test/support/hub'
import { basic } from '../test/sync-server/helpers'
import { generateVillage } from './township-data'
import { load, rssMb, within, type LoadResult, type Target } from './hub'

const VILLAGES = Number(process.env.DISTRICT_VILLAGES ?? 300)
const TABLETS = Number(process.env.DISTRICT_TABLETS ?? 1000)
const PUSHERS = Number(process.env.DISTRICT_PUSHERS ?? 50)
const PER_TOWNSHIP = 30

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d

export interface DistrictResult { load: LoadResult; seedS: number; docs: number; summaryMs: number; summaryColdMs: number; idleRss: number }

export async function district(env: Record<string, string>, label: string): Promise<DistrictResult> {
  const hub = await startHub({ LOG_LEVEL: 'error', ...env }, { timeoutMs: 120_000 })
  const admin = basic('admin', 'admin-test-password')
  const post = async (path: string, body: unknown, auth = admin) => {
    const res = await fetch(`${hub.url}${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
    return res.json() as Promise<Record<string, unknown>>
  }
  try {
    const perVillage = Math.ceil(TABLETS / VILLAGES)
    const devices: { id: string; secret: string }[][] = []
    const t0 = performance.now()
    let docs = 0
    for (let t = 0; t * PER_TOWNSHIP < VILLAGES; t++) {
      await post('/couch/_hub/townships', { id: `dt${t}`, name: `第${t + 1}镇` })
      await post('/couch/_hub/users', { name: `dt${t}-staff`, password: 'district-staff-1', role: 'township', township: `dt${t}` })
    }
    for (let v = 0; v < VILLAGES; v++) {
      const id = `bv${v}`
      await post('/couch/_hub/villages', { id, township: `dt${Math.floor(v / PER_TOWNSHIP)}`, name: `第${v + 1}村` })
      const year = generateVillage({ villageId: id, townshipId: `dt${Math.floor(v / PER_TOWNSHIP)}`, name: `第${v + 1}村`, year: 2026, seed: 7000 + v })
      for (let i = 0; i < year.docs.length; i += 1000) await post(`/couch/village-${id}/_bulk_docs`, { docs: year.docs.slice(i, i + 1000) })
      docs += year.docs.length
      const mine: { id: string; secret: string }[] = []
      for (let n = 0; n < perVillage; n++) {
        const e = await post('/couch/_hub/enrollments', { village: id })
        const d = await post('/couch/_hub/enroll', { code: e.code }, '')
        mine.push({ id: String(d.device), secret: String(d.secret) })
      }
      devices.push(mine)
      if (v % 50 === 49) console.log(`${label}: ${v + 1} villages, ${docs} documents seeded (${round((performance.now() - t0) / 1000)} s)`)
    }
    const seedS = (performance.now() - t0) / 1000
    await new Promise((r) => setTimeout(r, 5_000)) // let the hub's background summaries settle
    const idleRss = rssMb(hub.process.pid ?? 0)
    const staff = basic('dt0-staff', 'district-staff-1')
    const summaryOnce = async () => {
      const s = performance.now()
      const res = await fetch(`${hub.url}/hub/township/summary`, { headers: { authorization: staff } })
      await res.text()
      if (!res.ok) throw new Error(`summary: ${res.status}`)
      return performance.now() - s
    }
    const summaryColdMs = await summaryOnce()
    const summaryMs = Math.min(await summaryOnce(), await summaryOnce(), await summaryOnce())
    const target: Target = {
      name: label, url: `${hub.url}/couch`, pid: hub.process.pid ?? 0,
      auth: (v, n) => ({ authorization: basic(devices[v]![n % perVillage]!.id, devices[v]![n % perVillage]!.secret) }),
      device: (v, n) => devices[v]![n % perVillage]!.id,
      stop: async () => undefined,
    }
    const result = await within(900_000, `${label} district load`, load(target, { villages: VILLAGES, tablets: TABLETS, pushers: PUSHERS, batches: 10 }))
    console.log(`${label}: ${VILLAGES} villages, ${docs} documents (seeded in ${round(seedS)} s); ${TABLETS} tablets waiting, ${PUSHERS} pushing: push p50 ${round(result.p50)} p95 ${round(result.p95)} ms, ${Math.round(result.docsPerS)} docs/s; waiting tablets heard of writes p50 ${round(result.wakeP50)} p95 ${round(result.wakeP95)} ms (${result.wakeSamples} samples, ${result.unanswered} unanswered); hub RSS idle ${round(idleRss)} MB, peak ${round(result.rss)} MB; township summary (30 villages) ${Math.round(summaryMs)} ms, first ${Math.round(summaryColdMs)} ms; CPU s hub ${round(result.hubCpuS)} client ${round(result.clientCpuS)}`)
    return { load: result, seedS, docs, summaryMs, summaryColdMs, idleRss }
  } finally {
    await hub.stop({ removeData: true })
  }
}

export function districtFigures(prefix: string, r: DistrictResult): Record<string, number> {
  return {
    [`${prefix}push_p95_ms`]: round(r.load.p95),
    [`${prefix}hub_rss_mb`]: round(r.load.rss),
    [`${prefix}wake_p95_ms`]: round(r.load.wakeP95),
    [`${prefix}summary_ms`]: Math.round(r.summaryMs),
    [`${prefix}summary_first_ms`]: Math.round(r.summaryColdMs),
    [`${prefix}docs_per_s`]: Math.round(r.load.docsPerS),
    [`${prefix}seed_s`]: round(r.seedS),
  }
}

if (process.argv[1]?.endsWith('district.ts')) {
  district({}, 'embedded').then((r) => { console.log(JSON.stringify(districtFigures('district_embedded_', r))); process.exit(0) }, (e: unknown) => { console.error(e); process.exit(1) })
}
