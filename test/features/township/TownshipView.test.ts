import { afterEach, describe, expect, it, vi } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import TownshipView from '@/features/township/TownshipView.vue'
import TownshipReportView from '@/features/township/TownshipReportView.vue'
import { cacheClear, cacheSet } from '@/data/township/cache'
import { fromCouchDocs } from '@/shared/township/records'
import { summarizeVillage } from '@/shared/township/summarize'
import type { TownshipSummary } from '@/shared/township/types'
import { BENCH_HUB_KEYS, generateVillage } from '../../../bench/township-data'
import { flushPromises, mountFeature } from '../support/mount'

const NOW = Date.UTC(2026, 11, 20)

function township(): TownshipSummary {
  const villages = [
    { id: 'qingbo', name: '清波村', problems: false },
    { id: 'mingyue', name: '明月村', problems: true },
    { id: 'anle', name: '安乐村', problems: false },
  ].map((v, i) => {
    const g = generateVillage({ villageId: v.id, townshipId: 'huayuan', name: v.name, year: 2026, seed: 10 + i, people: 60, problems: v.problems, audit: false })
    const s = summarizeVillage(v.id, fromCouchDocs(g.docs), NOW, BENCH_HUB_KEYS, { lastReachedTownship: NOW - i * 86_400_000 })
    // the hub adds the names tablets were enrolled with (one was given none)
    return { ...s, finished: v.id === 'anle', tablets: s.tablets.map((t, j) => (j === 0 ? { ...t, label: '村委会办公室' } : t)) }
  })
  return { townshipId: 'huayuan', townshipName: '花园镇', villages, at: NOW }
}

async function eventually(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms
  while (!check() && Date.now() < end) { await new Promise((r) => setTimeout(r, 20)); await flushPromises() }
}

afterEach(async () => { vi.unstubAllGlobals(); await cacheClear() })

