import { describe, expect, it } from 'vitest'
import { catchUpPages } from '@/data/pages'

// The pull's catch-up pages (src/data/pages.ts) against a feed of numbered changes served by a
// stand-in for the hub's `_changes` (the network is the edge here): sizes, the page asked for
// ahead, and where the live long-poll starts.

const BASE = 'http://hub/couch/village-v/_changes?style=all_docs&feed=normal&include_docs=true'
const page = (since: number, limit: number) => `${BASE}&since=${since}&heartbeat=20000&limit=${limit}&seq_interval=${limit}`

/** A feed of `total` changes; answers pages as CouchDB does, and records what was asked. */
function feed(total: number) {
  const asked: string[] = []
  const hub: typeof fetch = async (input) => {
    const url = String(input)
    asked.push(url)
    const since = Number(/since=(\d+)/.exec(url)?.[1] ?? 0)
    const limit = Number(/limit=(\d+)/.exec(url)?.[1])
    if (/feed=longpoll/.test(url)) return new Response(JSON.stringify({ results: [], last_seq: since, pending: 0 }))
    const results = Array.from({ length: Math.max(0, Math.min(limit, total - since)) }, (_, i) => ({ seq: since + i + 1, id: `r${since + i + 1}`, doc: { _id: `r${since + i + 1}` } }))
    const last = results.at(-1)?.seq ?? since
    return new Response(JSON.stringify({ results, last_seq: last, pending: total - last }))
  }
  return { asked, hub }
}

describe('catch-up pages', () => {
  it('asks for the next page while this one is being stored, and hands it over when it is asked for', async () => {
    const { asked, hub } = feed(250)
    const pages: { records: number; pending: number }[] = []
    const sizes: number[] = []
    const f = catchUpPages(hub, { signal: new AbortController().signal, size: () => 100, sized: (n) => sizes.push(n), onPage: (p) => pages.push(p) })
    const first = await (await f(page(0, 20))).json() as { results: unknown[]; last_seq: number }
    expect(first.results).toHaveLength(100) // RxDB asked for 20; the link's size wins
    expect(asked.map((u) => /since=(\d+)&.*limit=(\d+)/.exec(u)!.slice(1).join('+'))).toEqual(['0+100', '100+100']) // the second is already on its way
    const second = await (await f(page(first.last_seq, 20))).json() as { results: unknown[]; last_seq: number }
    expect(second.results).toHaveLength(100)
    const third = await (await f(page(second.last_seq, 20))).json() as { results: unknown[] }
    expect(third.results).toHaveLength(50)
    expect(asked.filter((u) => /feed=normal/.test(u))).toHaveLength(3) // each page once: none asked twice, none after the last
    expect(sizes).toEqual([100, 100, 100]) // RxDB's "was it full?" check is told the size each page was asked with
    expect(pages).toEqual([{ records: 100, pending: 150 }, { records: 100, pending: 50 }, { records: 50, pending: 0 }])
  })

  it('drops the page asked ahead when another one is asked for (a restart from an older checkpoint)', async () => {
    const { asked, hub } = feed(300)
    const f = catchUpPages(hub, { signal: new AbortController().signal, size: () => 100 })
    await (await f(page(0, 100))).json()
    const again = await (await f(page(0, 100))).json() as { results: { seq: number }[] }
    expect(again.results[0]!.seq).toBe(1)
    expect(asked.filter((u) => /since=0&/.test(u))).toHaveLength(2)
  })

  it('starts the live long-poll where the catch-up ended, never at "now"', async () => {
    const { asked, hub } = feed(120)
    const stop = new AbortController()
    const f = catchUpPages(hub, { signal: stop.signal, size: () => 100 })
    const live = f(`http://hub/couch/village-v/_changes?style=all_docs&feed=longpoll&since=now&include_docs=true&heartbeat=20000&limit=100`)
    await new Promise((r) => setTimeout(r, 20))
    expect(asked).toEqual([]) // it waits for the catch-up to end
    const p1 = await (await f(page(0, 100))).json() as { last_seq: number }
    await (await f(page(p1.last_seq, 100))).json()
    await live
    expect(asked.at(-1)).toContain('feed=longpoll&since=120&')
    stop.abort()
  })
})
