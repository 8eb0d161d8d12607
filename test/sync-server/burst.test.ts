import { afterAll, beforeAll, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { basic, proposal, provision, type Provisioned } from './helpers'

let hub: RunningHub
let p: Provisioned

const POLLERS = 10
const PUSHERS = 4
const BATCHES = 6

describeEngines('long-polls during a push burst', (engine) => {
  beforeAll(async () => {
    hub = await startHub(engine().env)
    p = await provision(hub, { township: 'tb', villages: ['va'] })
  })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  it('answers waiting tablets while the burst runs, not after it', async () => {
    const dev = p.devices[0]!
    const auth = { authorization: basic(dev.id, dev.secret) }
    const url = `${hub.url}/couch/village-va`
    const since = ((await (await fetch(`${url}/_changes?limit=1&descending=false`, { headers: auth })).json()) as { last_seq: unknown }).last_seq
    const answeredAt: number[] = []
    const polls = Array.from({ length: POLLERS }, async () => {
      const res = await fetch(`${url}/_changes?feed=longpoll&heartbeat=10000&include_docs=true&style=all_docs&limit=100&since=${encodeURIComponent(String(since))}`, { headers: auth, signal: AbortSignal.timeout(50_000) })
      const body = JSON.parse((await res.text()).trim()) as { results: unknown[] }
      answeredAt.push(performance.now())
      return body.results.length
    })
    await new Promise((r) => setTimeout(r, 300))
    let n = 0
    await Promise.all(Array.from({ length: PUSHERS }, async () => {
      for (let b = 0; b < BATCHES; b++) {
        const docs = Array.from({ length: 100 }, () => proposal('va', dev.id, ++n))
        const res = await fetch(`${url}/_bulk_docs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ docs }) })
        expect(res.status).toBe(201)
        await res.text()
      }
    }))
    const burstEnded = performance.now()
    const counts = await Promise.all(polls)
    expect(counts.every((c) => c > 0)).toBe(true)
    // every waiting tablet heard of the first writes before the last one was written
    expect(answeredAt.filter((t) => t < burstEnded)).toHaveLength(POLLERS)
  })
})