describe('township dashboard', { timeout: 30_000 }, () => {
  it('offline, shows the last synced villages with the problem flagged first, and filters and sorts them', async () => {
    await cacheSet('session', { name: 'huayuan-staff', township: 'huayuan' })
    await cacheSet('summary', township())
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const { wrapper } = await mountFeature(TownshipView, { path: '/township' })
    await eventually(() => wrapper.find('[data-testid="township-error"]').exists())

    expect(wrapper.get('[data-testid="township-error"]').text()).toContain('显示的是上次同步的数据')
    const rows = () => wrapper.findAll('[data-testid^="township-row-"]').map((r) => r.attributes('data-testid')!.slice('township-row-'.length))
    expect(rows()[0]).toBe('mingyue') // most in need of attention first
    expect(rows()).toHaveLength(3)
    expect(wrapper.get('[data-testid="township-flags-mingyue"]').text()).toBe('3 个问题')
    expect(wrapper.get('[data-testid="township-flags-qingbo"]').text()).toBe('✓')
    // the step in the cycle screen's own words (one source), and a village through the whole round says so
    expect(wrapper.get('[data-testid="township-row-qingbo"]').text()).toContain('8/8 账目公开')
    expect(wrapper.get('[data-testid="township-row-anle"]').text()).toContain('本轮已全部完成')
    // tablets by the name they were enrolled with, or — given none — by the tail of their code
    expect(wrapper.get('[data-testid="township-row-mingyue"] details summary').text()).toMatch(/^\d+ 台$/)
    // money columns say their unit
    const heads = wrapper.findAll('[data-testid="township-table"] thead th').map((h) => h.text())
    expect(heads).toEqual(expect.arrayContaining(['专项资金（元）', '已分配（元）', '已支出（元）']))
    const tablets = wrapper.findAll('[data-testid="township-row-mingyue"] .township-tablets li').map((li) => li.text())
    expect(tablets[0]).toMatch(/^平板「村委会办公室」：/)
    expect(tablets[1]).toMatch(/^平板（编号尾号 [0-9A-Z]{1,4}）：/)

    const flag = wrapper.get('[data-testid="township-flag-mingyue-expense-without-cosign"]')
    expect(flag.text()).toContain('支出没有监事会会签')
    // the flag's figures in Chinese words, the project by its name: no English sentence, no raw id
    expect(flag.get('.township-flag-detail').text()).toMatch(/^付给“.+”的 [\d,.]+ 元（[^:（）]+）没有监事会会签$/)
    expect(wrapper.get('[data-testid="township-flag-list"]').text()).not.toMatch(/[A-Za-z]/)
    expect(wrapper.findAll('[data-testid="township-flag-mingyue-adopted-without-quorum"]')).toHaveLength(2)

    await wrapper.get('[data-testid="township-filter"]').setValue('flagged')
    expect(rows()).toEqual(['mingyue'])
    await wrapper.get('[data-testid="township-filter"]').setValue('all')
    await wrapper.get('[data-testid="township-sort"]').setValue('lastSync')
    expect(rows()).toEqual(['qingbo', 'mingyue', 'anle'])
    await wrapper.get('[data-testid="township-sort-dir"]').trigger('click')
    expect(rows()).toEqual(['anle', 'mingyue', 'qingbo'])
    await wrapper.get('[data-testid="township-search"]').setValue('明月')
    expect(rows()).toEqual(['mingyue'])

    // The charts arrive lazily, drawn as SVG.
    await eventually(() => wrapper.find('[data-testid="township-charts"] svg').exists())
    expect(wrapper.findAll('[data-testid="township-charts"] svg')).toHaveLength(2)
    wrapper.unmount()
  })

  it('asks a staff member to sign in when no one is, and shows why sign-in failed', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'unauthorized', reason: 'Name or password is incorrect.' }), { status: 401 })))
    const { wrapper } = await mountFeature(TownshipView, { path: '/township' })
    await eventually(() => wrapper.find('[data-testid="township-signin"]').exists())
    await wrapper.get('[data-testid="township-name"]').setValue('huayuan-staff')
    await wrapper.get('[data-testid="township-password"]').setValue('nope')
    await wrapper.get('[data-testid="township-signin"]').trigger('submit')
    await eventually(() => wrapper.find('[role="alert"]').exists())
    // In Chinese, and a wrong password is said as such, not as a failed sync with the hub's English.
    expect(wrapper.get('[role="alert"]').text()).toBe('账号或密码不对，请重新输入。')
    expect(wrapper.find('[data-testid="township-table"]').exists()).toBe(false)
    wrapper.unmount()
    // Out of reach of the hub: said so.
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const again = await mountFeature(TownshipView, { path: '/township' })
    await eventually(() => again.wrapper.find('[data-testid="township-signin"]').exists())
    await again.wrapper.get('[data-testid="township-name"]').setValue('huayuan-staff')
    await again.wrapper.get('[data-testid="township-password"]').setValue('nope')
    await again.wrapper.get('[data-testid="township-signin"]').trigger('submit')
    await eventually(() => again.wrapper.find('[role="alert"]').exists())
    expect(again.wrapper.get('[role="alert"]').text()).toBe('连不上乡镇服务器：请检查网络，有信号后再试。')
    again.wrapper.unmount()
  })

  it('says why a sync failed in Chinese, never with the hub\'s English reason', async () => {
    const answers: [number, string, string][] = [
      [403, 'forbidden', '这个账号不能查看这些记录，请联系管理员。'],
      [500, 'Internal Server Error', '乡镇服务器出了问题（代码 500），请稍后再试或联系管理员。'],
      [429, 'Too many failed attempts', '试错太多次了，请过几分钟再试。'],
    ]
    for (const [status, reason, said] of answers) {
      await cacheSet('session', { name: 'huayuan-staff', township: 'huayuan' })
      await cacheSet('summary', township())
      vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'x', reason }), { status })))
      const { wrapper } = await mountFeature(TownshipView, { path: '/township' })
      await eventually(() => wrapper.find('[data-testid="township-error"]').exists())
      const alert = wrapper.get('[data-testid="township-error"]').text()
      expect(alert.replace(/\s+/g, ' '), String(status)).toBe(`${said} — 这里显示的是上次同步的数据`)
      expect(alert).not.toMatch(/[A-Za-z]/)
      wrapper.unmount()
      await cacheClear()
    }
  })

  it('exports the accounts as CSV with the flags, and prints a report of every village', async () => {
    await cacheSet('session', { name: 'huayuan-staff', township: 'huayuan' })
    await cacheSet('summary', township())
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const blobs: Blob[] = []
    const create = vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => { blobs.push(b as Blob); return 'blob:test' })
    const { wrapper } = await mountFeature(TownshipView, { path: '/township' })
    await eventually(() => wrapper.find('[data-testid="township-export-csv-accounts"]').exists())
    await wrapper.get('[data-testid="township-export-csv-accounts"]').trigger('click')
    expect(blobs).toHaveLength(1)
    const lines = (await blobs[0]!.text()).replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines[0]).toBe('village_id,村,year,fund_yuan,allocated_yuan,spent_yuan,remaining_yuan,compliance_flags')
    expect(lines.find((l) => l.startsWith('mingyue,'))).toMatch(/^mingyue,明月村,2026,200000,\d+,\d+(\.\d+)?,\d+(\.\d+)?,adopted-without-quorum adopted-without-quorum expense-without-cosign$/)
    wrapper.unmount()
    create.mockRestore()

    const report = (await mountFeature(TownshipReportView, { path: '/township/report' })).wrapper
    await eventually(() => report.text().includes('花园镇'))
    expect(report.get('h1').text()).toBe('花园镇 村级公共服务资金议事情况报告')
    expect(report.findAll('tbody tr')).toHaveLength(3)
    expect(report.text()).toContain('明月村：合规提示')
    expect(report.text()).toContain('支出没有监事会会签')
    expect(report.text()).toMatch(/“[^”]+”记为通过，但/)
    // flags and funded projects in words: nothing English, no project id
    for (const section of report.findAll('section')) expect(section.text()).not.toMatch(/[A-Za-z]/)
    report.unmount()
  })

  it('prints a report that reads in words: headings with a Chinese colon, each vote\'s figures named, flags counted as on screen, a way back', async () => {
    await cacheSet('session', { name: 'huayuan-staff', township: 'huayuan' })
    const summary = township()
    await cacheSet('summary', summary)
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const { wrapper: report, router } = await mountFeature(TownshipReportView, { path: '/township/report' })
    await eventually(() => report.text().includes('花园镇'))
    const headings = report.findAll('h2').map((h) => h.text())
    expect(headings).toContain('明月村：合规提示')
    for (const h of headings) expect(h).not.toContain(':')
    // "2026 年… — 45 / 60 · 路灯" said nothing: how many ballots, of how many who could vote, and what was funded
    const withVote = summary.villages.find((v) => v.votes.length)!
    const vote = withVote.votes[0]!
    const line = report.get(`[data-testid="report-vote-${vote.id}"]`).text()
    expect(line).toContain(`${vote.ballots} 张选票`)
    expect(line).toContain(`${vote.eligible} 人有投票权`)
    expect(line).toContain('入选：')
    expect(line).not.toMatch(/ \/ /)
    // the flags column as the dashboard says it: problems, not a bare number
    expect(report.get('[data-testid="report-flags-mingyue"]').text()).toBe('3 个问题')
    expect(report.get('[data-testid="report-flags-qingbo"]').text()).toBe('✓')
    // a way back to the overview that does not print
    const back = report.get('[data-testid="report-back"]')
    expect(back.text()).toBe('返回总览')
    expect(back.classes()).toContain('no-print')
    await back.trigger('click')
    await eventually(() => router.currentRoute.value.name === 'township')
    report.unmount()
  })

  it('says in words what a staff member would ask: the way back, what a column means, a double vote dealt with, each export', async () => {
    await cacheSet('session', { name: 'huayuan-staff', township: 'huayuan' })
    const summary = township()
    // 清波村 had one double vote: the council decided it and the supervisors voided the extra ballot
    await cacheSet('summary', { ...summary, villages: summary.villages.map((v) => {
      if (v.villageId === 'qingbo') return { ...v, doubleVotes: 0, votes: v.votes.map((x, i) => (i === 0 ? { ...x, voided: 1 } : x)) }
      // 安乐村's council decided two double votes; the supervisors have not opened the seals yet
      if (v.villageId === 'anle') return { ...v, doubleVotes: 0, conflicts: 0, doubleVotesAwaitingSeals: 2 }
      // 明月村 opened its vote early and closed it, but never marked step 4 done on its cycle
      if (v.villageId === 'mingyue') return { ...v, step: 'announce', stepIndex: 3, finished: false, lastVote: { ...v.lastVote!, closedAt: NOW - 86_400_000 } }
      return v
    }) })
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const { wrapper } = await mountFeature(TownshipView, { path: '/township' })
    await eventually(() => wrapper.find('[data-testid="township-row-qingbo"]').exists())
    // the way back has a word, and a name for a screen reader
    const back = wrapper.get('[data-testid="township-back"]')
    expect(back.text()).toBe('返回')
    expect(back.attributes('href')).toBe('/')
    // 0 still open, but a double vote happened and was dealt with
    expect(wrapper.get('[data-testid="township-double-qingbo"]').text()).toBe('0（已处理，作废 1 张）')
    // decided, but the seals not opened yet: not open any more, not dealt with either
    expect(wrapper.get('[data-testid="township-double-anle"]').text()).toBe('0（已决定 2 人，等监事开封）')
    // and the filter for double votes not dealt with keeps it
    await wrapper.get('[data-testid="township-filter"]').setValue('doubleVotes')
    expect(wrapper.find('[data-testid="township-row-anle"]').exists()).toBe(true)
    await wrapper.get('[data-testid="township-filter"]').setValue('all')
    // the step the cycle stands at, and that the vote has already closed (not only "4/8 公布投票")
    expect(wrapper.get('[data-testid="township-row-mingyue"] td.step .nw').text()).toBe('4/8 公布投票（下）')
    expect(wrapper.get('[data-testid="township-step-ahead-mingyue"]').text()).toBe('投票已结束，流程上还没标为完成')
    expect(wrapper.find('[data-testid="township-step-ahead-qingbo"]').exists()).toBe(false)
    // the district column is explained under the table
    expect(wrapper.get('[data-testid="township-notes"]').text()).toContain('数据到达区县：乡镇服务器最近一次把这个村的记录转给区县服务器的时间')
    // each CSV button names its table in Chinese punctuation, no English colon
    expect(wrapper.get('[data-testid="township-export-csv-results"]').text()).toBe('投票结果（CSV 表格）')
    expect(wrapper.get('[data-testid="township-exports"]').text()).not.toContain(':')
    wrapper.unmount()
  })

  it('shows a step taken early with its reason on record amber, to verify (请核实), not red as a problem — the checklist\'s rule', async () => {
    await cacheSet('session', { name: 'huayuan-staff', township: 'huayuan' })
    const summary = township()
    const early = { code: 'step-taken-early', variant: 'early', ref: 'vote:lights', details: { person: '王文书', subject: '2026 年路灯投票', step: 'announce', reason: '农忙前要投完票', at: NOW - 86_400_000 } }
    await cacheSet('summary', { ...summary, villages: summary.villages.map((v) => (v.villageId === 'qingbo' ? { ...v, flags: [early] } : v)) })
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const { wrapper } = await mountFeature(TownshipView, { path: '/township' })
    await eventually(() => wrapper.find('[data-testid="township-flags-qingbo"] .van-tag').exists())
    const tag = wrapper.get('[data-testid="township-flags-qingbo"] .van-tag')
    expect(tag.text()).toBe('1 处请核实')
    expect(tag.classes()).toContain('van-tag--warning')
    // a village with rules broken stays red
    expect(wrapper.get('[data-testid="township-flags-mingyue"] .van-tag').classes()).toContain('van-tag--danger')
    const flag = wrapper.get('[data-testid="township-flag-qingbo-step-taken-early"]')
    expect(flag.attributes('data-weight')).toBe('verify')
    expect(flag.text()).toContain('理由：农忙前要投完票')
    expect(wrapper.get('[data-testid="township-flag-mingyue-expense-without-cosign"]').attributes('data-weight')).toBe('violation')
    wrapper.unmount()
  })

  it('in English, counts problems with the right plural', async () => {
    await cacheSet('session', { name: 'huayuan-staff', township: 'huayuan' })
    const summary = township()
    const mingyue = summary.villages.find((v) => v.villageId === 'mingyue')!
    await cacheSet('summary', { ...summary, villages: summary.villages.map((v) => {
      if (v.villageId === 'anle') return { ...v, flags: mingyue.flags.slice(0, 1), doubleVotes: 0, doubleVotesAwaitingSeals: 1, votes: v.votes.map((x, i) => (i === 0 ? { ...x, voided: 2 } : x)) }
      return v
    }) })
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const { wrapper } = await mountFeature(TownshipView, { path: '/township', locale: 'en' })
    await eventually(() => wrapper.find('[data-testid="township-flags-anle"]').exists())
    expect(wrapper.get('[data-testid="township-flags-anle"]').text()).toBe('1 problem')
    expect(wrapper.get('[data-testid="township-flags-mingyue"]').text()).toBe('3 problems')
    expect(wrapper.get('[data-testid="township-double-anle"]').text()).toBe('0 (decided: 1 voter, seals not opened yet; dealt with: 2 ballots voided)')
    // the flags in English too, worded from the same codes
    expect(wrapper.get('[data-testid="township-flag-mingyue-expense-without-cosign"] .township-flag-detail').text()).toMatch(/^[\d,.]+ yuan paid to "/)
    wrapper.unmount()
  })

  it('asks to sign in again when the hub no longer knows the session', async () => {
    await cacheSet('session', { name: 'huayuan-staff', township: 'huayuan' })
    await cacheSet('summary', township())
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'unauthorized', reason: 'You are not authorized to access this db.' }), { status: 401 })))
    const { wrapper } = await mountFeature(TownshipView, { path: '/township' })
    await eventually(() => wrapper.find('[data-testid="township-signin"]').exists())
    expect(wrapper.get('[role="alert"]').text()).toBe('登录已经过期（或密码改过了），请重新登录。')
    wrapper.unmount()
  })

  it('uses the width of a screen held sideways for its 16 columns, not the 960 px column of the village screens', async () => {
    // the app's own stylesheet, as the browser has it
    const style = document.createElement('style')
    style.textContent = readFileSync(join(process.cwd(), 'src/styles/main.css'), 'utf8')
    document.head.appendChild(style)
    await cacheSet('session', { name: 'huayuan-staff', township: 'huayuan' })
    await cacheSet('summary', township())
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const { wrapper } = await mountFeature(TownshipView, { path: '/township' })
    await eventually(() => wrapper.find('[data-testid="township-table"]').exists())
    const page = wrapper.get('main').element as HTMLElement
    // at 1280 px the table gets the screen (less the page's margins), where it was held to 960 px
    expect(parseFloat(getComputedStyle(page).maxWidth)).toBeGreaterThanOrEqual(1280)
    // a village's own screens keep the reading column
    const plain = document.createElement('main')
    plain.className = 'page'
    document.body.appendChild(plain)
    expect(getComputedStyle(plain).maxWidth).toBe('960px')
    plain.remove()
    style.remove()
    wrapper.unmount()
  })
})
