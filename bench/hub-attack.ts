/**
 * bench hub-attack — the hub's availability while one authenticated tablet sends it the worst
 * single requests it can (issue #12): a health check (`GET /couch/_up`) is sent every 20 ms, one
 * after the other, while each attack request runs, and the hub's resident memory is sampled from
 * /proc every 25 ms.
 * - hub_up_p99_under_attack_ms: p99 of the health checks answered while an attack was in flight;
 * - hub_rss_under_attack_mb: the hub's peak resident memory over all attacks, MB.
 * Aim: under 200 ms and under 300 MB. Each attack's own figures are printed, with its answer.
 */
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { startHub, type RunningHub } from '../test/support/hub'
import { basic, provision } from '../test/sync-server/helpers'

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN }

function rssMb(pid: number): number {
  try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024 } catch { return NaN }
}

interface Attack { name: string; send: () => Promise<number | string> }

/** Runs `attack` while checking /_up back to back; returns the checks' latencies, peak RSS and the attack's answer. */
async function underAttack(hub: RunningHub, attack: Attack): Promise<{ latencies: number[]; rss: number; answer: number | string; seconds: number }> {
  const pid = hub.process.pid ?? 0
  let running = true
  let rss = rssMb(pid)
  const sampler = setInterval(() => { rss = Math.max(rss, rssMb(pid)) }, 25)
  const latencies: number[] = []
  const checker = (async () => {
    for (let i = 0; running && i < 100_000; i++) {
      const t0 = performance.now()
      await fetch(`${hub.url}/couch/_up`, { signal: AbortSignal.timeout(120_000) }).then((r) => r.text()).catch(() => '')
      latencies.push(performance.now() - t0)
      await new Promise((r) => setTimeout(r, 20))
    }
  })()
  const t0 = performance.now()
  const answer = await Promise.race([
    attack.send().catch((e: Error) => `error: ${e.message.slice(0, 60)}`),
    new Promise<string>((r) => setTimeout(() => r('still running after 180 s'), 180_000)),
  ])
  const seconds = (performance.now() - t0) / 1000
  running = false
  await checker
  clearInterval(sampler)
  return { latencies, rss: Math.max(rss, rssMb(pid)), answer, seconds }
}

/** A request whose body arrives 10 bytes a second and never completes (it is cut by the hub or after `ms`). */
function slowBody(hub: RunningHub, auth: string, ms: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(`${hub.url}/couch/village-ba/_bulk_docs`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', 'content-length': '8000000' } })
    const drip = setInterval(() => req.write('          '), 1000)
    const done = (v: number | string) => { clearInterval(drip); clearTimeout(stop); req.destroy(); resolve(v) }
    const stop = setTimeout(() => done('held'), ms)
    req.on('response', (res) => { res.resume(); done(res.statusCode ?? 0) })
    req.on('error', () => done('closed'))
    req.write('{"docs":[')
  })
}

