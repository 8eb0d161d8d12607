import { afterEach, describe, expect, it } from 'vitest'
import DeviceUnlockView from '@/features/device/DeviceUnlockView.vue'
import { mountFeature } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined; localStorage.clear() })

describe('unlocking a tablet that has no clerk PIN', () => {
  it('says where a clerk PIN is set and links to that page, rather than only that none is set', async () => {
    village = await openTestVillage({ locked: true }) // and no clerk PIN set on it
    const { wrapper, router } = await mountFeature(DeviceUnlockView, { path: '/device/unlock', pinia: village.pinia })
    await wrapper.get('[data-testid="unlock-pin"]').setValue('4821')
    await wrapper.get('form').trigger('submit')
    await eventually(() => wrapper.find('[role="alert"]').exists())
    expect(wrapper.get('[role="alert"]').text()).toContain('“本平板已登记”页')
    const href = wrapper.get('[data-testid="unlock-set-clerk-pin"]').attributes('href')!
    expect(router.resolve(href).name).toBe('device-enroll')
    wrapper.unmount()
  })
})
