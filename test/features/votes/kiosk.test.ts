import { afterEach, describe, expect, it } from 'vitest'
import KioskView from '@/features/votes/KioskView.vue'
import { pwaState } from '@/modules/pwa'
import { useActingStore } from '@/stores/acting'
import { mountFeature } from '../support/mount'
import { eventually } from '../support/village'
import { CLERK_PIN, T0, openApprovalVote, openVoteVillage } from './village'

let village: Awaited<ReturnType<typeof openVoteVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

async function kiosk(extra: Record<string, unknown> = {}, opts: Parameters<typeof openVoteVillage>[0] = {}) {
  village = await openVoteVillage(opts)
  await openApprovalVote(village, extra)
  const mounted = await mountFeature(KioskView, { path: '/votes/vote:lights/kiosk', pinia: village.pinia })
  return mounted
}

type W = Awaited<ReturnType<typeof kiosk>>['wrapper']
const phase = (w: W) => w.get('[data-testid="kiosk"]').attributes('data-phase')

async function typePin(w: W, pin: string) {
  for (const d of pin) await w.get(`[data-testid="pin-${d}"]`).trigger('click')
  await w.get('[data-testid="pin-ok"]').trigger('click')
}

/** The clerk unlocks, finds the voter by `search`, checks them off and hands the tablet over: the ballot is on screen. */
async function handOver(w: W, search: string, personId: string) {
  await typePin(w, CLERK_PIN)
  await eventually(() => phase(w) === 'find', 5000)
  await w.get('[data-testid="voter-search"]').setValue(search)
  await w.get(`[data-testid="voter-${personId}"]`).trigger('click')
  await w.get('[data-testid="voter-confirm"]').trigger('click')
  await w.get('[data-testid="kiosk-start"]').trigger('click')
}

