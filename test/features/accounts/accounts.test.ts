import { afterEach, describe, expect, it } from 'vitest'
import AccountsView from '@/features/accounts/AccountsView.vue'
import AccountsProjectView from '@/features/accounts/AccountsProjectView.vue'
import { useAccountsStore } from '@/stores/accounts'
import { useActingStore } from '@/stores/acting'
import { signedCosigns } from '@/shared/personacts'
import { mountFeature } from '../support/mount'
import { eventually } from '../support/village'
import { openVoteVillage, T0, withPersonKey } from '../votes/village'

const DAY = 86_400_000
const SUP2 = '赵家老屋2号'

let village: Awaited<ReturnType<typeof openVoteVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

/** A fund with one funded project; the decision was made public `noticeEnds` (default: a day ago, so spending may start). */
async function funded(noticeEnds = T0 - DAY) {
  village = await openVoteVillage()
  const fund = await village.data.funds.create({ year: 2026, amount: 20_000_000, source: '公共服务专项资金' })
  await village.data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: 'vote:lights', at: village.now() })
  await village.data.notices.create({ stage: 'decision', subjectId: fund.id, title: '资金安排公示', body: '', startAt: noticeEnds - 7 * DAY, endAt: noticeEnds, republishes: '' })
  return village
}

describe('implementation and accounts', () => {
  it('lists funded projects with spent versus allocated', async () => {
    const v = await funded()
    const { wrapper: w } = await mountFeature(AccountsView, { path: '/accounts', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="project-project:lamps"]').exists())
    expect(w.get('[data-testid="fund"]').text()).toContain('专项资金 ¥200,000，已安排到项目 ¥30,000')
    expect(w.get('[data-testid="project-project:lamps"]').text()).toContain('已花 ¥0 / 安排 ¥30,000')
    // a project shows a ledger, not the council cycle's own icon (议事流程 on the home screen)
    expect(w.get('[data-testid="project-project:lamps"] .van-icon').classes()).toContain('van-icon-balance-list-o')
    // What comes next, and where.
    expect(w.get('[data-testid="accounts-next"]').text()).toContain('到“公示”里发布过程公开和账目公开')
    expect(w.get('[data-testid="accounts-next"] a').attributes('href')).toBe('/notices')
  })

  it('records progress and expenses, refusing one over its allocation in words', async () => {
    const v = await funded()
    const { wrapper: w } = await mountFeature(AccountsProjectView, { path: '/accounts/project:lamps', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="expense-form"]').exists())

    await w.get('[data-testid="progress-text"]').setValue('灯杆已运到村口')
    await w.get('[data-testid="progress-percent"]').setValue('30')
    await w.get('[data-testid="progress-form"]').trigger('submit')
    await eventually(() => w.text().includes('灯杆已运到村口'))
    expect(w.text()).toContain('完成 30%')

    // Over the allocation: refused with the figures.
    await w.get('[data-testid="expense-amount"]').setValue('35000')
    await w.get('[data-testid="expense-payee"]').setValue('成都照明公司')
    await w.get('[data-testid="expense-purpose"]').setValue('路灯 10 盏')
    await w.get('[data-testid="expense-form"]').trigger('submit')
    await eventually(() => w.find('[data-testid="accounts-error"]').exists())
    // Said in Chinese with the amounts, not the domain's English or the project's id.
    expect(w.get('[data-testid="accounts-error"]').text()).toBe('记上这笔 ¥35,000 后，本项目共花 ¥35,000，超过了安排给它的 ¥30,000。请核对金额；确实不够时，要先经议事会调整资金安排。')
    // What was typed stays, to be corrected rather than typed again.
    expect((w.get('[data-testid="expense-amount"]').element as HTMLInputElement).value).toBe('35000')
    expect((w.get('[data-testid="expense-payee"]').element as HTMLInputElement).value).toBe('成都照明公司')

    await w.get('[data-testid="expense-amount"]').setValue('12000')
    await w.get('[data-testid="expense-payee"]').setValue('成都照明公司')
    await w.get('[data-testid="expense-purpose"]').setValue('路灯 4 盏')
    await w.get('[data-testid="expense-form"]').trigger('submit')
    await eventually(() => w.find('[data-testid^="ledger-ledger:"]').exists())
    const entry = () => w.get('[data-testid^="ledger-ledger:"]')
    expect(entry().text()).toContain('等待监事会签字')
    // The date as people write it, like the progress dates (not the stored ISO form).
    expect(entry().text()).not.toMatch(/\d{4}-\d{2}-\d{2}/)
    expect(w.get('[data-testid="spent-of"]').text()).toContain('已花 ¥12,000 / 安排 ¥30,000')

    // The clerk who typed their PIN recorded it, whatever the form said before.
    expect((await v.data.ledger.list())[0]).toMatchObject({ recordedBy: 'person:clerk' })
  })

  it('starts the next progress update at how far the work already is, not at 0%', async () => {
    const v = await funded()
    const { wrapper: w } = await mountFeature(AccountsProjectView, { path: '/accounts/project:lamps', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="progress-form"]').exists())
    expect(w.get('[data-testid="progress-form"]').text()).toContain('完成了多少：0%')
    await w.get('[data-testid="progress-text"]').setValue('灯杆已立好 6 根')
    await w.get('[data-testid="progress-percent"]').setValue('40')
    await w.get('[data-testid="progress-form"]').trigger('submit')
    await eventually(() => w.text().includes('灯杆已立好 6 根'))
    // the fresh form for the next update reads 40%, as the line above it says, and the clerk moves it on from there
    await eventually(() => w.get('[data-testid="progress-form"]').text().includes('完成了多少：40%'))
    expect((w.get('[data-testid="progress-percent"]').element as HTMLInputElement).value).toBe('40')
  })

  // key derivation (PBKDF2: the clerk's key, then the supervisor's) is slow on a busy machine
  it('a co-signature needs the supervisor\'s own passphrase, typed now; it carries their signature', { timeout: 60_000 }, async () => {
    const v = await funded()
    const { wrapper: w } = await mountFeature(AccountsProjectView, { path: '/accounts/project:lamps', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="expense-form"]').exists())
    await useAccountsStore(v.pinia).addExpense('project:lamps', { amount: 1_200_000, payee: '成都照明公司', purpose: '路灯 4 盏', date: new Date(T0).toISOString().slice(0, 10), photos: [] })
    const entry = () => w.get('[data-testid^="ledger-ledger:"]')
    await eventually(() => w.find('[data-testid^="ledger-ledger:"]').exists())
    // No supervisor has a passphrase yet: nobody can co-sign, and the screen says where to set one up.
    expect(entry().get('[data-testid="cosign-nokey"]').text()).toContain('还没有监事设好本人口令')
    await withPersonKey(v, 'person:sup2', SUP2)
    await eventually(() => w.find('[data-testid="cosign-open"]').exists())

    const acting = useActingStore(v.pinia)
    await entry().get('[data-testid="cosign-open"]').trigger('click')
    expect(entry().findAll('[data-testid="cosign-by"] option').map((o) => o.text())).toEqual(['选择人员', '赵监事'])
    await entry().get('[data-testid="cosign-by"]').setValue('person:sup2')
    await entry().get('[data-testid="cosign-approve"]').trigger('click')
    // The clerk acting on the tablet is not enough: the tablet asks 赵监事 for their passphrase.
    await eventually(() => acting.request?.act === 'expense.cosign')
    expect(acting.request?.candidates).toEqual([{ id: 'person:sup2', name: '赵监事', secret: 'passphrase' }])
    expect(await acting.answer('person:sup2', '不是这个口令啊')).toMatchObject({ ok: false, reason: 'wrong', remaining: 4 })
    expect(await v.data.cosignatures.list()).toEqual([])
    expect(await acting.answer('person:sup2', SUP2)).toEqual({ ok: true })
    await eventually(() => entry().attributes('data-signed') === 'true', 10_000)
    expect(entry().get('[data-testid="cosign-state"]').text()).toContain('赵监事已签字同意')
    // signed: nothing says it still waits, and no one is offered to sign it again
    expect(entry().text()).not.toContain('等待监事会签字')
    expect(entry().find('[data-testid="cosign-open"]').exists()).toBe(false)
    const cosigns = await v.data.cosignatures.list()
    expect(cosigns[0]).toMatchObject({ supervisorId: 'person:sup2', approve: true, meta: { author: 'person:sup2' } })
    // Any tablet can check the signature against 赵监事's key; a copy claiming another supervisor fails.
    const keys = await v.data.personKeys.list()
    expect(signedCosigns(cosigns, keys, 'test-village')).toHaveLength(1)
    expect(signedCosigns([{ ...cosigns[0]!, supervisorId: 'person:sup1' }], keys, 'test-village')).toEqual([])
  })

  it('a questioned expense is not shown green like an approved one, and says it does not count as co-signed', { timeout: 60_000 }, async () => {
    const v = await funded()
    const { wrapper: w } = await mountFeature(AccountsProjectView, { path: '/accounts/project:lamps', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="expense-form"]').exists())
    await useAccountsStore(v.pinia).addExpense('project:lamps', { amount: 500_000, payee: '五金店', purpose: '灯杆螺丝', date: new Date(T0).toISOString().slice(0, 10), photos: [] })
    await withPersonKey(v, 'person:sup2', SUP2)
    const entry = () => w.get('[data-testid^="ledger-ledger:"]')
    await eventually(() => w.find('[data-testid="cosign-open"]').exists())
    await entry().get('[data-testid="cosign-open"]').trigger('click')
    await entry().get('[data-testid="cosign-by"]').setValue('person:sup2')
    await entry().get('.cosign input[type="text"]').setValue('没有发票，请补')
    await entry().get('[data-testid="cosign-question"]').trigger('click')
    const acting = useActingStore(v.pinia)
    await eventually(() => acting.request?.act === 'expense.cosign')
    expect(await acting.answer('person:sup2', SUP2)).toEqual({ ok: true })
    await eventually(() => w.find('[data-testid="cosign-state"]').exists(), 10_000)
    expect(entry().get('[data-testid="cosign-state"]').text()).toMatch(/^赵监事提出疑问\s+— 没有发票，请补$/)
    // the line is marked as questioned (red), not as signed (green), and says what the question means for the accounts
    expect(entry().attributes('data-verdict')).toBe('questioned')
    expect(entry().get('[data-testid="cosign-questioned"]').text()).toBe('这笔开支不算已会签：账目和公示里仍列为待会签。问题解决后（比如补上发票），提出疑问的监事再签一次字。')
    const accounts = useAccountsStore(v.pinia)
    expect(accounts.summary?.pending).toBe(500_000)

    // the invoice is brought: the supervisor who asked signs again, and the expense counts
    v.advance()
    await entry().get('[data-testid="cosign-open"]').trigger('click')
    await entry().get('[data-testid="cosign-by"]').setValue('person:sup2')
    await entry().get('[data-testid="cosign-approve"]').trigger('click')
    await eventually(() => acting.request?.act === 'expense.cosign')
    expect(await acting.answer('person:sup2', SUP2)).toEqual({ ok: true })
    await eventually(() => entry().attributes('data-verdict') === 'approved', 10_000)
    expect(entry().get('[data-testid="cosign-state"]').text()).toMatch(/^赵监事已签字同意/)
    expect(entry().find('[data-testid="cosign-questioned"]').exists()).toBe(false)
    expect(entry().find('[data-testid="cosign-open"]').exists()).toBe(false)
    expect(accounts.summary).toMatchObject({ pending: 0, spent: 500_000 })
  })

  it('refuses spending before the decision\'s notice has run, beside the form; with a reason on record it goes ahead', async () => {
    const v = await funded(T0 + 3 * DAY)
    const { wrapper: w } = await mountFeature(AccountsProjectView, { path: '/accounts/project:lamps', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="expense-form"]').exists())
    await w.get('[data-testid="expense-date"]').setValue(new Date(T0).toISOString().slice(0, 10))
    await w.get('[data-testid="expense-amount"]').setValue('12000')
    await w.get('[data-testid="expense-payee"]').setValue('成都照明公司')
    await w.get('[data-testid="expense-purpose"]').setValue('路灯 4 盏')
    await w.get('[data-testid="expense-form"]').trigger('submit')
    await eventually(() => w.find('[data-testid="accounts-error"]').exists())
    expect(w.get('[data-testid="accounts-error"]').text()).toMatch(/^决策公示要到 .+ 才结束，公示期间不能开始花钱或施工。$/)
    // said right under the form that was pressed (at the foot of a long page), with the way on beside it
    expect(w.get('[data-testid="expense-form"]').element.nextElementSibling?.getAttribute('data-testid')).toBe('accounts-refusal')
    expect(w.get('[data-testid="accounts-refusal"]').find('[data-testid="early-open"]').exists()).toBe(true)
    expect(await v.data.ledger.list()).toEqual([])
    await w.get('[data-testid="early-open"]').trigger('click')
    await w.get('[data-testid="early-reason"]').setValue('雨季前必须装好路灯')
    await w.get('[data-testid="early-confirm"]').trigger('click')
    await eventually(async () => (await v.data.ledger.list()).length === 1)
    const [o] = await v.data.overrides.list()
    expect(o).toMatchObject({ action: 'early', subjectId: 'project:lamps', personId: 'person:clerk', reason: '雨季前必须装好路灯' })
  })

  it('keeps progress photos by content hash and shows them with the update', async () => {
    const v = await funded()
    const { wrapper: w } = await mountFeature(AccountsProjectView, { path: '/accounts/project:lamps', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="progress-form"]').exists())
    const photo = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4])], { type: 'image/jpeg' })
    await useAccountsStore(v.pinia).addProgress('project:lamps', { text: '基坑已挖好', percent: 20, photos: [photo] })
    const [update] = await v.data.progress.list()
    expect(update!.photos).toHaveLength(1)
    expect(update!.photos[0]).toMatch(/^[0-9a-f]{64}$/)
    await eventually(() => w.findAll('.timeline img').length === 1)
    expect(w.get('.timeline img').attributes('alt')).toBe('照片 1')
  })
})
