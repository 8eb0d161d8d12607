import { describe, expect, it } from 'vitest'
import { createPinia } from 'pinia'
import DeviceArchiveView from '@/features/device/DeviceArchiveView.vue'
import { useDeviceStore } from '@/stores/device'
import { mountFeature } from '../support/mount'
import { eventually } from '../support/village'

// The hub answering an archived year with an error: the screen says so in words, never the
// request's English (the edge mocked is the hub's answer, through the store's one call to it).
describe('an archived year the hub cannot give now', () => {
  it('says it in Chinese, with what to do, and not the error of the request', async () => {
    const pinia = createPinia()
    const device = useDeviceStore(pinia)
    const failing = Object.assign(new Error('GET /village-qv/_all_docs answered 500 Internal Server Error'), { status: 500 })
    device.openArchive = () => Promise.reject(failing)
    const { wrapper } = await mountFeature(DeviceArchiveView, { pinia, props: { year: '2024' } })
    await eventually(() => wrapper.find('[data-testid="archive-problem"]').exists())
    expect(wrapper.get('[data-testid="archive-problem"]').text()).toBe('现在取不到这一年的记录：请稍后再试，还不行请联系乡镇')
    expect(wrapper.get('[data-testid="archive-problem"]').text()).not.toMatch(/[A-Za-z]/)
    wrapper.unmount()
  })
})
