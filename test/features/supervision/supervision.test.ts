import { afterEach, describe, expect, it } from 'vitest'
import SupervisionView from '@/features/supervision/SupervisionView.vue'
import { mountFeature } from '../support/mount'
import { eventually } from '../support/village'
import { openApprovalVote, openVoteVillage, T0, villageHub } from '../votes/village'
import { useVotesStore } from '@/stores/votes'
import { useSupervisionStore } from '@/stores/supervision'
import { useSessionStore } from '@/stores/session'
import { datetimeFormats } from '@/i18n/formats'
import { useActingStore } from '@/stores/acting'
import { signAct } from '@/shared/personacts'
import { FILLER, certifiedClerkKey, witnessedKey } from '../../support/personkeys'

/** A time as the app says it on a Chinese screen (src/i18n/formats.ts). */
const zhDateTime = (ms: number) => new Intl.DateTimeFormat('zh-CN', datetimeFormats['zh-CN']!.dateTime).format(ms)

let village: Awaited<ReturnType<typeof openVoteVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

describe('supervision', () => {
  it("verifies this tablet's audit chain, flags an expense without co-signature, and lists refused records", async () => {
    village = await openVoteVillage()
    const v = village
    const fund = await v.data.funds.create({ year: 2026, amount: 20_000_000, source: '专项资金' })
    await v.data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: 'vote:lights', at: v.now() })
    await v.data.ledger.create({ fundId: fund.id, projectId: 'project:lamps', kind: 'expense', amount: 1_200_000, payee: '成都照明公司', description: '路灯', at: v.now(), recordedBy: 'person:clerk' })
    const hubReason = 'the vote was closed (2026-05-10T02:00:00.000Z) before this ballot was recorded'
    await v.data.rejections.create({ subjectId: 'ballot:late1', reason: hubReason, device: 'tablet-b', seq: 9, at: v.now() })

    useSessionStore(v.pinia).setEnrollment({ villageId: 'test-village', villageName: '测试村', townshipName: '', deviceId: 'tablet-test' })
    const { wrapper: w } = await mountFeature(SupervisionView, { path: '/supervision', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="audit-tablet-test"]').exists())
    // tablets in words: this one, and one this tablet does not know by the tail of its code
    expect(w.get('[data-testid="audit-tablet-test"] strong').text()).toBe('本平板')
    expect(w.get('[data-testid="audit-tablet-test"] [data-testid="audit-state"]').text()).toBe('未核查')
    await w.get('[data-testid="audit-verify-all"]').trigger('click')
    await eventually(() => w.get('[data-testid="audit-tablet-test"]').attributes('data-state') !== 'unchecked')
    expect(w.get('[data-testid="audit-tablet-test"] [data-testid="audit-state"]').text()).toBe('完整，未被改动')

    expect(w.get('[data-testid="check-cosign"]').attributes('data-ok')).toBe('false')
    expect(w.get('[data-testid="check-cosign"]').text()).toContain('不合规')
    // what is wrong, in Chinese, the project by its name (not "expense of ¥12,000 to … (project:lamps)")
    expect(w.get('[data-testid="check-cosign"] [data-testid="check-detail"]').text()).toBe('付给“成都照明公司”的 12,000 元（村口装路灯）没有监事会会签')
    expect(w.get('[data-testid="check-spending"] [data-testid="check-detail"]').text()).toBe('“村口装路灯”支出 12,000 元，决策没有公示，没有记录理由')
    expect(w.get('[data-testid="check-budget"]').attributes('data-ok')).toBe('true')
    // the expense came with no public notice of the decision: the supervisors see it too, not only the township
    expect(w.get('[data-testid="check-spending"]').attributes('data-ok')).toBe('false')
    expect(w.get('[data-testid="check-spending"]').text()).toContain('开支都在决定公示期满后才发生')
    expect(w.get('[data-testid="check-voteNotice"]').attributes('data-ok')).toBe('true')
    // what was refused in words (not 'ballot:late1'); the hub's English reason only folded away for a technician
    const refused = w.get('[data-testid^="rejection-rejection:"]')
    expect(refused.get('strong').text()).toBe('一条选票被服务器拒收')
    // a notice of an older hub (no code), read by its old sentence: the vote's close said as a date
    expect(refused.get('[data-testid="rejection-why"]').text()).toBe(`投票在${zhDateTime(Date.UTC(2026, 4, 10, 2))}结束了，这条选票是结束以后才记下的，按规则不能算。`)
    expect(refused.get('details span').text()).toBe(hubReason)
    expect(refused.get('details span').attributes('lang')).toBe('en')
    expect(refused.get('details summary').text()).toBe('服务器给出的原因（英文，供技术人员查看）')
    expect(w.get('[data-testid^="rejection-rejection:"] .meta').text()).toMatch(/^平板（编号尾号 LETB），/)
  })
})

