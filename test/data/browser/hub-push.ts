/**
 * The hub alone, as RxDB's CouchDB plugin pushes and pulls 10,000 ballots in batches of 200:
 * `_all_docs` (keys) then `_bulk_docs` per batch, one batch at a time; then a pull of
 * `_changes?include_docs` in pages. Prints per-request times. `npx tsx test/data/browser/hub-push.ts`
 * (HUBPROF=dir: the hub's CPU profile too). A development tool, not part of `npm test` or the bench.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startHub } from '../../support/hub'
import { basic, provision } from '../../sync-server/helpers'

const N = Number(process.env.DOCS ?? 10_000)
const BATCH = Number(process.env.BATCH ?? 200)
const PAGE = Number(process.env.PAGE ?? 500)
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN }

async function main(): Promise<void> {
  const prof = process.env.HUBPROF
  if (prof) mkdirSync(prof, { recursive: true })
  const hub = await startHub({ LOG_LEVEL: 'error', ...(prof ? { NODE_OPTIONS: `--import ${fileURLToPath(new URL('./hub-profiler.mjs', import.meta.url))}`, HUB_PROFILE_DIR: prof } : {}) })
  try {
    const p = await provision(hub, { township: 'thp', villages: ['vhp'] })
    const d = p.devices[0]!
    const auth = basic(d.id, d.secret)
    const url = `${hub.url}/couch/village-vhp/`
    const post = async (path: string, body: unknown) => {
      const res = await fetch(url + path, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', 'accept-encoding': 'gzip' }, body: JSON.stringify(body) })
      const text = await res.text()
      if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`)
      return JSON.parse(text) as unknown
    }
    const now = Date.now()
    const voteId = 'vote:hp1'
    await post('_bulk_docs', { docs: [{
      _id: voteId, kind: 'vote', v: 1, village: 'vhp', year: new Date(now).getUTCFullYear(), author: 'person:clerk', device: d.id, deviceTime: now, seq: 1, ref: '',
      body: { title: 'v', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 2, budget: 20_000_000,
        candidates: [{ id: 'project:lights', title: 'l', cost: 8_000_000, proposalIds: [] }, { id: 'project:water', title: 'w', cost: 7_000_000, proposalIds: [] }],
        opensAt: now - 3_600_000, closesAt: now + 86_400_000, roster: [], perHousehold: false, rule: 'greedy', sealKeys: [], status: 'open', createdAt: now, createdBy: 'person:clerk' },
    }] })
    const allDocsMs: number[] = []; const bulkMs: number[] = []
    const t0 = performance.now()
    for (let i = 0; i < N; i += BATCH) {
      const docs = []
      for (let j = i; j < Math.min(N, i + BATCH); j++) {
        docs.push({ _id: `ballot:hp${j}`, kind: 'ballot', v: 1, village: 'vhp', year: new Date(now).getUTCFullYear(), author: 'person:clerk', device: d.id, deviceTime: now, seq: j + 2, ref: voteId, body: { voteId, choices: ['project:lights', 'project:water'], castAt: now, device: d.id } })
      }
      let t = performance.now()
      await post('_all_docs', { keys: docs.map((x) => x._id), include_docs: true, deleted: 'ok' })
      allDocsMs.push(performance.now() - t)
      t = performance.now()
      const res = await post('_bulk_docs', { docs }) as { ok?: boolean; error?: string; reason?: string }[]
      bulkMs.push(performance.now() - t)
      const bad = res.find((r) => !r.ok)
      if (bad) throw new Error(`refused: ${JSON.stringify(bad)}`)
    }
    const pushS = (performance.now() - t0) / 1000
    const pageMs: number[] = []
    let since: unknown = 0; let got = 0
    const t1 = performance.now()
    for (let i = 0; i < 1000; i++) {
      const t = performance.now()
      const res = await fetch(`${url}_changes?style=all_docs&feed=normal&include_docs=true&since=${encodeURIComponent(String(since))}&limit=${PAGE}`, { headers: { authorization: auth, 'accept-encoding': 'gzip' } })
      const page = await res.json() as { results: unknown[]; last_seq: unknown }
      pageMs.push(performance.now() - t)
      got += page.results.length; since = page.last_seq
      if (page.results.length < PAGE) break
    }
    const pullS = (performance.now() - t1) / 1000
    console.table({
      '_all_docs': { n: allDocsMs.length, p50: q(allDocsMs, 0.5).toFixed(1), p95: q(allDocsMs, 0.95).toFixed(1), sum: allDocsMs.reduce((a, b) => a + b, 0).toFixed(0) },
      '_bulk_docs': { n: bulkMs.length, p50: q(bulkMs, 0.5).toFixed(1), p95: q(bulkMs, 0.95).toFixed(1), sum: bulkMs.reduce((a, b) => a + b, 0).toFixed(0) },
      '_changes': { n: pageMs.length, p50: q(pageMs, 0.5).toFixed(1), p95: q(pageMs, 0.95).toFixed(1), sum: pageMs.reduce((a, b) => a + b, 0).toFixed(0) },
    })
    console.log(`push ${pushS.toFixed(2)} s, pull ${pullS.toFixed(2)} s (${got} changes)`)
  } finally {
    await hub.stop({ removeData: true })
  }
  if (prof) {
    const { summarise } = await import('./profile-summary')
    for (const f of readdirSync(prof)) console.log(summarise(JSON.parse(readFileSync(join(prof, f), 'utf8')), 45))
  }
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1) })
