import { afterEach, describe, expect, it } from 'vitest'
import DeviceEnrollView from '@/features/device/DeviceEnrollView.vue'
import { useDeviceStore } from '@/stores/device'
import { useRosterStore } from '@/stores/roster'
import { useSessionStore } from '@/stores/session'
import { mountFeature } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined; localStorage.clear() })

const row = (name: string, household: string, roles: ('clerk' | 'supervisor')[] = []) =>
  ({ household, name, unit: '一组', roles, adult: true, eligible: true, householdHead: true })

describe('setting the clerk PIN after enrollment', () => {
  it('picks the clerk from the roster (clerks first) so the PIN unlocks as that person', async () => {
    village = await openTestVillage()
    const roster = useRosterStore(village.pinia)
    await roster.addPerson(row('张大爷', '3'))
    const clerk = await roster.addPerson(row('王文书', '7', ['clerk']))
    useSessionStore(village.pinia).setEnrollment({ villageId: 'test-village', villageName: '清波村', townshipName: '花园镇', deviceId: 'tablet-test' })
    const { wrapper } = await mountFeature(DeviceEnrollView, { path: '/device/enroll', pinia: village.pinia })
    await eventually(() => wrapper.findAll('[data-testid="enroll-clerk"] option').length === 3)
    expect(wrapper.get('[data-testid="enroll-done"]').text()).toContain('清波村')
    // no free-typed "clerk number" that would become a person id nobody has
    expect(wrapper.find('[data-testid="enroll-clerk-name"]').exists()).toBe(false)
    expect(wrapper.findAll('[data-testid="enroll-clerk"] option').map((o) => o.text()).slice(1)).toEqual(['王文书 · 7', '张大爷 · 3'])
    await wrapper.get('[data-testid="enroll-clerk"]').setValue(clerk.id)
    await wrapper.get('input[type="password"]').setValue('4821')
    await wrapper.get('form').trigger('submit')
    await eventually(() => useDeviceStore(village!.pinia).clerks().some((c) => c.personId === clerk.id), 8_000)
    expect(useDeviceStore(village!.pinia).clerks().find((c) => c.personId === clerk.id)?.name).toBe('王文书')
  })

  it('without a roster yet, takes the clerk by name and gives them their own id', async () => {
    village = await openTestVillage()
    useSessionStore(village.pinia).setEnrollment({ villageId: 'test-village', villageName: '清波村', townshipName: '花园镇', deviceId: 'tablet-test' })
    const { wrapper } = await mountFeature(DeviceEnrollView, { path: '/device/enroll', pinia: village.pinia })
    expect(wrapper.text()).toContain('花名册还没同步')
    await wrapper.get('[data-testid="enroll-clerk-name"]').setValue('李文书')
    await wrapper.get('input[type="password"]').setValue('2580')
    await wrapper.get('form').trigger('submit')
    await eventually(() => useDeviceStore(village!.pinia).clerks().some((c) => c.name === '李文书'), 8_000)
    expect(useDeviceStore(village!.pinia).clerks().find((c) => c.name === '李文书')?.personId).toMatch(/^person:clerk-[0-9a-f]{8}$/)
  })
})
