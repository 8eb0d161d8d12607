import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import MeetingsView from '@/features/meetings/MeetingsView.vue'
import MeetingView from '@/features/meetings/MeetingView.vue'
import MeetingsSignaturePad from '@/features/meetings/MeetingsSignaturePad.vue'
import { useMeetingsStore } from '@/stores/meetings'
import { useRosterStore } from '@/stores/roster'
import { useProposalsStore } from '@/stores/proposals'
import * as D from '@/domain'
import { mountFeature } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'
import { openVoteVillage, withPersonKey } from '../votes/village'

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

const member = (household: string, name: string, roles: ('council-member' | 'supervisor')[]) =>
  ({ household, name, unit: '一组', roles, adult: true, eligible: true, householdHead: true })

async function councilVillage() {
  village = await openTestVillage()
  const roster = useRosterStore(village.pinia)
  await roster.importRows([member('1', '张三', ['council-member']), member('2', '李四', ['council-member']), member('3', '王五', ['council-member']), member('4', '赵监', ['supervisor'])])
  await eventually(() => roster.people.length === 4)
  return village
}

describe('scheduling a meeting', () => {
  it('counts the members expected from the roster and opens the new meeting', async () => {
    const { pinia } = await councilVillage()
    const { wrapper, router } = await mountFeature(MeetingsView, { pinia, path: '/meetings' })
    await wrapper.get('[data-testid="meeting-schedule"]').trigger('click')
    await eventually(() => document.querySelector('[data-testid="meeting-form"]') !== null)
    const form = document.querySelector('[data-testid="meeting-form"]') as HTMLFormElement
    // Village council is the default kind: 3 council members in the roster.
    expect((form.querySelector('[data-testid="meeting-members"] input') as HTMLInputElement).value).toBe('3')
    const title = form.querySelector('[data-testid="meeting-title"] input') as HTMLInputElement
    title.value = '民生项目议事会'
    title.dispatchEvent(new Event('input'))
    form.dispatchEvent(new Event('submit'))
    await eventually(() => router.currentRoute.value.name === 'meeting')
    const [m] = await village!.data.meetings.list()
    expect(m).toMatchObject({ title: '民生项目议事会', kind: 'village-council', memberCount: 3, status: 'planned' })
    wrapper.unmount()
  })
})