describe('the ballot kiosk', () => {
  it('takes a voter from check-off to a private ballot and back to a neutral screen that shows nothing of it', async () => {
    const { wrapper: w } = await kiosk()
    expect(phase(w)).toBe('locked')
    expect(pwaState.holds).toContain('ballot')
    // The tablet went to the voters: the clerk who was acting no longer is (a voter cannot use their PIN's window).
    await eventually(() => useActingStore(village!.pinia).acting === null)

    // A wrong PIN keeps it locked and says so.
    await typePin(w, '0000')
    await eventually(() => w.find('[data-testid="pin-error"]').exists())
    expect(w.get('[data-testid="pin-error"]').text()).toContain('密码不对')
    expect(phase(w)).toBe('locked')

    await typePin(w, CLERK_PIN)
    await eventually(() => phase(w) === 'find', 5000)
    expect(w.text()).toContain('已领票 0 / 6 人')

    // The clerk finds the voter by household number and checks identity before handing over.
    await w.get('[data-testid="voter-search"]').setValue('3-12')
    await w.get('[data-testid="voter-person:zhang"]').trigger('click')
    expect(w.get('[data-testid="voter-picked"]').text()).toContain('张秀英')
    await w.get('[data-testid="voter-confirm"]').trigger('click')
    await eventually(() => phase(w) === 'handover')
    expect(w.text()).toContain('请把平板交给张秀英')
    await w.get('[data-testid="kiosk-start"]').trigger('click')

    // Big cards with a read-aloud button each; at most two may be chosen.
    await eventually(() => phase(w) === 'ballot')
    expect(w.findAll('[data-testid^="ballot-card-"]')).toHaveLength(3)
    // The cards have no pictures here: the instruction says to tap a project, not a picture.
    expect(w.findAll('[data-testid^="ballot-card-"] img')).toHaveLength(0)
    expect(w.text()).toContain('点一下项目就是选上')
    expect(w.text()).not.toContain('图片')
    expect(w.findAll('[data-testid^="ballot-card-"] [data-testid="read-aloud"]')).toHaveLength(3)
    await w.get('[data-testid="ballot-card-project:lamps"] [role="checkbox"]').trigger('click')
    await w.get('[data-testid="ballot-card-project:water"] [role="checkbox"]').trigger('click')
    await w.get('[data-testid="ballot-card-project:road"] [role="checkbox"]').trigger('click')
    expect(w.get('[data-testid="ballot-card-project:road"] [role="checkbox"]').attributes('aria-checked')).toBe('false')
    expect(w.get('[data-testid="ballot-limit"]').text()).toContain('最多只能选 2 项')
    expect(w.get('[data-testid="ballot-card-project:lamps"] [role="checkbox"]').attributes('aria-checked')).toBe('true')
    expect(w.get('[data-testid="ballot-counter"]').text()).toBe('已选 2 项，最多 2 项')

    // Change of mind: untick water, tick road.
    await w.get('[data-testid="ballot-card-project:water"] [role="checkbox"]').trigger('click')
    await w.get('[data-testid="ballot-card-project:road"] [role="checkbox"]').trigger('click')
    await w.get('[data-testid="ballot-next"]').trigger('click')
    expect(phase(w)).toBe('confirm')
    expect(w.get('[data-testid="kiosk-confirm"]').text()).toContain('村口装路灯')
    expect(w.get('[data-testid="kiosk-confirm"]').text()).toContain('三组道路硬化')
    expect(w.get('[data-testid="kiosk-confirm"]').text()).not.toContain('修水渠')
    await w.get('[data-testid="confirm-cast"]').trigger('click')

    await eventually(() => phase(w) === 'thanks')
    // Nothing of the ballot or the voter is on screen or in the kiosk's state any more.
    for (const secret of ['张秀英', '村口装路灯', '三组道路硬化']) expect(document.body.textContent).not.toContain(secret)
    await w.get('[data-testid="thanks-done"]').trigger('click')
    expect(phase(w)).toBe('neutral')
    expect(document.body.textContent).not.toContain('张秀英')
    expect(w.text()).toContain('请把平板交回给工作人员')

    // What was written: one check-off naming the voter; the ballot waits in the tablet's ballot box.
    const [checkoff] = await village!.data.checkoffs.list({ ref: 'vote:lights' })
    expect(checkoff).toMatchObject({ id: 'checkoff:lights:zhang', voterId: 'person:zhang', recordedBy: 'person:clerk' })
    expect(await village!.data.ballots.count({ ref: 'vote:lights' })).toBe(0)
    expect(await village!.data.ballotBox.count('vote:lights')).toBe(1)

    // Next voter: the clerk's PIN again; the first voter now shows as already checked off.
    await typePin(w, CLERK_PIN)
    await eventually(() => phase(w) === 'find', 5000)
    expect(w.text()).toContain('已领票 1 / 6 人')
    await w.get('[data-testid="voter-search"]').setValue('张')
    expect(w.get('[data-testid="voter-person:zhang"]').attributes('disabled')).toBeDefined()
    expect(w.get('[data-testid="voter-person:zhang"]').text()).toContain('已领过票')

    // The clerk leaves the kiosk (PIN): the session's ballots are written, one ballot naming no one.
    await w.get('[data-testid="kiosk-exit"]').trigger('click')
    await eventually(() => phase(w) === 'exit')
    await typePin(w, CLERK_PIN)
    await eventually(async () => (await village!.data.ballotBox.count()) === 0, 5000)
    const [ballot] = await village!.data.ballots.list({ ref: 'vote:lights' })
    expect(ballot!.choices.sort()).toEqual(['project:lamps', 'project:road'])
    expect(JSON.stringify(ballot)).not.toContain('zhang')
    expect(await village!.data.ballots.count({ ref: 'vote:lights' })).toBe(1)
    expect(pwaState.holds).not.toContain('ballot')
    w.unmount()
  }, 30_000)

  it('says in Chinese why a ballot was not saved when the vote closed while the voter chose, and keeps it off the box', async () => {
    let clock = T0
    const { wrapper: w } = await kiosk({}, { now: () => clock })
    await handOver(w, '刘', 'person:liu')
    await w.get('[data-testid="ballot-card-project:lamps"] [role="checkbox"]').trigger('click')
    await w.get('[data-testid="ballot-next"]').trigger('click')
    // the vote's closing time passes while the voter looks at the confirm screen
    clock = T0 + 49 * 3_600_000
    await w.get('[data-testid="confirm-cast"]').trigger('click')
    await eventually(() => w.text().includes('票没有存上'), 5000)
    expect(w.text()).toContain('票没有存上：投票已经结束了。请叫工作人员。')
    expect(w.text()).not.toMatch(/the vote closed|ballot cast at/)
    expect(phase(w)).toBe('confirm')
    expect(await village!.data.ballotBox.count('vote:lights')).toBe(0)
    w.unmount()
  }, 30_000)

  it('records a blank ballot when the voter chooses nothing, after saying so', async () => {
    const { wrapper: w } = await kiosk()
    await handOver(w, '刘', 'person:liu')
    await w.get('[data-testid="ballot-next"]').trigger('click')
    expect(w.get('[data-testid="confirm-blank"]').text()).toContain('空白票')
    await w.get('[data-testid="confirm-cast"]').trigger('click')
    await eventually(() => phase(w) === 'thanks')
    // leaving the kiosk screen ends the session: the boxed ballot is written
    w.unmount()
    await eventually(async () => (await village!.data.ballots.count({ ref: 'vote:lights' })) === 1, 5000)
    const [ballot] = await village!.data.ballots.list({ ref: 'vote:lights' })
    expect(ballot!.choices).toEqual([])
  }, 30_000)

  it('keeps a knapsack ballot within the budget and says why a card cannot be added', async () => {
    const { wrapper: w } = await kiosk({ ballotType: 'knapsack', maxChoices: 0 })
    await handOver(w, '陈', 'person:chen')
    await w.get('[data-testid="ballot-card-project:lamps"] [role="checkbox"]').trigger('click')
    await w.get('[data-testid="ballot-card-project:road"] [role="checkbox"]').trigger('click')
    expect(w.get('[data-testid="ballot-counter"]').text()).toBe('已选 ¥90,000，最多 ¥100,000')
    await w.get('[data-testid="ballot-card-project:water"] [role="checkbox"]').trigger('click')
    expect(w.get('[data-testid="ballot-card-project:water"] [role="checkbox"]').attributes('aria-checked')).toBe('false')
    expect(w.get('[data-testid="ballot-limit"]').text()).toContain('总费用不能超过 ¥100,000')
    await w.get('[data-testid="ballot-next"]').trigger('click')
    await w.get('[data-testid="confirm-cast"]').trigger('click')
    await eventually(() => phase(w) === 'thanks')
    // leaving the kiosk screen ends the session: the boxed ballot is written
    w.unmount()
    await eventually(async () => (await village!.data.ballots.count({ ref: 'vote:lights' })) === 1, 5000)
    const [ballot] = await village!.data.ballots.list({ ref: 'vote:lights' })
    expect(ballot!.choices.sort()).toEqual(['project:lamps', 'project:road'])
  }, 30_000)
})

