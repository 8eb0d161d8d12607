import { describe, expect, it } from 'vitest'
import { createPinia } from 'pinia'
import DeviceSyncView from '@/features/device/DeviceSyncView.vue'
import { NO_FIGURES } from '@/data/link'
import type { RefusalLine } from '@/data/refusals'
import { useSyncStore } from '@/stores/sync'
import { mountFeature } from '../support/mount'

async function screen(lines: RefusalLine[]) {
  const pinia = createPinia()
  const sync = useSyncStore(pinia)
  sync.connect(async () => true)
  sync.setOnline(true)
  sync.update({ phase: 'idle', lastSyncAt: 1, lastError: null, ackedSeq: 0, clockSkewMs: 0, link: NO_FIGURES, toReceive: 0, pending: 0 })
  sync.refusals = lines
  return (await mountFeature(DeviceSyncView, { pinia, path: '/device/sync' })).wrapper
}

// What the hub refused of this tablet, on the sync screen: why in words, and the way to the quarantine screen.
describe('the sync screen on records the hub refused', () => {
  it('says why in Chinese by the refusal\'s code, with its time, and the way to the screen of records not taken', async () => {
    const closedAt = Date.UTC(2026, 11, 1, 10)
    const wrapper = await screen([{ kind: 'ballot', count: 2, code: 'vote.closed', params: { kind: 'ballot', vote: 'vote:lights', at: closedAt }, subjectIds: ['ballot:a', 'ballot:b'], at: 0 }])
    const line = wrapper.get('[data-testid="sync-refusal"]')
    expect(line.text()).toContain('镇上服务器退回了 2 条选票：投票在')
    expect(line.text()).toContain(new Date(closedAt).toLocaleString('zh-CN'))
    expect(line.text()).toContain('结束了，这条选票是结束以后才记下的，按规则不能算。')
    expect(line.text()).not.toMatch(/closed|ballot|vote:/)
    expect(wrapper.get('[data-testid="quarantine-link"]').text()).toContain('没有收下的记录')
    wrapper.unmount()
  })

  it('names the field a form refusal is about, by its label in Chinese', async () => {
    const wrapper = await screen([{ kind: 'proposal', count: 1, code: 'form.too-long', params: { kind: 'proposal', field: 'title', max: 200 }, subjectIds: ['proposal:a'], at: 0 }])
    expect(wrapper.get('[data-testid="sync-refusal"]').text()).toContain('这条提议的“标题”太长了，最多 200 个字。')
    wrapper.unmount()
  })
})