describe('a checklist over nothing is not an all-clear', () => {
  it('says "还没到这一步" (no green tick) for each check nothing has reached yet, and "合规" once it has something to pass', async () => {
    village = await openVoteVillage()
    const v = village
    const { wrapper: w } = await mountFeature(SupervisionView, { path: '/supervision', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="check-cosign"]').exists())
    const checks = w.findAll('[data-testid^="check-"]').filter((c) => c.attributes('data-testid') !== 'check-detail' && c.attributes('data-testid') !== 'check-verdict' && c.attributes('data-testid') !== 'check-title')
    expect(checks).toHaveLength(12)
    // the way to the key screen is called what that screen calls itself
    expect(w.get('[data-testid="supervision-seal-keys"]').text()).toBe('本人口令（监事和议事会成员）')
    // a village where nothing has happened: no check reads 合规
    for (const c of checks) {
      expect(c.get('[data-testid="check-verdict"]').text(), c.attributes('data-testid')).toBe('还没到这一步')
      expect(c.attributes('data-state')).toBe('not-yet')
    }
    // money allocated within the fund: that check is reached and passes; spending still has not happened
    const fund = await v.data.funds.create({ year: 2026, amount: 20_000_000, source: '专项资金' })
    await v.data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: 'vote:lights', at: v.now() })
    await eventually(() => w.get('[data-testid="check-budget"]').attributes('data-state') === 'ok')
    expect(w.get('[data-testid="check-budget"] [data-testid="check-verdict"]').text()).toBe('合规')
    expect(w.get('[data-testid="check-cosign"] [data-testid="check-verdict"]').text()).toBe('还没到这一步')
    expect(w.get('[data-testid="check-spending"] [data-testid="check-verdict"]').text()).toBe('还没到这一步')
  })
})

describe('a vote opened early with a reason', () => {
  it('is not 合规 on the row "votes start after their notice", nor 不合规: 请核实 (amber), with the override and its reason shown', async () => {
    village = await openVoteVillage()
    const v = village
    await openApprovalVote(v)
    await useVotesStore(v.pinia).castBallot('vote:lights', 'person:zhang', ['project:lamps'], 'person:clerk')
    await v.data.overrides.create({ procedureId: '', step: 'announce', action: 'early', subjectId: 'vote:lights', personId: 'person:clerk', reason: '农忙前要投完票', at: v.now() - 3_600_000 })
    const { wrapper: w } = await mountFeature(SupervisionView, { path: '/supervision', pinia: v.pinia })
    // the procedure was followed, with a flag: the reason is on record for the supervisors to verify
    await eventually(() => w.find('[data-testid="check-voteNotice"]').attributes('data-state') === 'verify')
    expect(w.get('[data-testid="check-voteNotice"] [data-testid="check-verdict"]').text()).toBe('请核实')
    expect(w.get('[data-testid="check-voteNotice"] [data-testid="check-detail"]').text()).toContain('理由：农忙前要投完票')
    expect(w.get('[data-testid="check-early"]').attributes('data-state')).toBe('verify')
    expect(w.get('[data-testid="check-early"] [data-testid="check-verdict"]').text()).toBe('请核实')
  })
})

describe('the checklist reads the cycle as the township does', () => {
  it('counts a co-signature only once its key is vouched for: signed with a key whose clerk\'s key has not arrived, the expense stays flagged', async () => {
    village = await openVoteVillage()
    const v = village
    const supervision = useSupervisionStore(v.pinia)
    const acting = useActingStore(v.pinia)
    // this tablet pinned its hub; the clerk's certified key is still on another tablet
    const hub = villageHub(v.data, v.kv)
    const clerk = certifiedClerkKey('test-village', 'person:clerk', T0 - 120_000, 'personkey:clerk', hub.secretKey)
    const sup = witnessedKey('test-village', 'person:sup1', T0 - 60_000, 'personkey:sup1', clerk)
    const fund = await v.data.funds.create({ year: 2026, amount: 20_000_000, source: '专项资金' })
    await v.data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: 'vote:lights', at: v.now() })
    const entry = await v.data.ledger.create({ fundId: fund.id, projectId: 'project:lamps', kind: 'expense', amount: 1_200_000, payee: '成都照明公司', description: '路灯', at: v.now(), recordedBy: 'person:clerk' })
    await v.data.personKeys.create({ ...sup.record, ...FILLER })
    const fields = { id: 'cosign:c1.sup1', ledgerId: entry.id, supervisorId: 'person:sup1', approve: true, note: '', at: v.now() }
    await v.data.cosignatures.create({ ...fields, keyId: sup.record.id, signature: signAct('cosign', 'test-village', fields, sup.secret) })
    await eventually(() => acting.unvouched.some((u) => u.key.id === 'personkey:sup1' && u.problem === 'waiting'))
    // for a while (bounded) the expense stays flagged: the co-signature proves nothing yet
    const until = Date.now() + 1500
    while (Date.now() < until) {
      expect(supervision.checklist.find((c) => c.key === 'cosign')?.ok).toBe(false)
      await new Promise((r) => setTimeout(r, 50))
    }
    // the clerk's key arrives: the supervisor's key is vouched for, and the co-signature counts with no one's action
    await v.data.personKeys.create({ ...clerk.record, ...FILLER })
    await eventually(() => supervision.checklist.find((c) => c.key === 'cosign')?.ok === true)
  })

  it('flags a step the cycle passed with no record of completion or override', async () => {
    village = await openVoteVillage()
    const supervision = useSupervisionStore(village.pinia)
    await eventually(() => supervision.checklist.find((c) => c.key === 'overrides')?.ok === true)
    // a cycle that reached "decide" with nothing in its history: four steps passed unrecorded
    await village.data.procedures.create({ id: 'procedure:c1', templateId: 'procedure:default', subjectId: '', current: 'decide', startedAt: T0, history: [] })
    await eventually(() => supervision.checklist.find((c) => c.key === 'overrides')?.ok === false)
    expect(supervision.flags.filter((f) => f.code === 'step-skipped-without-override').map((f) => f.details.step)).toEqual(['collect', 'feedback', 'deliberate', 'announce'])
  })
})