describe('a voter who walks away from the kiosk', () => {
  it('records nothing for them: the tablet goes back to the clerk, who serves the next voter under their own name, and the first can still vote', async () => {
    const { wrapper: w } = await kiosk()
    // 张秀英 is checked off and handed the tablet, then walks away before starting
    await typePin(w, CLERK_PIN)
    await eventually(() => phase(w) === 'find', 5000)
    await w.get('[data-testid="voter-search"]').setValue('张')
    await w.get('[data-testid="voter-person:zhang"]').trigger('click')
    // the clerk is told when a voter counts as checked off, and what to do when one walks away
    expect(w.get('[data-testid="voter-picked"]').text()).toContain('投完票才记为已领票')
    await w.get('[data-testid="voter-confirm"]').trigger('click')
    await eventually(() => phase(w) === 'handover')
    // the clerk takes the tablet back: one tap asks, a second confirms; nothing is written
    await w.get('[data-testid="kiosk-cancel"]').trigger('click')
    expect(phase(w)).toBe('handover')
    await w.get('[data-testid="kiosk-cancel-confirm"]').trigger('click')
    await eventually(() => phase(w) === 'neutral')
    expect(w.text()).toContain('刚才的选民没有投票，也没有记为已领票')
    expect(w.text()).not.toContain('张秀英')
    expect(await village!.data.checkoffs.count({ ref: 'vote:lights' })).toBe(0)
    expect(await village!.data.ballotBox.count('vote:lights')).toBe(0)

    // the next voter, 刘德华, is served under their own name; 张秀英 is still free to vote
    await typePin(w, CLERK_PIN)
    await eventually(() => phase(w) === 'find', 5000)
    expect(w.text()).toContain('已领票 0 / 6 人')
    await w.get('[data-testid="voter-search"]').setValue('张')
    expect(w.get('[data-testid="voter-person:zhang"]').attributes('disabled')).toBeUndefined()
    await w.get('[data-testid="voter-search"]').setValue('刘')
    await w.get('[data-testid="voter-person:liu"]').trigger('click')
    await w.get('[data-testid="voter-confirm"]').trigger('click')
    await w.get('[data-testid="kiosk-start"]').trigger('click')
    await eventually(() => phase(w) === 'ballot')
    // a voter who chose, then walked away from the ballot: the clerk takes it back there too, and the choice is gone
    await w.get('[data-testid="ballot-card-project:lamps"] [role="checkbox"]').trigger('click')
    await w.get('[data-testid="kiosk-cancel"]').trigger('click')
    // changing their mind, they go on voting, their choice still there
    await w.get('[data-testid="kiosk-cancel-back"]').trigger('click')
    expect(w.get('[data-testid="ballot-card-project:lamps"] [role="checkbox"]').attributes('aria-checked')).toBe('true')
    await w.get('[data-testid="ballot-next"]').trigger('click')
    await w.get('[data-testid="confirm-cast"]').trigger('click')
    await eventually(() => phase(w) === 'thanks')
    const checkoffs = await village!.data.checkoffs.list({ ref: 'vote:lights' })
    expect(checkoffs.map((c) => c.voterId)).toEqual(['person:liu'])
    w.unmount()
  }, 30_000)

  it('takes the tablet back from the confirm screen when the vote closed under the voter: nothing saved, the clerk can leave', async () => {
    let clock = T0
    const { wrapper: w } = await kiosk({}, { now: () => clock })
    await handOver(w, '陈', 'person:chen')
    await w.get('[data-testid="ballot-card-project:road"] [role="checkbox"]').trigger('click')
    await w.get('[data-testid="ballot-next"]').trigger('click')
    clock = T0 + 49 * 3_600_000
    await w.get('[data-testid="confirm-cast"]').trigger('click')
    await eventually(() => w.text().includes('票没有存上'), 5000)
    await w.get('[data-testid="kiosk-cancel"]').trigger('click')
    await w.get('[data-testid="kiosk-cancel-confirm"]').trigger('click')
    await eventually(() => phase(w) === 'neutral')
    for (const secret of ['三组道路硬化', '陈小明']) expect(document.body.textContent).not.toContain(secret)
    expect(await village!.data.checkoffs.count({ ref: 'vote:lights' })).toBe(0)
    w.unmount()
  }, 30_000)
})

