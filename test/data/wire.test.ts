import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { LinkMeter } from '@/data/link'
import { thinLinkFetch } from '@/data/wire'

// The tablet's thin-link fetch wrapper (src/data/wire.ts) around a stand-in for the hub (the
// network is the edge here).

describe('the thin-link fetch', () => {
  it('leaves no listener behind on the sync\'s signal for each long-poll it held back', async () => {
    const hub: typeof fetch = async () => new Response('{"results":[],"last_seq":"1"}', { headers: { 'content-length': '30' } })
    const f = thinLinkFetch(hub, new LinkMeter())
    const stop = new AbortController()
    for (let i = 0; i < 15; i++) {
      const res = await f('http://hub/couch/village-v/_changes?feed=longpoll&since=1', { signal: stop.signal })
      await res.text()
    }
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0)
  })
})