describe('the audit chain check', () => {
  it('names, in words, an audit event altered, events removed and a record altered behind the app', async () => {
    village = await openVoteVillage()
    const v = village
    const fund = await v.data.funds.create({ year: 2026, amount: 20_000_000, source: '专项资金' })
    const mine = (await v.data.audit.list({ oldestFirst: true })).filter((a) => a.device === 'tablet-test').sort((a, b) => a.seq - b.seq)
    expect(mine.length).toBeGreaterThanOrEqual(4)
    // Someone edits one stored event directly (bypassing the app), removes two others, and raises the fund.
    const doc = await v.vdb.docs.findOne(mine[0]!.id).exec()
    await doc!.incrementalModify((d) => ({ ...d, body: { ...d.body, actor: 'person:someone-else' } }))
    await v.vdb.docs.bulkRemove([mine[1]!.id, mine[2]!.id])
    await (await v.vdb.docs.findOne(fund.id).exec())!.incrementalModify((d) => ({ ...d, body: { ...d.body, amount: 90_000_000 } }))
    const { wrapper: w } = await mountFeature(SupervisionView, { path: '/supervision', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="audit-tablet-test"]').exists())
    await w.get('[data-testid="audit-verify-all"]').trigger('click')
    await eventually(() => w.get('[data-testid="audit-tablet-test"]').attributes('data-state') === 'broken')
    expect(w.get('[data-testid="audit-tablet-test"] [data-testid="audit-state"]').text()).toBe('链条断裂')
    const issues = w.findAll('[data-testid="audit-tablet-test"] [data-testid="audit-issues"] li').map((li) => [li.attributes('data-problem'), li.text()])
    expect(issues.slice(0, 2)).toEqual([
      ['altered', '第 1 条操作记录被改动过：内容与当初的校验码不符'],
      ['missing', '第 2 至 3 条操作记录不见了'],
    ])
    // the records whose events were removed (people of the roster) no longer have one; the raised fund
    // matches none. Each record is said by what it is and its name, never its id.
    const unaudited = issues.filter(([p]) => p === 'unaudited').map(([, text]) => text)
    expect(unaudited.length).toBeGreaterThan(0)
    const name = (await v.data.persons.get(mine[1]!.subjectId))!.name
    expect(unaudited).toContain(`村民“${name}”没有这台平板的操作记录：可能还没同步完，或是绕过应用加进来的`)
    for (const text of unaudited) expect(text).not.toMatch(/[a-z]+:/)
    expect(issues).toContainEqual(['record-altered', '专项资金被改动过：与这台平板当初记下的任何版本都不符'])
  })
})

describe('work started early with a reason', () => {
  it('is 请核实 on the row "work started only after the publicity period", with the reason, not 合规 beside the override', async () => {
    village = await openVoteVillage()
    const v = village
    const fund = await v.data.funds.create({ year: 2026, amount: 20_000_000, source: '专项资金' })
    await v.data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: 'vote:lights', at: v.now() })
    // the decision's notice still runs for six days: the clerk starts the work with a reason on record
    await v.data.notices.create({ stage: 'decision', subjectId: fund.id, title: '资金安排公示', body: '', startAt: v.now() - 86_400_000, endAt: v.now() + 6 * 86_400_000, republishes: '' })
    await v.data.overrides.create({ procedureId: '', step: 'decision', action: 'early', subjectId: 'project:lamps', personId: 'person:clerk', reason: '雨季前要立好灯杆', at: v.now() })
    await v.data.progress.create({ projectId: 'project:lamps', at: v.now(), by: 'person:clerk', text: '灯杆已立好', percent: 40, startsWork: true, photos: [] })
    const { wrapper: w } = await mountFeature(SupervisionView, { path: '/supervision', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="check-publicity"]').attributes('data-state') !== 'not-yet')
    expect(w.get('[data-testid="check-publicity"] [data-testid="check-verdict"]').text()).toBe('请核实')
    expect(w.get('[data-testid="check-publicity"]').attributes('data-state')).toBe('verify')
    expect(w.get('[data-testid="check-publicity"] [data-testid="check-detail"]').text()).toContain('理由：雨季前要立好灯杆')
  })
})