describe('the voter list of the kiosk', () => {
  it('counts a large roster as every screen writes numbers (1,200, not 1200)', async () => {
    village = await openVoteVillage()
    // a 1,200-voter polling day: the roster's ids are enough for the count (people not yet on this tablet are named so)
    await openApprovalVote(village, { roster: ['person:zhang', ...Array.from({ length: 1199 }, (_, i) => `person:v${i}`)] })
    const { wrapper: w } = await mountFeature(KioskView, { path: '/votes/vote:lights/kiosk', pinia: village.pinia })
    await typePin(w, CLERK_PIN)
    await eventually(() => phase(w) === 'find', 5000)
    expect(w.text()).toContain('已领票 0 / 1,200 人')
    w.unmount()
  })

  it('gives an example search from the roster itself: a surname and a household number as this roster writes them', async () => {
    village = await openVoteVillage()
    // households numbered as the demo seed and a roster import write them (户号 7), not "3-12"
    await village.data.persons.create({ id: 'person:h7', name: '黄志强', householdId: 'household:7', householdHead: true, roles: [] })
    await village.data.persons.create({ id: 'person:h8', name: '周桂芳', householdId: 'household:8', householdHead: true, roles: [] })
    await openApprovalVote(village, { roster: ['person:h7', 'person:h8'] })
    const { wrapper: w } = await mountFeature(KioskView, { path: '/votes/vote:lights/kiosk', pinia: village.pinia })
    await typePin(w, CLERK_PIN)
    await eventually(() => phase(w) === 'find', 5000)
    await eventually(() => w.get('[data-testid="voter-search"]').attributes('placeholder') === '例如：姓“黄”，或户号 7')
    // and the example finds someone, both ways
    await w.get('[data-testid="voter-search"]').setValue('7')
    expect(w.get('[data-testid="voter-person:h7"]').text()).toContain('户号 7')
    await w.get('[data-testid="voter-search"]').setValue('黄')
    expect(w.find('[data-testid="voter-person:h7"]').exists()).toBe(true)
    w.unmount()
  })

  it('says a household as people say it, never the roster\'s code', async () => {
    village = await openVoteVillage()
    await village.data.persons.create({ id: 'person:q1', name: '赵玉兰', householdId: 'household:qingbo-1', householdHead: true, roles: [] })
    await openApprovalVote(village, { roster: ['person:zhang', 'person:q1'] })
    const { wrapper: w } = await mountFeature(KioskView, { path: '/votes/vote:lights/kiosk', pinia: village.pinia })
    await typePin(w, CLERK_PIN)
    await eventually(() => phase(w) === 'find', 5000)
    await w.get('[data-testid="voter-search"]').setValue('赵玉兰')
    expect(w.get('[data-testid="voter-person:q1"]').text()).toBe('赵玉兰')
    await w.get('[data-testid="voter-search"]').setValue('3-12')
    expect(w.get('[data-testid="voter-person:zhang"]').text()).toContain('户号 3-12')
    w.unmount()
  })
})