describe('running a meeting', () => {
  async function meetingScreen(locale: 'zh-CN' | 'en' = 'zh-CN') {
    const { pinia } = await councilVillage()
    const meetings = useMeetingsStore(pinia)
    const m = await meetings.schedule({ kind: 'village-council', title: 'Council', scheduledAt: Date.now(), place: '', unitId: '', memberCount: 3 })
    const mounted = await mountFeature(MeetingView, { pinia, props: { id: m.id }, locale })
    await eventually(() => mounted.wrapper.find('[data-testid="meeting-quorum"]').exists())
    return { ...mounted, meetings, id: m.id }
  }

  it('once closed, says the meeting is over rather than inviting a vote', async () => {
    const { wrapper, id } = await meetingScreen()
    const quorum = () => wrapper.get('[data-testid="meeting-quorum"]')
    for (const n of wrapper.findAll('[data-testid="checkin-person"]').slice(0, 2)) await n.trigger('click')
    await eventually(() => quorum().text().includes('够法定人数，可以表决'))
    await village!.data.meetings.update(id, { status: 'closed' })
    await eventually(() => quorum().text().includes('会议已结束，到会人数够法定人数'))
    expect(quorum().text()).not.toContain('可以表决')
    wrapper.unmount()
  })

  it('checks people in by tapping names and shows the quorum live', async () => {
    const { wrapper } = await meetingScreen()
    const quorum = () => wrapper.get('[data-testid="meeting-quorum"]')
    expect(quorum().attributes('data-quorate')).toBe('false')
    expect(quorum().text()).toContain('还差 2 人才够法定人数')
    const names = wrapper.findAll('[data-testid="checkin-person"]')
    expect(names.map((n) => n.find('span').text())).toEqual(['张三', '李四', '王五'])
    await names[0]!.trigger('click')
    await eventually(() => quorum().text().includes('到会 1 人'))
    await names[0]!.trigger('click') // a second tap changes nothing
    await names[1]!.trigger('click')
    await eventually(() => quorum().attributes('data-quorate') === 'true')
    expect(quorum().text()).toContain('到会 2 人 / 应到 3 人，至少要 2 人')
    expect(wrapper.findAll('[data-testid="checkin-person"]')[0]!.attributes('aria-pressed')).toBe('true')
    expect(await village!.data.attendance.count()).toBe(2)
    wrapper.unmount()
  })

  it('checks in a household by its number', async () => {
    const { wrapper } = await meetingScreen('en')
    await wrapper.get('[data-testid="checkin-household"]').setValue('3')
    await wrapper.get('.checkin-household').trigger('submit')
    await eventually(() => wrapper.find('[data-testid="checkin-message"]').exists())
    expect(wrapper.get('[data-testid="checkin-message"]').text()).toBe('Household 3: 1 checked in')
    await wrapper.get('[data-testid="checkin-household"]').setValue('4')
    await wrapper.get('.checkin-household').trigger('submit')
    await eventually(() => wrapper.get('[data-testid="checkin-message"]').text().includes('No expected member in household 4'))
    wrapper.unmount()
  })

  it('names a household checked in by its card code by its head, not by the code', async () => {
    const { wrapper } = await meetingScreen()
    await village!.data.persons.create({ name: '赵玉兰', householdId: 'household:qingbo-4', householdHead: true, roles: ['council-member'] })
    await eventually(() => wrapper.findAll('[data-testid="checkin-person"]').length === 4)
    await wrapper.get('[data-testid="checkin-household"]').setValue('household:qingbo-4')
    await wrapper.get('.checkin-household').trigger('submit')
    await eventually(() => wrapper.find('[data-testid="checkin-message"]').exists())
    expect(wrapper.get('[data-testid="checkin-message"]').text()).toBe('赵玉兰家已签到 1 人')
    wrapper.unmount()
  })

  it("records a resolution with the domain's outcome and explains it", async () => {
    const { wrapper, meetings, id } = await meetingScreen()
    const people = useRosterStore(village!.pinia).people
    for (const p of people.slice(0, 2)) await meetings.checkIn(id, p.id)
    await eventually(() => meetings.present(id) === 2)
    await useProposalsStore(village!.pinia).add({ title: '修路', description: '', category: 'road', unitId: '', estimatedCost: 0, photos: [], voiceNote: '' })
    await wrapper.findAll('[role="tab"]').find((tab) => tab.text() === '表决')!.trigger('click')
    await eventually(() => wrapper.find('[data-testid="resolution-motion"]').exists())
    // the motion's box carries its name (表决事项) with it, not a borderless line
    expect(wrapper.get('[data-testid="resolution-motion"] textarea').element.closest('label')?.textContent).toContain('表决事项')
    await wrapper.get('[data-testid="resolution-motion"] textarea').setValue('同意修路列为候选项目')
    // the counters' live buttons are dark on white; only one that cannot be used (minus at 0) is faded
    const theme = (wrapper.get('[data-testid="resolution-counts"]').element as HTMLElement).style
    expect(theme.getPropertyValue('--van-stepper-background')).toBe('#fff')
    expect(theme.getPropertyValue('--van-stepper-button-icon-color')).toBe('var(--yishi-ink)')
    expect(theme.getPropertyValue('--van-stepper-button-disabled-icon-color')).toBe('#c8c8c8')
    expect(wrapper.find('[data-testid="resolution-yes"] .van-stepper__minus--disabled').exists()).toBe(true)
    // one vote each for those checked in: the counters say so, and together never pass the 2 present
    expect(wrapper.get('[data-testid="resolution-limit"]').text()).toBe('每人一票：赞成、反对、弃权加起来不能多于到会的 2 人。')
    const yes = wrapper.get('[data-testid="resolution-yes"] input')
    await yes.setValue('3')
    await yes.trigger('blur')
    await flushPromises()
    expect((yes.element as HTMLInputElement).value).toBe('2')
    expect(wrapper.find('[data-testid="resolution-yes"] .van-stepper__plus--disabled').exists()).toBe(true)
    expect(wrapper.find('[data-testid="resolution-no"] .van-stepper__plus--disabled').exists()).toBe(true)
    expect(wrapper.find('[data-testid="resolution-abstain"] .van-stepper__plus--disabled').exists()).toBe(true)
    await wrapper.get('[data-testid="resolution-no"] .van-stepper__plus').trigger('click')
    expect((wrapper.get('[data-testid="resolution-no"] input').element as HTMLInputElement).value).toBe('0')
    expect(wrapper.find('[data-testid="resolution-yes"] .van-stepper__minus--disabled').exists()).toBe(false)
    await wrapper.get('[data-testid="resolution-form"]').trigger('submit')
    await eventually(() => wrapper.find('[data-testid="resolution"]').exists())
    expect(wrapper.get('[data-testid="resolution-outcome"]').text()).toBe('通过')
    // Council: quorum two-thirds of 3 = 2; adopted by more than half of all 3 members = 2 yes.
    expect(wrapper.get('[data-testid="resolution-explanation"]').text()).toBe('到会 2 人 / 应到 3 人（至少 2 人）；赞成 2 票，至少要 2 票。')
    const [stored] = await village!.data.resolutions.list()
    expect(stored).toMatchObject({ outcome: 'adopted', yes: 2, present: 2, members: 3 })
    expect(String(stored!.explanation)).toContain('2 of 3 present')
    wrapper.unmount()
  })
})

