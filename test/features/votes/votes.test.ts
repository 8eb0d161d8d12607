import { afterEach, describe, expect, it } from 'vitest'
import VoteSetupView from '@/features/votes/VoteSetupView.vue'
import VotePaperView from '@/features/votes/VotePaperView.vue'
import VoteResultsView from '@/features/votes/VoteResultsView.vue'
import VoteDetailView from '@/features/votes/VoteDetailView.vue'
import { useVotesStore } from '@/stores/votes'
import { mountFeature } from '../support/mount'
import { createAppI18n } from '@/i18n'
import { allMessages } from '@/i18n/messages'
import { formatters } from '@/i18n/format'
import { eventually } from '../support/village'
import { useActingStore } from '@/stores/acting'
import { openApprovalVote, openVoteVillage, T0, withPersonKey } from './village'

let village: Awaited<ReturnType<typeof openVoteVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

describe('setting up a vote', () => {
  it('asks for a name and two projects, then saves the vote with the eligible roster', async () => {
    village = await openVoteVillage()
    await village.data.proposals.create({ title: '村口装路灯', unitId: '', description: '晚上太黑', proposedBy: 'person:zhang', createdAt: village.now(), status: 'shortlisted', estimatedCost: 3_000_000, category: 'lighting' })
    const { wrapper: w, router } = await mountFeature(VoteSetupView, { path: '/votes/new', pinia: village.pinia })
    await w.get('form').trigger('submit')
    expect(w.get('[data-testid="setup-error"]').text()).toBe('请写投票名称')

    // one candidate row to start, not two empty ones; the shortlisted proposal fills it
    expect(w.findAll('[data-testid^="cand-name-"]')).toHaveLength(1)
    await w.get('[data-testid="setup-title"]').setValue('2026 年项目')
    await eventually(() => w.find('[data-testid^="setup-from-"]').exists())
    await w.get('[data-testid^="setup-from-"]').trigger('click')
    expect(w.findAll('[data-testid^="cand-name-"]')).toHaveLength(1)
    expect((w.get('[data-testid="cand-name-1"]').element as HTMLInputElement).value).toBe('村口装路灯')
    await w.get('form').trigger('submit')
    expect(w.get('[data-testid="setup-error"]').text()).toBe('至少要有两个候选项目')
    await w.get('[data-testid="setup-add"]').trigger('click')
    await w.get('[data-testid="cand-name-2"]').setValue('修水渠')
    await w.get('form').trigger('submit')
    // a project without a cost would break the budget allocation after the vote: caught here
    expect(w.get('[data-testid="setup-error"]').text()).toBe('第 2 个项目“修水渠”还没有估计费用：请填上大概要花多少元，投票后才能按预算分配')
    // sums in yuan are written as every screen writes them (the app's number format), typed figures echoed so
    expect((w.get('[data-testid="setup-budget"]').element as HTMLInputElement).value).toBe('200,000')
    expect((w.get('[data-testid="cand-cost-1"]').element as HTMLInputElement).value).toBe('30,000')
    expect(w.get('[data-testid="setup-budget-said"]').text()).toBe('¥200,000')
    await w.get('[data-testid="setup-budget"]').setValue('1500000')
    expect(w.get('[data-testid="setup-budget-said"]').text()).toBe('¥1,500,000')
    await w.get('[data-testid="cand-cost-2"]').setValue('40,000')
    await w.get('[data-testid="setup-budget"]').setValue('80000')
    await w.get('[data-testid="setup-seals-ack"]').setValue(true) // no supervisor has a seal key in this village
    await w.get('form').trigger('submit')
    await eventually(() => router.currentRoute.value.name === 'vote')
    const [vote] = await village.data.votes.list()
    expect(vote).toMatchObject({ title: '2026 年项目', ballotType: 'approval', maxChoices: 3, budget: 8_000_000, rule: 'greedy' })
    expect(vote!.candidates.map((c) => [c.title, c.cost])).toEqual([['村口装路灯', 3_000_000], ['修水渠', 4_000_000]])
    expect(vote!.candidates[0]!.proposalIds).toHaveLength(1)
    expect(vote!.roster).toHaveLength(6)
    expect(vote!.roster).not.toContain('person:kid')
  })
})