describe('a kiosk on a tablet with no clerk PIN', () => {
  it('says where the clerk sets one (the clerk-PIN form of the enrollment page) and links there, coming back to this kiosk after', async () => {
    village = await openVoteVillage()
    village.kv.removeItem('yishi.clerks') // the tablet's clerk PINs (src/data/identity.ts): none
    await openApprovalVote(village)
    const { wrapper: w, router } = await mountFeature(KioskView, { path: '/votes/vote:lights/kiosk', pinia: village.pinia })
    await typePin(w, CLERK_PIN)
    await eventually(() => w.find('[data-testid="pin-error"]').exists())
    const error = w.get('[data-testid="pin-error"]').text()
    expect(error).toContain('还没有设置文书密码')
    expect(error).toContain('“本平板已登记”页')
    expect(error).not.toContain('设置中')
    const href = w.get('[data-testid="kiosk-set-clerk-pin"]').attributes('href')!
    // a real screen of the app (not the catch-all that sends an unknown path home), the one that sets a clerk PIN
    const target = router.resolve(href)
    expect(target.name).toBe('device-enroll')
    expect(target.query.next).toBe('/votes/vote:lights/kiosk')
    expect(w.get('[data-testid="kiosk-set-clerk-pin"]').text()).toContain('去“本平板已登记”页设置文书密码')
    expect(phase(w)).toBe('locked')
    w.unmount()
  })
})