describe('a courtyard council whose members the roster does not mark', () => {
  it('says which role is missing when scheduling, and still lets the courtyard\'s villagers check in', async () => {
    const { pinia } = await councilVillage()
    const { wrapper } = await mountFeature(MeetingsView, { pinia, path: '/meetings' })
    await wrapper.get('[data-testid="meeting-schedule"]').trigger('click')
    await eventually(() => document.querySelector('[data-testid="meeting-form"]') !== null)
    ;(document.querySelector('[data-testid="meeting-kind-courtyard-council"]') as HTMLButtonElement).click()
    await eventually(() => document.querySelector('[data-testid="meeting-members-hint"]')?.textContent?.includes('院落议事会成员') === true)
    expect(document.querySelector('[data-testid="meeting-members-hint"]')!.textContent).toContain('名册里全村还没有人标为“院落议事会成员”')
    wrapper.unmount()

    const meetings = useMeetingsStore(pinia)
    const unitId = useRosterStore(pinia).units[0]!.id
    const m = await meetings.schedule({ kind: 'courtyard-council', title: '一组院落议事会', scheduledAt: Date.now(), place: '', unitId, memberCount: 3 })
    const screen = await mountFeature(MeetingView, { pinia, props: { id: m.id } })
    await eventually(() => screen.wrapper.find('[data-testid="checkin-nobody"]').exists())
    expect(screen.wrapper.get('[data-testid="checkin-nobody"]').text()).toContain('名册里一组还没有人标为“院落议事会成员”')
    expect(screen.wrapper.get('[data-testid="checkin-nobody"]').text()).toContain('现在也可以直接点下面村民的名字签到')
    // Not a dead end: the people of 一组 are there to tap.
    const names = screen.wrapper.findAll('[data-testid="checkin-person"]')
    expect(names.map((n) => n.find('span').text())).toEqual(['张三', '李四', '王五', '赵监'])
    await names[0]!.trigger('click')
    await eventually(() => meetings.present(m.id) === 1)
    // Never more than the members expected (3 here): the quorum counts against that number.
    await names[1]!.trigger('click')
    await names[2]!.trigger('click')
    await eventually(() => screen.wrapper.find('[data-testid="checkin-full"]').exists())
    expect(screen.wrapper.get('[data-testid="checkin-full"]').text()).toBe('已到应到人数（3 人）。')
    expect(screen.wrapper.findAll('[data-testid="checkin-person"]')[3]!.attributes('disabled')).toBeDefined()
    await screen.wrapper.get('[data-testid="checkin-household"]').setValue('4')
    await screen.wrapper.get('.checkin-household').trigger('submit')
    await eventually(() => screen.wrapper.find('[data-testid="checkin-message"]').exists())
    expect(meetings.present(m.id)).toBe(3)
    screen.wrapper.unmount()
  })
})

