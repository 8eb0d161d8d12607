import { afterEach, describe, expect, it } from 'vitest'
import DeviceEnrollView from '@/features/device/DeviceEnrollView.vue'
import { useDeviceStore } from '@/stores/device'
import { useActingStore } from '@/stores/acting'
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
    // names and courtyards, not household ids; the roster's clerk marked as such, and already picked
    expect(wrapper.findAll('[data-testid="enroll-clerk"] option').map((o) => o.text()).slice(1)).toEqual(['王文书（名册上的文书） · 一组', '张大爷 · 一组'])
    expect((wrapper.get('[data-testid="enroll-clerk"]').element as HTMLSelectElement).value).toBe(clerk.id)
    // enrolled: the screen does not ask for the enrollment code again, and calls the roster as home does
    expect(wrapper.find('[data-testid="enroll-code"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="enroll-intro"]').text()).toContain('不用再输入登记码')
    expect(wrapper.text()).not.toContain('要登记码')
    expect(wrapper.text()).not.toContain('花名册')
    // A PIN too short is refused beside the field, in words (not only by the browser's silent pattern check).
    await wrapper.get('[data-testid="enroll-pin"]').setValue('12')
    await wrapper.get('form').trigger('submit')
    await eventually(() => wrapper.find('[data-testid="enroll-pin-error"]').exists())
    expect(wrapper.get('[data-testid="enroll-pin-error"]').text()).toBe('密码要 4 到 8 位数字，请重新输入。')
    expect(useDeviceStore(village!.pinia).clerks()).toEqual([])
    expect(wrapper.find('[data-testid="enroll-next"]').exists()).toBe(false)
    await wrapper.get('[data-testid="enroll-pin"]').setValue('4821')
    await wrapper.get('form').trigger('submit')
    await eventually(() => useDeviceStore(village!.pinia).clerks().some((c) => c.personId === clerk.id), 8_000)
    expect(useDeviceStore(village!.pinia).clerks().find((c) => c.personId === clerk.id)?.name).toBe('王文书')
    // Saved: the screen says what the PIN is for, and the way on is a button, not only "back".
    await eventually(() => wrapper.find('[data-testid="enroll-pin-saved"]').exists())
    expect(wrapper.get('[data-testid="enroll-pin-saved"]').text()).toContain('王文书的密码已保存')
    // the PIN is not what signs: the screen says so once, where the clerk first meets the PIN, and where passphrases are set
    expect(wrapper.get('[data-testid="enroll-pin-saved"]').text()).toContain('用的不是这个密码，而是每个人自己的口令，在“本人口令”页设置')
    expect(wrapper.get('[data-testid="enroll-next"]').attributes('href')).toBe('/')
    expect(wrapper.get('[data-testid="enroll-next"]').text()).toContain('开始使用')
  })

  it('adds a second clerk PIN only when a clerk already on the tablet types theirs', async () => {
    village = await openTestVillage({ locked: true })
    const roster = useRosterStore(village.pinia)
    useActingStore(village.pinia).begin({ id: 'person:clerk', name: '王文书', roles: ['clerk'] })
    const other = await roster.addPerson(row('刘二', '8', ['clerk']))
    useActingStore(village.pinia).lock()
    await useDeviceStore(village.pinia).setClerkPin({ personId: 'person:clerk', name: '王文书' }, '4821')
    useSessionStore(village.pinia).setEnrollment({ villageId: 'test-village', villageName: '清波村', townshipName: '花园镇', deviceId: 'tablet-test' })
    const { wrapper } = await mountFeature(DeviceEnrollView, { path: '/device/enroll', pinia: village.pinia })
    await eventually(() => wrapper.findAll('[data-testid="enroll-clerk"] option').length === 2)
    expect(wrapper.text()).toContain('再加一位文书，要先由已有的文书输入密码同意')
    await wrapper.get('[data-testid="enroll-clerk"]').setValue(other.id)
    await wrapper.get('[data-testid="enroll-pin"]').setValue('1111')
    await wrapper.get('form').trigger('submit')
    const acting = useActingStore(village.pinia)
    await eventually(() => acting.request?.act === 'key.witness')
    acting.cancel()
    await eventually(() => acting.refusal?.code === 'cancelled')
    expect(useDeviceStore(village!.pinia).clerks().map((c) => c.name)).toEqual(['王文书'])
  })

  it('without a roster yet, takes the clerk by name and gives them their own id', async () => {
    village = await openTestVillage()
    useSessionStore(village.pinia).setEnrollment({ villageId: 'test-village', villageName: '清波村', townshipName: '花园镇', deviceId: 'tablet-test' })
    const { wrapper } = await mountFeature(DeviceEnrollView, { path: '/device/enroll', pinia: village.pinia })
    expect(wrapper.text()).toContain('村民名册还没同步')
    await wrapper.get('[data-testid="enroll-clerk-name"]').setValue('李文书')
    await wrapper.get('[data-testid="enroll-pin"]').setValue('2580')
    await wrapper.get('form').trigger('submit')
    await eventually(() => useDeviceStore(village!.pinia).clerks().some((c) => c.name === '李文书'), 8_000)
    expect(useDeviceStore(village!.pinia).clerks().find((c) => c.name === '李文书')?.personId).toMatch(/^person:clerk-[0-9a-f]{8}$/)
  })
})