describe('a vote the domain refuses, in words beside the form', () => {
  it('refuses a 1,050-character name with the limit, keeping what was typed and saving nothing', async () => {
    village = await openVoteVillage()
    const { wrapper: w, router } = await mountFeature(VoteSetupView, { path: '/votes/new', pinia: village.pinia })
    const title = '村'.repeat(1050)
    await w.get('[data-testid="setup-title"]').setValue(title)
    await w.get('[data-testid="cand-name-1"]').setValue('修水渠')
    await w.get('[data-testid="cand-cost-1"]').setValue('40000')
    await w.get('[data-testid="setup-add"]').trigger('click')
    await w.get('[data-testid="cand-name-2"]').setValue('装路灯')
    await w.get('[data-testid="cand-cost-2"]').setValue('30000')
    await w.get('[data-testid="setup-seals-ack"]').setValue(true)
    await w.get('form').trigger('submit')
    await eventually(() => w.get('[data-testid="setup-error"]').text() !== '')
    expect(w.get('[data-testid="setup-error"]').text()).toBe('“标题”最多 200 个字，现在有 1050 个')
    expect((w.get('[data-testid="setup-title"]').element as HTMLInputElement).value).toBe(title)
    expect(router.currentRoute.value.name).toBe('vote-new')
    expect(await village.data.votes.count()).toBe(0)
  })

  it('says in Chinese why the money was not allocated when the year\'s fund is smaller than the result', async () => {
    village = await openVoteVillage()
    await openApprovalVote(village)
    const store = useVotesStore(village.pinia)
    await store.castBallot('vote:lights', 'person:zhang', ['project:water'], 'person:clerk')
    village.advance()
    await store.close('vote:lights')
    await village.data.funds.create({ year: 2026, amount: 100_000, source: '公共服务专项资金' })
    const { wrapper: r } = await mountFeature(VoteResultsView, { path: '/votes/vote:lights/results', pinia: village.pinia })
    await eventually(() => r.find('[data-testid="results-allocate"]').exists())
    await r.get('[data-testid="results-allocate"]').trigger('click')
    await eventually(() => r.text().includes('安排的钱超过了专项资金'))
    expect(r.text()).not.toMatch(/allocations total|fund of/)
    expect(await village.data.allocations.count()).toBe(0)
  })
})