export async function run(): Promise<Record<string, number | null>> {
  // a short body timeout so the slow-body attack ends within the bench; the default is 120 s
  const hub = await startHub({ LOG_LEVEL: 'error', BODY_TIMEOUT: '10' })
  try {
    const p = await provision(hub, { township: 'bt', villages: ['ba'] })
    const dev = p.devices[0]!
    const auth = basic(dev.id, dev.secret)
    const post = async (path: string, body: string) => {
      const res = await fetch(`${hub.url}/couch/${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(170_000) })
      await res.arrayBuffer()
      return res.status
    }
    const doc = (i: number, body: Record<string, unknown>) => ({ _id: `proposal:a${i}`, kind: 'proposal', v: 1, village: 'ba', year: 2026, author: 'person:p1', device: dev.id, deviceTime: 1_790_000_000_000 + i, seq: i + 1, ref: '', body })
    // large valid records a tablet may write (a body of 250,000 characters, 750 KB of UTF-8): 64 of them, 8 a request
    for (let b = 0; b < 8; b++) {
      const status = await post('village-ba/_bulk_docs', JSON.stringify({ docs: Array.from({ length: 8 }, (_, i) => doc(b * 8 + i, { title: '大', status: 'draft', pad: '路'.repeat(250_000) })) }))
      if (status !== 201) throw new Error(`seeding large records: ${status}`)
    }
    const big = Array.from({ length: 60 }, (_, i) => `proposal:a${i}`)
    const deep = '['.repeat(3_000_000) + ']'.repeat(3_000_000)
    const attacks: Attack[] = [
      { name: '40,000 empty documents (117 KB)', send: () => post('village-ba/_bulk_docs', `{"docs":[${Array(40_000).fill('{}').join(',')}]}`) },
      { name: '1.3 million empty documents (8 MB)', send: () => post('village-ba/_bulk_docs', `{"docs":[${Array(1_300_000).fill('{}').join(',')}]}`) },
      { name: '1,000 refused documents', send: () => post('village-ba/_bulk_docs', JSON.stringify({ docs: Array.from({ length: 1000 }, (_, i) => ({ ...doc(10_000 + i, { status: 'draft' }) })) })) },
      { name: '1,000 valid documents', send: () => post('village-ba/_bulk_docs', JSON.stringify({ docs: Array.from({ length: 1000 }, (_, i) => doc(20_000 + i, { title: `第 ${i} 条`, status: 'draft' })) })) },
      { name: 'one 750 KB record named 1,500 times', send: () => post('village-ba/_all_docs', JSON.stringify({ keys: Array(1500).fill(big[0]), include_docs: true })) },
      { name: 'one 750 KB record named 1,000 times', send: () => post('village-ba/_all_docs', JSON.stringify({ keys: Array(1000).fill(big[0]), include_docs: true })) },
      { name: '60 large records by key', send: () => post('village-ba/_all_docs', JSON.stringify({ keys: big, include_docs: true })) },
      { name: '60 large records through _bulk_get', send: () => post('village-ba/_bulk_get', JSON.stringify({ docs: big.map((id) => ({ id })) })) },
      { name: 'the whole database with documents', send: async () => { const r = await fetch(`${hub.url}/couch/village-ba/_all_docs?include_docs=true`, { headers: { authorization: auth } }); await r.arrayBuffer(); return r.status } },
      { name: 'JSON nested 3 million deep (6 MB)', send: () => post('village-ba/_bulk_docs', `{"docs":[${deep}]}`) },
      { name: '60 password guesses at once', send: async () => (await Promise.all(Array.from({ length: 60 }, (_, i) => fetch(`${hub.url}/couch/village-ba`, { headers: { authorization: basic(p.clerk.name, `guess-${i}`) } }).then((r) => r.status)))).filter((s) => s === 429).length + ' answered 429' },
      { name: 'a body dripping 10 bytes a second', send: () => slowBody(hub, auth, 60_000) },
      // last: a page of _changes is not cut by size (RxDB stops at a short page); its memory is for a streamed read to bound
      { name: 'a changes feed of 1,000 with documents', send: async () => { const r = await fetch(`${hub.url}/couch/village-ba/_changes?include_docs=true&limit=100000&style=all_docs`, { headers: { authorization: auth } }); await r.arrayBuffer(); return r.status } },
    ]
    const quiet = await underAttack(hub, { name: 'nothing', send: () => new Promise((r) => setTimeout(() => r(0), 3000)) })
    console.log(`before the attacks (${big.length} large records seeded): _up p99 ${round(q(quiet.latencies, 0.99))} ms, RSS ${round(quiet.rss)} MB`)
    const all: number[] = []
    let peak = 0
    console.log(`hub under attack (one authenticated tablet); load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
    console.log(`${'attack'.padEnd(42)}${'answer'.padStart(16)}${'s'.padStart(7)}${'_up p99'.padStart(10)}${'max'.padStart(9)}${'RSS MB'.padStart(9)}`)
    for (const attack of attacks) {
      const r = await underAttack(hub, attack)
      all.push(...r.latencies)
      peak = Math.max(peak, r.rss)
      console.log(`${attack.name.padEnd(42)}${String(r.answer).padStart(16)}${r.seconds.toFixed(1).padStart(7)}${round(q(r.latencies, 0.99)).toString().padStart(10)}${round(Math.max(...r.latencies)).toString().padStart(9)}${round(r.rss).toString().padStart(9)}`)
    }
    console.log(`all attacks: _up p99 ${round(q(all, 0.99))} ms over ${all.length} checks, peak RSS ${round(peak)} MB; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
    return { hub_up_p99_under_attack_ms: round(q(all, 0.99)), hub_rss_under_attack_mb: round(peak) }
  } finally {
    await hub.stop({ removeData: true })
  }
}

if (process.argv[1]?.endsWith('hub-attack.ts')) {
  run().then((r) => { console.log(JSON.stringify(r)); process.exit(0) }).catch((e: unknown) => { console.error(e); process.exit(1) })
}
