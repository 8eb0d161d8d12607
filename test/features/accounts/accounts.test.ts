import { afterEach, describe, expect, it } from 'vitest'
import AccountsView from '@/features/accounts/AccountsView.vue'
import AccountsProjectView from '@/features/accounts/AccountsProjectView.vue'
import { useAccountsStore } from '@/stores/accounts'
import { mountFeature } from '../support/mount'
import { eventually } from '../support/village'
import { openVoteVillage } from '../votes/village'

let village: Awaited<ReturnType<typeof openVoteVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

async function funded() {
  village = await openVoteVillage()
  const fund = await village.data.funds.create({ year: 2026, amount: 20_000_000, source: '公共服务专项资金' })
  await village.data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: 'vote:lights', at: village.now() })
  return village
}

describe('implementation and accounts', () => {
  it('lists funded projects with spent versus allocated', async () => {
    const v = await funded()
    const { wrapper: w } = await mountFeature(AccountsView, { path: '/accounts', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="project-project:lamps"]').exists())
    expect(w.get('[data-testid="fund"]').text()).toContain('专项资金 ¥200,000，已安排到项目 ¥30,000')
    expect(w.get('[data-testid="project-project:lamps"]').text()).toContain('已花 ¥0 / 安排 ¥30,000')
    // What comes next, and where.
    expect(w.get('[data-testid="accounts-next"]').text()).toContain('到“公示”里发布过程公开和账目公开')
    expect(w.get('[data-testid="accounts-next"] a').attributes('href')).toBe('/notices')
  })

  it('records progress and expenses; an expense counts once a supervisor other than its recorder co-signs it', async () => {
    const v = await funded()
    const { wrapper: w } = await mountFeature(AccountsProjectView, { path: '/accounts/project:lamps', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="expense-form"]').exists())

    await w.get('[data-testid="progress-text"]').setValue('灯杆已运到村口')
    await w.get('[data-testid="progress-percent"]').setValue('30')
    await w.get('[data-testid="progress-by"]').setValue('person:clerk')
    await w.get('[data-testid="progress-form"]').trigger('submit')
    await eventually(() => w.text().includes('灯杆已运到村口'))
    expect(w.text()).toContain('完成 30%')

    // Over the allocation: refused with the figures.
    await w.get('[data-testid="expense-amount"]').setValue('35000')
    await w.get('[data-testid="expense-payee"]').setValue('成都照明公司')
    await w.get('[data-testid="expense-purpose"]').setValue('路灯 10 盏')
    await w.get('[data-testid="expense-by"]').setValue('person:sup1')
    await w.get('[data-testid="expense-form"]').trigger('submit')
    await eventually(() => w.find('[data-testid="accounts-error"]').exists())
    // Said in Chinese with the amounts, not the domain's English or the project's id.
    expect(w.get('[data-testid="accounts-error"]').text()).toBe('记上这笔 ¥35,000 后，本项目共花 ¥35,000，超过了安排给它的 ¥30,000。请核对金额；确实不够时，要先经议事会调整资金安排。')

    await w.get('[data-testid="expense-amount"]').setValue('12000')
    await w.get('[data-testid="expense-payee"]').setValue('成都照明公司')
    await w.get('[data-testid="expense-purpose"]').setValue('路灯 4 盏')
    await w.get('[data-testid="expense-by"]').setValue('person:sup1')
    await w.get('[data-testid="expense-form"]').trigger('submit')
    await eventually(() => w.find('[data-testid^="ledger-ledger:"]').exists())
    const entry = () => w.get('[data-testid^="ledger-ledger:"]')
    expect(entry().text()).toContain('等待监事会签字')
    // The date as people write it, like the progress dates (not the stored ISO form).
    expect(entry().text()).not.toMatch(/\d{4}-\d{2}-\d{2}/)
    expect(w.get('[data-testid="spent-of"]').text()).toContain('已花 ¥12,000 / 安排 ¥30,000')

    // The supervisor who recorded it cannot co-sign it.
    await entry().get('[data-testid="cosign-open"]').trigger('click')
    await entry().get('[data-testid="cosign-by"]').setValue('person:sup1')
    await entry().get('[data-testid="cosign-approve"]').trigger('click')
    await eventually(() => w.find('[data-testid="accounts-error"]').exists())
    expect(w.get('[data-testid="accounts-error"]').text()).toMatch(/^这笔账是 \S+ 记的，不能自己会签：请另一位监事会成员签字。$/)
    expect(w.get('[data-testid="accounts-error"]').text()).not.toContain('person:')
    await entry().get('[data-testid="cosign-by"]').setValue('person:sup2')
    await entry().get('[data-testid="cosign-approve"]').trigger('click')
    await eventually(() => entry().attributes('data-signed') === 'true')
    expect(entry().get('[data-testid="cosign-state"]').text()).toContain('赵监事 已签字同意')
    const [cosign] = await v.data.cosignatures.list()
    expect(cosign).toMatchObject({ supervisorId: 'person:sup2', approve: true })
  })

  it('keeps progress photos by content hash and shows them with the update', async () => {
    const v = await funded()
    const { wrapper: w } = await mountFeature(AccountsProjectView, { path: '/accounts/project:lamps', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="progress-form"]').exists())
    const photo = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4])], { type: 'image/jpeg' })
    await useAccountsStore(v.pinia).addProgress('project:lamps', { text: '基坑已挖好', percent: 20, photos: [photo], by: 'person:clerk' })
    const [update] = await v.data.progress.list()
    expect(update!.photos).toHaveLength(1)
    expect(update!.photos[0]).toMatch(/^[0-9a-f]{64}$/)
    await eventually(() => w.findAll('.timeline img').length === 1)
    expect(w.get('.timeline img').attributes('alt')).toBe('照片 1')
  })
})