describe('the signature pad', () => {
  const people = [{ id: 'person:a', name: '张秀英' }, { id: 'person:b', name: '刘德华' }]
  function draw(canvas: Element, pointerType: string, pointerId: number) {
    const fire = (type: string, i: number) => canvas.dispatchEvent(new PointerEvent(type, { pointerId, pointerType, isPrimary: true, bubbles: true, cancelable: true, button: 0, clientX: 20 + i * 10, clientY: 50 + (i % 3) * 8 }))
    fire('pointerdown', 0)
    for (let i = 1; i < 8; i++) fire('pointermove', i)
    fire('pointerup', 8)
  }

  it('signs with a mouse, a pen or a finger (pointer events), and 重写 wipes the pad', async () => {
    const { wrapper } = await mountFeature(MeetingsSignaturePad, { props: { people } })
    const canvas = wrapper.get('[data-testid="signature-canvas"]')
    expect(wrapper.text()).toContain('请在框里签名')
    expect(wrapper.get('[data-testid="signature-clear"]').attributes('disabled')).toBeDefined()

    draw(canvas.element, 'mouse', 1)
    await eventually(() => canvas.attributes('data-strokes') === '1')
    draw(canvas.element, 'pen', 2)
    draw(canvas.element, 'touch', 3)
    await eventually(() => canvas.attributes('data-strokes') === '3')
    expect(wrapper.text()).not.toContain('请在框里签名')
    // A move with no pointer down draws nothing.
    canvas.element.dispatchEvent(new PointerEvent('pointermove', { pointerId: 4, pointerType: 'mouse', clientX: 5, clientY: 5, bubbles: true }))
    expect(canvas.attributes('data-strokes')).toBe('3')

    await wrapper.get('[data-testid="signature-clear"]').trigger('click')
    await eventually(() => canvas.attributes('data-strokes') === '0')
    expect(wrapper.text()).toContain('请在框里签名')
    wrapper.unmount()
  })

  it('asks who signs, refuses an empty pad, then hands over the signer and a PNG', async () => {
    const { wrapper } = await mountFeature(MeetingsSignaturePad, { props: { people } })
    await wrapper.get('[data-testid="signature-confirm"]').trigger('click')
    expect(wrapper.get('[data-testid="signature-problem"]').text()).toBe('请选择签名人')
    await wrapper.findAll('[data-testid="signature-person"]')[1]!.trigger('click')
    await wrapper.get('[data-testid="signature-confirm"]').trigger('click')
    expect(wrapper.get('[data-testid="signature-problem"]').text()).toBe('还没有签名：请先在框里写上名字')
    expect(wrapper.emitted('signed')).toBeUndefined()

    draw(wrapper.get('[data-testid="signature-canvas"]').element, 'pen', 7)
    await eventually(() => wrapper.get('[data-testid="signature-canvas"]').attributes('data-strokes') === '1')
    await wrapper.get('[data-testid="signature-confirm"]').trigger('click')
    const [[by, image]] = wrapper.emitted('signed') as [[string, Blob]]
    expect(by).toBe('person:b')
    expect(image.type).toBe('image/png')
    wrapper.unmount()
  })

  it('with one possible signer, has them picked already: signing is drawing and confirming', async () => {
    const only = [{ id: 'person:sup1', name: '李监事' }]
    const { wrapper } = await mountFeature(MeetingsSignaturePad, { props: { people: only } })
    expect(wrapper.get('[data-testid="signature-person"]').attributes('aria-pressed')).toBe('true')
    draw(wrapper.get('[data-testid="signature-canvas"]').element, 'touch', 5)
    await eventually(() => wrapper.get('[data-testid="signature-canvas"]').attributes('data-strokes') === '1')
    await wrapper.get('[data-testid="signature-confirm"]').trigger('click')
    const [[by]] = wrapper.emitted('signed') as [[string, Blob]]
    expect(by).toBe('person:sup1')
    wrapper.unmount()
  })

  it('explains why the meeting cannot be closed before both signatures', async () => {
    const { pinia } = await councilVillage()
    const m = await useMeetingsStore(pinia).schedule({ kind: 'village-council', title: 'Council', scheduledAt: Date.now(), place: '', unitId: '', memberCount: 3 })
    const { wrapper } = await mountFeature(MeetingView, { pinia, props: { id: m.id } })
    await wrapper.findAll('[role="tab"]').find((tab) => tab.text() === '签名')!.trigger('click')
    await eventually(() => wrapper.find('[data-testid="meeting-close-needs"]').exists())
    expect(wrapper.get('[data-testid="meeting-close-needs"]').text()).toBe('主持人和监事都签名后，才能结束会议。')
    // one order only: sign, then close (never also "sign after the meeting has ended")
    expect(wrapper.text()).not.toContain('会议结束后')
    expect(wrapper.get('[data-testid="meeting-close"]').attributes('disabled')).toBeDefined()
    wrapper.unmount()
  })
  it('names the chair and supervisor the roster names whose roles no clerk has signed yet, under the signatures, rather than leaving them out unexplained', async () => {
    // the roster was imported without the clerk's key: every role waits for a signature
    const { pinia } = await councilVillage()
    const m = await useMeetingsStore(pinia).schedule({ kind: 'village-council', title: 'Council', scheduledAt: Date.now(), place: '', unitId: '', memberCount: 3 })
    const { wrapper } = await mountFeature(MeetingView, { pinia, props: { id: m.id } })
    await wrapper.findAll('[role="tab"]').find((tab) => tab.text() === '签名')!.trigger('click')
    await eventually(() => wrapper.find('[data-testid="signature-chair"] [data-testid="roles-pending"]').exists())
    expect(wrapper.find('[data-testid="signature-chair"] [data-testid="signature-nokey-chair"]').exists()).toBe(true)
    // the way to set one up names the page it opens by that page's title
    expect(wrapper.get('[data-testid="signature-nokey-chair"] a').text()).toBe('去“本人口令”页设置')
    expect(wrapper.get('[data-testid="signature-chair"] [data-testid="roles-pending"]').text()).toBe('张三、李四和王五：职务还没有文书签名，暂不生效')
    expect(wrapper.get('[data-testid="signature-supervisor"] [data-testid="roles-pending"]').text()).toBe('赵监：职务还没有文书签名，暂不生效')
    wrapper.unmount()
  })
})

