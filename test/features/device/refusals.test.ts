import { describe, expect, it } from 'vitest'
import { createPinia } from 'pinia'
import DeviceSyncView from '@/features/device/DeviceSyncView.vue'
import { NO_FIGURES } from '@/data/link'
import { useSyncStore } from '@/stores/sync'
import { mountFeature } from '../support/mount'

// What the hub refused of this tablet, on the sync screen: why in words, and the way to the quarantine screen.
describe('the sync screen on records the hub refused', () => {
  it('says why in Chinese, not the hub\'s English reason, with the way to the screen of records not taken', async () => {
    const pinia = createPinia()
    const sync = useSyncStore(pinia)
    sync.connect(async () => true)
    sync.setOnline(true)
    sync.update({ phase: 'idle', lastSyncAt: 1, lastError: null, ackedSeq: 0, clockSkewMs: 0, link: NO_FIGURES, toReceive: 0, pending: 0 })
    sync.refusals = [{ kind: 'ballot', count: 2, reason: 'the vote was closed (2026-12-01T10:00:00.000Z) before this ballot was recorded', subjectIds: ['ballot:a', 'ballot:b'] }]
    const { wrapper } = await mountFeature(DeviceSyncView, { pinia, path: '/device/sync' })
    const line = wrapper.get('[data-testid="sync-refusal"]')
    expect(line.text()).toContain('镇上服务器退回了 2 条选票：投票结束以后才记下的，按规则不能算。')
    expect(line.text()).not.toMatch(/closed|ballot/)
    expect(wrapper.get('[data-testid="quarantine-link"]').text()).toContain('没有收下的记录')
    wrapper.unmount()
  })
})
