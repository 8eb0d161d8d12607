/**
 * Profiles the 10k-ballot sync of bench/data.ts in Chromium (Dexie): a CPU profile of the page for
 * the push and for the pull (Chrome DevTools protocol), summarised by self time per function.
 * `npx tsx test/data/browser/profile.ts [outDir]` — writes push.cpuprofile / pull.cpuprofile
 * (open them in DevTools) and prints the top functions. Not part of `npm test` or `npm run bench`.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import type { CDPSession, Page } from 'playwright-core'
import { launchChromium } from '../../support/browser'
import { startHub } from '../../support/hub'
import { provision } from '../../sync-server/helpers'
import { enrollDevice } from '../sync-helpers'
import { summarise, type Profile } from './profile-summary'
import { cpuSince, descendantsCpu } from './cpu'

/** CPU seconds (user + system) used so far by this process's descendants: Chromium's processes and the hub. */
async function profiled<T>(cdp: CDPSession, fn: () => Promise<T>): Promise<{ value: T; profile: Profile }> {
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  if (process.env.NOPROFILE) return { value: await fn(), profile: { nodes: [], samples: [], timeDeltas: [], startTime: 0, endTime: 0 } }
  await cdp.send('Profiler.start')
  const value = await fn()
  const { profile } = await cdp.send('Profiler.stop') as unknown as { profile: Profile }
  return { value, profile }
}

/** Resource timings of /couch/ requests during a phase, by endpoint: count, summed duration and time to first byte. */
async function timings(page: Page): Promise<string> {
  const rows = await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
    .filter((e) => e.name.includes('/couch/'))
    .map((e) => ({ name: e.name, start: e.startTime, dur: e.duration, ttfb: e.responseStart - e.requestStart, size: e.transferSize })))
  const t0 = Math.min(...rows.map((r) => r.start))
  const by = new Map<string, { n: number; dur: number; ttfb: number; bytes: number }>()
  for (const r of rows) {
    const u = new URL(r.name)
    const k = u.pathname.replace(/^.*\/couch\/[^/]+\//, '') + (u.searchParams.get('feed') ? `?feed=${u.searchParams.get('feed')}` : '')
    const e = by.get(k) ?? { n: 0, dur: 0, ttfb: 0, bytes: 0 }
    e.n++; e.dur += r.dur; e.ttfb += r.ttfb; e.bytes += r.size
    by.set(k, e)
  }
  const lines = [...by].map(([k, e]) => `${k.padEnd(28)} n=${e.n} dur=${e.dur.toFixed(0)} ms ttfb=${e.ttfb.toFixed(0)} ms bytes=${e.bytes}`)
  lines.push(`span ${(Math.max(...rows.map((r) => r.start + r.dur)) - t0).toFixed(0)} ms`)
  if (process.env.TIMELINE) for (const r of rows.sort((a, b) => a.start - b.start)) lines.push(`  ${(r.start - t0).toFixed(0).padStart(6)} +${r.dur.toFixed(0).padStart(5)} (ttfb ${r.ttfb.toFixed(0)}) ${r.name.replace(/^.*\/couch\/[^/]+\//, '').slice(0, 60)}`)
  return lines.join('\n')
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'yishi-profile-'))
  mkdirSync(out, { recursive: true })
  if (process.env.HUBPROF) mkdirSync(join(out, 'hub'), { recursive: true })
  const harness = mkdtempSync(join(tmpdir(), 'yishi-profile-harness-'))
  await build({
    configFile: false, root: fileURLToPath(new URL('.', import.meta.url)),
    resolve: { alias: { '@': fileURLToPath(new URL('../../../src', import.meta.url)) } },
    build: { outDir: harness, emptyOutDir: true, minify: false, reportCompressedSize: false }, logLevel: 'warn',
  })
  // HUBPROF=1: the hub's own CPU profile too (Node --cpu-prof, written when it stops)
  const hub = await startHub({ STATIC_DIR: harness, LOG_LEVEL: 'error', ...(process.env.HUBPROF ? { NODE_OPTIONS: `--import ${fileURLToPath(new URL('./hub-profiler.mjs', import.meta.url))}`, HUB_PROFILE_DIR: join(out, 'hub') } : {}) })
  const browser = await launchChromium()
  try {
    await provision(hub, { township: 'tprof', villages: ['vprof'] })
    const context = await browser.newContext()
    const open = async (name: string): Promise<Page> => {
      const d = await enrollDevice(hub, 'vprof')
      const page = await context.newPage()
      await page.goto(`${hub.url}/`)
      await page.waitForFunction(() => document.getElementById('ready')?.textContent === 'ready')
      await page.evaluate((o) => window.yishiData.open(o), { village: 'vprof', device: d.id, secret: d.secret, name, timed: true })
      return page
    }
    const now = Date.now()
    const a = await open('prof-a')
    const voteId = await a.evaluate((v) => window.yishiData.createVote(v), {
      title: 'v', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 2, budget: 20_000_000,
      candidates: [{ id: 'project:lights', title: 'l', cost: 8_000_000, proposalIds: [] }, { id: 'project:water', title: 'w', cost: 7_000_000, proposalIds: [] }],
      opensAt: now - 3_600_000, closesAt: now + 24 * 3_600_000, roster: [], perHousehold: false, rule: 'greedy', sealKeys: [],
    })
    if (!await a.evaluate(() => window.yishiData.syncNow(120_000))) throw new Error('first sync failed')
    await a.evaluate(() => window.yishiData.stop())
    await a.evaluate((id) => window.yishiData.seedBallotsRaw(id, 10_000), voteId)
    await a.evaluate(() => window.yishiData.resetWire())
    const cdpA = await context.newCDPSession(a)
    let c0 = descendantsCpu()
    let t0 = Date.now()
    const push = await profiled(cdpA, () => a.evaluate(() => window.yishiData.syncNow(300_000)))
    console.log(`push ${(Date.now() - t0) / 1000} s ok=${push.value} cpu=${JSON.stringify(cpuSince(c0))}`)
    writeFileSync(join(out, 'push.cpuprofile'), JSON.stringify(push.profile))
    console.log(await timings(a))
    console.table(await a.evaluate(() => window.yishiData.storageTimes?.() ?? {}))
    console.log(summarise(push.profile))
    const b = await open('prof-b')
    await b.evaluate(() => window.yishiData.resetWire())
    const cdpB = await context.newCDPSession(b)
    c0 = descendantsCpu()
    t0 = Date.now()
    const pull = await profiled(cdpB, () => b.evaluate(() => window.yishiData.syncNow(300_000)))
    console.log(`pull ${(Date.now() - t0) / 1000} s ok=${pull.value} cpu=${JSON.stringify(cpuSince(c0))} count=${await b.evaluate(() => window.yishiData.count('ballot'))}`)
    writeFileSync(join(out, 'pull.cpuprofile'), JSON.stringify(pull.profile))
    console.log(await timings(b))
    console.table(await b.evaluate(() => window.yishiData.storageTimes?.() ?? {}))
    console.log(summarise(pull.profile))
    console.log(`profiles in ${out}`)
  } finally {
    await browser.close()
    await hub.stop({ removeData: true })
    rmSync(harness, { recursive: true, force: true })
  }
  if (process.env.HUBPROF) {
    for (const f of readdirSync(join(out, 'hub'))) {
      console.log(`hub ${f}:`)
      console.log(summarise(JSON.parse(readFileSync(join(out, 'hub', f), 'utf8')) as Profile, 50))
    }
  }
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1) })
