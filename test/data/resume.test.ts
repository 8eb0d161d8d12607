import { afterAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { provision } from '../sync-server/helpers'
import { eventually } from './helpers'
import { hubDocCount, openSyncedTablet, type SyncedTablet } from './sync-helpers'

const VILLAGE = 'vr'
let hub: RunningHub | null = null
const open: SyncedTablet[] = []
afterAll(async () => {
  for (const t of open) await t.close().catch(() => undefined)
  await hub?.stop({ removeData: true })
})

describe('hub killed during a sync', () => {
  it('the tablet resumes from its checkpoint and the hub ends up complete, without duplicates', async () => {
    hub = await startHub()
    await provision(hub, { township: 'tsr', villages: [VILLAGE] })
    const t = await openSyncedTablet(hub, VILLAGE, { batchSize: 50 })
    open.push(t)
    const items = Array.from({ length: 600 }, (_, i) => ({
      kind: 'comment' as const, id: `comment:c${i}`, ref: '', body: { text: `意见 ${i} `.repeat(20), at: Date.now() },
    }))
    for (let i = 0; i < items.length; i += 100) await t.data.writer.insert(items.slice(i, i + 100))
    const local = await t.vdb.docs.count().exec()
    expect(local).toBe(1200) // 600 comments + 600 audit events

    t.sync.start()
    await eventually(async () => (await hubDocCount(hub!, VILLAGE)) >= 100, 20_000, 20)
    const { dataDir, port } = hub
    await hub.stop({ signal: 'SIGKILL' })
    const before = await t.sync.pendingCount()
    expect(before).toBeGreaterThan(0)
    expect(before).toBeLessThan(1200)
    hub = await startHub({}, { dataDir, port })

    await eventually(async () => (await hubDocCount(hub!, VILLAGE)) === 1200, 60_000, 250)
    await eventually(async () => (await t.sync.pendingCount()) === 0, 30_000, 250)
    expect(await t.sync.syncNow(30_000)).toBe(true)
    expect(await hubDocCount(hub, VILLAGE)).toBe(1200)
    expect(await t.vdb.docs.count().exec()).toBe(1200)
    expect(t.sync.state.lastError).toBeNull()
  })
})