describe('paper count, closing and results', () => {
  it('says how many ballots wait in the ballot box, and closing the vote writes them', async () => {
    village = await openVoteVillage()
    await openApprovalVote(village)
    const store = useVotesStore(village.pinia)
    await store.castBallot('vote:lights', 'person:zhang', ['project:water'], 'person:clerk')
    await store.castBallot('vote:lights', 'person:liu', ['project:lamps'], 'person:clerk')
    const { wrapper: d } = await mountFeature(VoteDetailView, { path: '/votes/vote:lights', pinia: village.pinia })
    await eventually(() => d.find('[data-testid="vote-boxed"]').exists())
    expect(d.get('[data-testid="vote-boxed"]').text()).toBe('2 张选票在票箱中，锁定投票机或结束投票时写入')
    // how many of how many: the count means something only beside the roster of this vote (the kiosk says it so too)
    const voters = useVotesStore(village.pinia).voters.length
    expect(voters).toBeGreaterThan(2)
    expect(d.get('[data-testid="vote-checkedoff"]').text()).toBe(`已领票 2 / ${voters} 人`)
    expect(await village.data.ballots.count({ ref: 'vote:lights' })).toBe(0)
    village.advance()
    await store.close('vote:lights')
    await eventually(() => !d.find('[data-testid="vote-boxed"]').exists())
    expect(await village.data.ballots.count({ ref: 'vote:lights' })).toBe(2)
    expect(await village.data.checkoffs.count({ ref: 'vote:lights' })).toBe(2)
  })

  it('says so when the result counts more ballots than voters checked off (a double vote not yet voided)', async () => {
    village = await openVoteVillage()
    await openApprovalVote(village)
    const store = useVotesStore(village.pinia)
    await store.castBallot('vote:lights', 'person:zhang', ['project:water'], 'person:clerk')
    await store.castBallot('vote:lights', 'person:liu', ['project:lamps'], 'person:clerk')
    expect(await village.data.ballotBox.flush('vote:lights')).toBe(2) // the kiosk session ended
    // zhang also voted on another tablet: that check-off collided with this one, its ballot synced in
    await village.data.ballots.create({ id: 'ballot:from-tablet-2', voteId: 'vote:lights', choices: ['project:road'], castAt: T0, device: 'tab-2' })
    const { wrapper: r } = await mountFeature(VoteResultsView, { path: '/votes/vote:lights/results', pinia: village.pinia })
    await eventually(() => r.find('[data-testid="results-surplus"]').exists())
    expect(r.get('[data-testid="results-surplus"]').text()).toContain('选票比登记投票的人多 1 张')
    expect(r.get('[data-testid="results-ballots"]').text()).toContain('共 3 张票')
  })

  it('leaves out, and says so, a ballot cast after the vote was closed on another tablet', async () => {
    village = await openVoteVillage()
    await openApprovalVote(village)
    await useVotesStore(village.pinia).castBallot('vote:lights', 'person:zhang', ['project:water'], 'person:clerk')
    await village.data.votes.update('vote:lights', { closedAt: T0 + 60_000 }) // writes the box first
    // written by a tablet's ballot box after it learnt of the close: held to just after the close
    await village.data.ballots.create({ id: 'ballot:late', voteId: 'vote:lights', choices: ['project:road'], castAt: T0 + 60_001, device: 'tab-2' })
    const { wrapper: r } = await mountFeature(VoteResultsView, { path: '/votes/vote:lights/results', pinia: village.pinia })
    await eventually(() => r.find('[data-testid="results-late"]').exists())
    expect(r.get('[data-testid="results-late"]').text()).toContain('有 1 张选票是在投票结束以后才投的')
    expect(r.get('[data-testid="results-ballots"]').text()).toContain('共 1 张票')
    expect(r.get('[data-testid="result-project:road"]').text()).toContain('0 票')
    expect(r.find('[data-testid="results-surplus"]').exists()).toBe(false)
  })

  it('counts paper only when two different people agree, then explains the result and allocates the money', async () => {
    village = await openVoteVillage()
    await openApprovalVote(village)
    const v = village
    // Each entry is made by the person it names: the supervisors type their own passphrase.
    const pass: Record<string, string> = { 'person:sup1': '李家院子123', 'person:sup2': 'zhao-456789' }
    for (const [id, p] of Object.entries(pass)) await withPersonKey(v, id, p)
    const acting = useActingStore(v.pinia)
    const paper = await mountFeature(VotePaperView, { path: '/votes/vote:lights/paper', pinia: v.pinia })
    const w = paper.wrapper
    await eventually(() => w.find('[data-testid="paper-form"]').exists())
    async function enter(who: string, total: number, opts: number[]) {
      const answered = pass[who] ? eventually(() => acting.request?.act === 'papercount.enter', 10_000).then(() => acting.answer(who, pass[who]!)) : null
      await w.get('[data-testid="paper-who"]').setValue(who)
      await w.get('[data-testid="paper-total"]').setValue(String(total))
      await w.get('[data-testid="paper-valid"]').setValue(String(total - 1))
      await w.get('[data-testid="paper-blank"]').setValue('1')
      await w.get('[data-testid="paper-spoiled"]').setValue('0')
      for (const [i, n] of opts.entries()) await w.get(`[data-testid="paper-opt-${i + 1}"]`).setValue(String(n))
      await w.get('[data-testid="paper-form"]').trigger('submit')
      if (answered) expect(await answered).toEqual({ ok: true })
    }
    await enter('person:clerk', 5, [3, 1, 2])
    await eventually(() => w.find('[data-testid="paper-state"]').attributes('data-state') === 'waiting')
    // The same person cannot confirm their own count.
    await enter('person:clerk', 5, [3, 1, 2])
    await eventually(() => w.find('[data-testid="paper-error"]').exists())
    expect(w.get('[data-testid="paper-error"]').text()).toBe('纸质选票要两个不同的人分别清点')
    expect(await v.data.paperCounts.count({ ref: 'vote:lights' })).toBe(1)
    // A second person who counted differently: the screen says where they differ.
    await enter('person:sup1', 5, [3, 2, 2])
    await eventually(() => w.find('[data-testid="paper-state"]').attributes('data-state') === 'disagree')
    expect(w.get('[data-testid="paper-state"]').text()).toContain('两次录入不一致：三组道路硬化（一次 1，一次 2）。')
    await enter('person:sup2', 5, [3, 2, 2])
    await eventually(() => w.find('[data-testid="paper-state"]').attributes('data-state') === 'confirmed')
    paper.wrapper.unmount()

    // One electronic ballot too, then close the vote.
    const store = useVotesStore(v.pinia)
    await store.castBallot('vote:lights', 'person:zhang', ['project:water'], 'person:clerk')
    v.advance()
    await store.close('vote:lights')
    const results = await mountFeature(VoteResultsView, { path: '/votes/vote:lights/results', pinia: v.pinia })
    const r = results.wrapper
    await eventually(() => r.find('[data-testid="results-rows"]').exists() && r.text().includes('共 6 张票'))
    expect(r.get('[data-testid="results-ballots"]').text()).toBe('共 6 张票（电子 1，纸质 5）')
    expect(r.find('[data-testid="results-surplus"]').exists()).toBe(false)
    // lamps 3 votes (¥30,000) funded; water 3 votes (¥40,000) funded; road 2 votes (¥60,000) does not fit ¥100,000.
    expect(r.get('[data-testid="result-project:lamps"]').text()).toContain('入选')
    expect(r.get('[data-testid="result-project:water"]').text()).toContain('入选')
    expect(r.get('[data-testid="result-project:road"]').text()).toContain('未入选')
    expect(r.get('[data-testid="results-total"]').text()).toBe('共安排 ¥70,000，预算 ¥100,000')
    expect(r.get('[data-testid="result-project:road"] [data-testid="result-why"]').text()).toBe('第 3 名，2 票：轮到它时只剩 ¥30,000，不够 ¥60,000')
    expect(r.get('[data-testid="results-explanation"]').text()).toContain('按得票从多到少')

    // nothing is allocated yet: the screen offers to allocate, and does not also say it is done
    expect(r.find('[data-testid="results-allocated"]').exists()).toBe(false)
    await r.get('[data-testid="results-allocate"]').trigger('click')
    await eventually(() => r.find('[data-testid="results-allocated"]').exists())
    expect(r.find('[data-testid="results-allocate"]').exists()).toBe(false)
    const allocations = await v.data.allocations.list()
    expect(allocations.map((a) => [a.projectId, a.amount]).sort()).toEqual([['project:lamps', 3_000_000], ['project:water', 4_000_000]])
    const [fund] = await v.data.funds.list()
    expect(fund).toMatchObject({ amount: 10_000_000, year: 2026 })
  }, 30_000)

  it('while its announcement runs, offers no "开始投票": says when the vote opens, and opens early only with a reason on record', async () => {
    village = await openVoteVillage()
    const DAY = 24 * 3_600_000
    const now = village.now()
    await openApprovalVote(village, { opensAt: now + 3_600_000 })
    // the announcement was published yesterday and runs six more days (a re-publication: it ends last, so it is the one that counts)
    await village.data.notices.create({ stage: 'vote-announcement', subjectId: 'vote:lights', title: '投票公告', body: '', startAt: now - DAY, endAt: now + 6 * DAY, republishes: '' })
    const { wrapper: w } = await mountFeature(VoteDetailView, { path: '/votes/vote:lights', pinia: village.pinia })
    await eventually(() => w.find('[data-testid="vote-gate"]').exists())
    expect(w.get('[data-testid="vote-status"]').text()).toBe('未开始')
    // no button that looks like it opens the vote and is then refused
    expect(w.find('[data-testid="vote-open"]').exists()).toBe(false)
    const { dateTime } = formatters(createAppI18n('zh-CN', allMessages()).global)
    expect(w.get('[data-testid="vote-gate"]').text()).toBe(`投票公告公示到 ${dateTime(now + 6 * DAY)}，公示期满后才能开始投票。投票将在 ${dateTime(now + 6 * DAY)} 自动开始。`)
    // opening early is its own, explained step: a reason, recorded, and the vote is open
    const early = w.get('[data-testid="vote-early"]')
    expect(early.text()).toContain('只有写明理由才能提前开始')
    await early.get('[data-testid="early-open"]').trigger('click')
    // the form says once that the reason is recorded and who sees it, and names the township one way (镇上)
    const told = w.get('[data-testid="vote-early"]').text()
    expect(told.split('谁、什么时候、为什么').length - 1).toBe(1)
    expect(told).toContain('镇上')
    expect(told).not.toContain('乡镇')
    await w.get('[data-testid="early-reason"]').setValue('农忙前要投完票，村民大会同意提前')
    await w.get('[data-testid="early-confirm"]').trigger('click')
    await eventually(() => w.get('[data-testid="vote-status"]').text() === '投票中')
    expect(w.get('[data-testid="vote-opened-early"]').text()).toContain('农忙前要投完票，村民大会同意提前')
    const [o] = await village.data.overrides.list()
    expect(o).toMatchObject({ action: 'early', subjectId: 'vote:lights', personId: 'person:clerk', reason: '农忙前要投完票，村民大会同意提前' })
  })

  it('shows the vote with its state and the actions that fit it', async () => {
    village = await openVoteVillage()
    await openApprovalVote(village, { opensAt: village.now() + 3_600_000 })
    const { wrapper: w } = await mountFeature(VoteDetailView, { path: '/votes/vote:lights', pinia: village.pinia })
    await eventually(() => w.find('[data-testid="vote-status"]').exists())
    expect(w.get('[data-testid="vote-status"]').text()).toBe('未开始')
    expect(w.find('[data-testid="vote-kiosk"]').exists()).toBe(false)
    await w.get('[data-testid="vote-open"]').trigger('click')
    await eventually(() => w.get('[data-testid="vote-status"]').text() === '投票中')
    expect(w.find('[data-testid="vote-kiosk"]').exists()).toBe(true)
    expect(w.find('[data-testid="vote-paper"]').exists()).toBe(true)
  })
})
