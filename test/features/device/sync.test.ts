import { describe, expect, it } from 'vitest'
import { createPinia } from 'pinia'
import DeviceSyncView from '@/features/device/DeviceSyncView.vue'
import { NO_FIGURES, type LinkFigures } from '@/data/link'
import type { SyncState } from '@/data/replication'
import { useSyncStore } from '@/stores/sync'
import { mountFeature } from '../support/mount'
import { allMessages } from '@/i18n/messages'

// The sync screen says what is left, how long it will take at the measured speed, and when the
// link will likely drop before it is done (src/data/link.ts measures; this screen puts it in words).

/** An EDGE link as the tablet measures it: 8 kB/s up, 16 kB/s down, 600 ms round trip. */
const EDGE: LinkFigures = { ...NO_FIGURES, upBytesPerS: 8_000, downBytesPerS: 16_000, rttMs: 600, upBytesPerRecord: 70, downBytesPerRecord: 102 }

async function screen(opts: { pending: number; link: LinkFigures; toReceive?: number | null; locale?: 'zh-CN' | 'en' }) {
  const pinia = createPinia()
  const sync = useSyncStore(pinia)
  sync.connect(async () => true)
  sync.setOnline(true)
  const state: SyncState = { phase: 'syncing', lastSyncAt: null, lastError: null, ackedSeq: 0, clockSkewMs: 0, link: opts.link, toReceive: opts.toReceive ?? 0 }
  sync.update({ ...state, pending: opts.pending })
  const { wrapper } = await mountFeature(DeviceSyncView, { pinia, path: '/device/sync', locale: opts.locale ?? 'zh-CN' })
  return { wrapper, sync }
}

describe('the sync screen on a thin link', () => {
  it('says in words how long the records left will take at the measured speed', async () => {
    // 30,000 records × 70 B at 8 kB/s, plus a round trip per batch: a little under five minutes
    const { wrapper } = await screen({ pending: 30_000, link: EDGE })
    // a large count inside the words is written as the locale writes numbers
    expect(wrapper.get('[data-testid="sync-pending"]').text()).toBe('还没传到镇上的记录：30,000 条')
    expect(wrapper.get('[data-testid="sync-eta"]').text()).toBe('按现在的网速，还要大约 5 分钟')
    expect(wrapper.find('[data-testid="sync-too-weak"]').exists()).toBe(false)
  })

  it('counts what is still to come from the hub, with the number formatted', async () => {
    const { wrapper } = await screen({ pending: 0, link: EDGE, toReceive: 12_540 })
    expect(wrapper.get('[data-testid="sync-to-receive"]').text()).toBe('还要从镇上收 12,540 条记录')
    expect(wrapper.get('[data-testid="sync-eta"]').text()).toBe('按现在的网速，还要大约 2 分钟')
  })

  it('warns when the link usually drops before that, and says what is kept and what helps', async () => {
    const { wrapper } = await screen({ pending: 30_000, link: { ...EDGE, windowsS: [100, 130, 90] } })
    const warning = wrapper.get('[data-testid="sync-too-weak"]')
    expect(warning.attributes('role')).toBe('alert')
    expect(warning.text()).toContain('信号太弱')
    expect(warning.text()).toContain('还要大约 5 分钟')
    expect(warning.text()).toContain('只能撑大约 2 分钟')
    expect(warning.text()).toContain('已经传过去的不会丢')
    expect(wrapper.find('[data-testid="sync-eta"]').exists()).toBe(false)
  })

  it('says it is measuring before the link has been measured, and nothing once nothing is left', async () => {
    const first = await screen({ pending: 40, link: NO_FIGURES })
    expect(first.wrapper.get('[data-testid="sync-eta"]').text()).toBe('正在测网速，马上就能估出还要多久')
    first.wrapper.unmount()
    const done = await screen({ pending: 0, link: EDGE, toReceive: 0 })
    expect(done.wrapper.find('[data-testid="sync-eta"]').exists()).toBe(false)
    expect(done.wrapper.find('[data-testid="sync-to-receive"]').exists()).toBe(false)
    expect(done.wrapper.get('[data-testid="sync-pending"]').text()).toBe('所有记录都已传到镇上')
  })

  it('speaks English with plurals', async () => {
    const one = await screen({ pending: 0, link: EDGE, toReceive: 1, locale: 'en' })
    expect(one.wrapper.get('[data-testid="sync-to-receive"]').text()).toBe('1 record still to receive from the hub')
    expect(one.wrapper.get('[data-testid="sync-eta"]').text()).toBe('At the current speed this takes less than a minute more')
    one.wrapper.unmount()
    const many = await screen({ pending: 700_000, link: { ...EDGE, windowsS: [60] }, locale: 'en' })
    const warning = many.wrapper.get('[data-testid="sync-too-weak"]').text()
    expect(warning).toContain('it needs about 1 hour 50 min more')
    expect(warning).toContain('lasted only about 1 minute at a time')
  })
})

describe('the sync screen when a sync failed', () => {
  it('says why in Chinese, from the hub\'s answer, not with the sync\'s English reason', async () => {
    const { wrapper, sync } = await screen({ pending: 3, link: EDGE })
    sync.update({ phase: 'error', lastSyncAt: null, lastError: 'cannot reach the hub (no network, or the hub is off)', lastErrorStatus: 0, ackedSeq: 0, clockSkewMs: 0, link: EDGE, toReceive: 0 })
    await wrapper.vm.$nextTick()
    const failed = wrapper.get('[data-testid="sync-failed"]').text()
    expect(failed).toBe('同步出了问题：连不上乡镇服务器：记录都保存在本平板上，有网络时会自动同步')
  })
})

describe('the words for a proposal', () => {
  it('are 提议 on every screen (the sync and archive screens said 提案)', () => {
    const zh = JSON.stringify(allMessages()['zh-CN'])
    expect(zh).toContain('提议')
    expect(zh).not.toContain('提案')
  })
})