describe("the village's own rules", () => {
  it('judges a resolution by the quorum and threshold of the village procedure template', async () => {
    village = await openTestVillage()
    const { pinia, data } = village
    const roster = useRosterStore(pinia)
    await roster.importRows([1, 2, 3, 4, 5].map((n) => member(String(n), `委员${n}`, ['council-member'])))
    await eventually(() => roster.people.length === 5)
    // This village needs two-thirds of all council members for a decision (infrastructure spending).
    await data.procedures.create({ ...D.DEFAULT_TEMPLATE, id: 'procedure:village-rules', meetingRules: { ...D.DEFAULT_TEMPLATE.meetingRules, 'village-council': D.MEETING_RULE_VARIANTS.councilTwoThirds } })
    const meetings = useMeetingsStore(pinia)
    await eventually(() => meetings.rules['village-council'].threshold.num === 2)
    const m = await meetings.schedule({ kind: 'village-council', title: '修路', scheduledAt: Date.now(), place: '', unitId: '', memberCount: 5 })
    await eventually(() => !!meetings.byId(m.id))
    for (const p of roster.people) await meetings.checkIn(m.id, p.id)
    await eventually(() => meetings.present(m.id) === 5)
    // 3 of 5 is more than half (the default) but less than two-thirds.
    const r = await meetings.resolve(m.id, { agendaKey: '', motion: '修路', yes: 3, no: 2, abstain: 0 })
    expect(r).toMatchObject({ outcome: 'rejected' })
  })
})

describe('before the meeting', () => {
  it('says on the check-in tab who cannot sign the minutes yet — a chair, a supervisor — while there is time to set a passphrase up', async () => {
    const v = await openVoteVillage()
    village = v
    const m = await useMeetingsStore(v.pinia).schedule({ kind: 'village-council', title: '议事会', scheduledAt: v.now(), place: '', unitId: '', memberCount: 1 })
    const { wrapper } = await mountFeature(MeetingView, { pinia: v.pinia, props: { id: m.id } })
    const note = () => wrapper.find('[data-testid="meeting-sign-ready"]')
    await eventually(() => note().exists())
    expect(note().text()).toContain('能当主持人的议事会成员和监事还没有在本平板设好本人口令')
    expect(note().get('a').text()).toBe('去“本人口令”页设置')
    // 李监事 sets theirs up: only the chair is missing
    await withPersonKey(v, 'person:sup1', '李家院子123')
    await eventually(() => !note().text().includes('和监事'))
    expect(note().text()).toContain('能当主持人的议事会成员还没有在本平板设好本人口令')
    // 赵监事 sits on the council too: with their passphrase, both can sign, and nothing is said
    await withPersonKey(v, 'person:sup2', '赵家老屋2号')
    await eventually(() => !note().exists())
    wrapper.unmount()
  })
})
