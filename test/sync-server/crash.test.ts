import { afterAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { couch, provision } from './helpers'
import { rxTablet, type RxTablet } from './rxdb'
import type { YishiDoc } from '../../src/shared/schemas/index'

const N = 3000
let hub: RunningHub | undefined
let tablet: RxTablet | undefined

afterAll(async () => {
  await tablet?.close().catch(() => undefined)
  await hub?.stop({ removeData: true })
})

describe('crash safety', () => {
  it('loses and duplicates nothing when the hub is killed with SIGKILL in the middle of a large push', async () => {
    hub = await startHub()
    const p = await provision(hub, { township: 'tk', villages: ['va'] })
    const dev = p.devices[0]!
    const docs: YishiDoc[] = Array.from({ length: N }, (_, i) => ({
      id: `comment:k${i}`, kind: 'comment', v: 1, village: 'va', year: 2026, author: 'person:p1', device: dev.id,
      deviceTime: 1_790_000_000_000 + i, seq: i + 1, ref: '', body: { on: '', text: `意见 ${i}` },
    } as YishiDoc))
    tablet = await rxTablet(`${hub.url}/couch/village-va/`, dev.id, dev.secret, { batchSize: 100 })
    await tablet.docs.bulkInsert(docs)

    // kill -9 once part of the push has landed
    const deadline = Date.now() + 30_000
    for (;;) {
      const info = await couch(hub, 'village-va').catch(() => null)
      if (info && info.body.doc_count > 300) break
      if (Date.now() > deadline) throw new Error('push did not start')
      await new Promise((r) => setTimeout(r, 20))
    }
    const { port, dataDir } = hub
    await hub.stop({ signal: 'SIGKILL' })
    hub = await startHub({}, { port, dataDir })

    // the tablet's own retries resume the push
    const resumeDeadline = Date.now() + 60_000
    for (;;) {
      const info = await couch(hub, 'village-va')
      if (info.body.doc_count >= N) break
      if (Date.now() > resumeDeadline) throw new Error(`only ${info.body.doc_count} of ${N} documents after restart`)
      await new Promise((r) => setTimeout(r, 200))
    }
    await tablet.sync.awaitInSync()
    const all = await couch(hub, 'village-va/_all_docs?include_docs=true&conflicts=true')
    const rows = all.body.rows as { id: string; value: { rev: string }; doc: { _conflicts?: string[]; body: { text: string } } }[]
    const comments = rows.filter((r) => r.id.startsWith('comment:k'))
    expect(comments.length).toBe(N)
    // nothing written twice: every record has exactly one revision and no conflicts
    expect(comments.filter((r) => !r.value.rev.startsWith('1-'))).toEqual([])
    expect(comments.filter((r) => r.doc._conflicts)).toEqual([])
    expect(new Set(comments.map((r) => r.doc.body.text)).size).toBe(N)
  })
})
