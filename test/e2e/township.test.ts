import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { read, utils } from 'xlsx'
import AxeBuilder from '@axe-core/playwright'
import { ADMIN, startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'

const DAY = 86_400_000
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')

/** What the clerk's tablets would have synced to 清波村 by now: a closed vote and an expense nobody co-signed. */
function qingboRecords(now: number) {
  const env = (id: string, kind: string, body: Record<string, unknown>, ref = '', seq = 1) =>
    ({ _id: id, kind, v: 1, village: 'qingbo', year: 2026, author: 'person:qingbo-7', device: 'dev-qingbo-1', deviceTime: now - DAY, seq, ref, body })
  const candidates = [
    { id: 'cand:qingbo-1', title: '院落路灯', cost: 6_800_000, proposalIds: ['proposal:qingbo-1'] },
    { id: 'cand:qingbo-2', title: '饮水管网改造', cost: 9_500_000, proposalIds: ['proposal:qingbo-2'] },
    { id: 'cand:qingbo-3', title: '老年活动室', cost: 4_200_000, proposalIds: ['proposal:qingbo-3'] },
  ]
  const roster = Array.from({ length: 20 }, (_, i) => `person:qingbo-${i + 1}`)
  const vote = env('vote:qingbo-2026', 'vote', {
    unitId: '', kind: 'project-selection', title: '2026年民生项目投票', candidates, ballotType: 'approval', minChoices: 1, maxChoices: 2,
    budget: 15_000_000, opensAt: now - 3 * DAY, closesAt: now - 2 * DAY, closedAt: 0, roster, perHousehold: false, rule: 'greedy', sealKeys: [],
  })
  // 14 ballots: 路灯 11, 饮水 9, 活动室 6 → greedy within ¥150,000: 路灯 (68,000) fits, 饮水 (95,000) does not, 活动室 (42,000) fits.
  const pattern = [['cand:qingbo-1', 'cand:qingbo-2'], ['cand:qingbo-1'], ['cand:qingbo-2', 'cand:qingbo-3'], ['cand:qingbo-1', 'cand:qingbo-3']]
  const choices = [0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 0].map((k) => pattern[k]!)
  const ballots = choices.map((c, i) => env(`ballot:e2e${i}`, 'ballot', { voteId: vote._id, choices: c, castAt: now - 2.5 * DAY }, vote._id, 10 + i))
  const expense = env('ledger:qingbo-e1', 'ledger', {
    fundId: 'fund:qingbo-2026', projectId: 'cand:qingbo-1', kind: 'expense', amount: 1_250_000, payee: '灯具店', description: '太阳能路灯',
    at: now - DAY, recordedBy: 'person:qingbo-7', photos: [],
  }, 'fund:qingbo-2026', 40)
  return [vote, ...ballots, expense]
}

describe('township staff device in a real browser', () => {
  let hub: RunningHub
  let browser: Browser
  let dir: string

  beforeAll(async () => {
    hub = await startHub({ SEED_DEMO: 'true' })
    browser = await launchChromium()
    dir = mkdtempSync(join(tmpdir(), 'yishi-township-'))
    const res = await fetch(`${hub.url}/couch/village-qingbo/_bulk_docs`, {
      method: 'POST', headers: { authorization: basic(ADMIN.user, ADMIN.password), 'content-type': 'application/json' },
      body: JSON.stringify({ docs: qingboRecords(Date.now()) }),
    })
    expect(res.status).toBe(201)
  })
  afterAll(async () => {
    await browser?.close()
    await hub?.stop({ removeData: true })
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('syncs two demo villages, flags the seeded problem, exports XLSX and a .pb that re-tallies the same', async () => {
    const context = await browser.newContext({ acceptDownloads: true })
    const page = await context.newPage()
    await page.goto(`${hub.url}/`)
    await page.getByTestId('home-township').click()
    await page.getByTestId('township-name').fill('huayuan-staff')
    await page.getByTestId('township-password').fill('yishi-demo')
    await page.getByTestId('township-signin-submit').click()

    // Both demo villages arrive; 清波村 carries the seeded problem.
    await page.getByTestId('township-row-qingbo').waitFor()
    await page.getByTestId('township-row-mingyue').waitFor()
    expect(await page.getByTestId('township-flags-qingbo').textContent()).toMatch(/\d+ 个问题/)
    const flag = page.getByTestId('township-flag-qingbo-expense-without-cosign').filter({ hasText: '12,500 元' })
    expect(await flag.textContent()).toContain('支出没有监事会会签')
    expect(await page.getByTestId('township-row-qingbo').textContent()).toContain('70%') // 14 of 20 voted
    await page.getByTestId('township-charts').waitFor()
    const axe = await new AxeBuilder({ page }).analyze()
    expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])

    // A tablet held upright (800 px): every village's figures fit, each beside its label, nothing scrolls sideways.
    await page.setViewportSize({ width: 800, height: 1280 })
    const fit = await page.evaluate(() => {
      const wrap = document.querySelector('.township-table-wrap') as HTMLElement
      const fund = document.querySelector('[data-testid="township-row-qingbo"] td') as HTMLElement
      // the flag count ('2 个问题') reads on one line, not a letter a line in a squeezed column
      const tag = document.querySelector('[data-testid="township-flags-qingbo"] .van-tag') as HTMLElement
      const oneLine = tag.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(tag).fontSize) * 1.5
      return { page: document.documentElement.scrollWidth <= window.innerWidth, table: wrap.scrollWidth <= wrap.clientWidth, label: getComputedStyle(fund, '::before').content, oneLine }
    })
    expect(fit).toEqual({ page: true, table: true, label: '"当前环节"', oneLine: true })
    expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([])
    // A tablet or laptop held sideways (1280 px): the table reads as a table — the flag count, the step and each date
    // stay whole (not a character a line), the chart's figures do not overlap, and the way back says 返回.
    await page.setViewportSize({ width: 1280, height: 800 })
    const wide = await page.evaluate(() => {
      // how many lines an element's text takes: the distinct tops of its text's boxes
      const lines = (el: Element | null) => {
        if (!el) return -1
        const r = document.createRange()
        r.selectNodeContents(el)
        return new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top))).size
      }
      const row = document.querySelector('[data-testid="township-row-qingbo"]')!
      const cells = [...row.querySelectorAll('td')]
      const step = cells[0]!
      const dates = [...row.querySelectorAll('.nw')]
      // two boxes of one chart row's figures overlap when they share both x and y
      const overlap = [...document.querySelectorAll('[data-testid="township-charts"] svg > g')].some((g) => {
        const texts = [...g.querySelectorAll(':scope > g > text')].map((t) => t.getBoundingClientRect())
        return texts.some((a, i) => texts.some((b, j) => j > i && a.left < b.right && b.left < a.right && a.top < b.bottom - 1 && b.top < a.bottom - 1))
      })
      return {
        tag: lines(document.querySelector('[data-testid="township-flags-qingbo"] .van-tag')),
        step: lines(step.querySelector('.nw')),
        datesWhole: dates.length > 0 && dates.every((d) => lines(d) === 1),
        page: document.documentElement.scrollWidth <= window.innerWidth,
        table: (() => { const w = document.querySelector('.township-table-wrap')!; return w.scrollWidth <= w.clientWidth })(),
        overlap,
      }
    })
    expect(wide).toEqual({ tag: 1, step: 1, datesWhole: true, page: true, table: true, overlap: false })
    expect(await page.getByRole('link', { name: '返回' }).count()).toBe(1)
    expect(await page.getByTestId('township-notes').innerText()).toContain('数据到达区县：')
    expect(await page.getByTestId('township-export-csv-results').innerText()).toBe('投票结果（CSV 表格）')
    expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([])
    await page.setViewportSize({ width: 1280, height: 720 })

    // Syncing again revalidates with the hub's ETag (the hub answers 304 while nothing changed:
    // test/features/township/hub.test.ts); Chromium then serves the body from its cache.
    const revalidations: (string | undefined)[] = []
    page.on('request', async (r) => { if (r.url().endsWith('/hub/township/summary')) revalidations.push((await r.allHeaders())['if-none-match']) })
    await page.getByTestId('township-sync').click()
    await expect.poll(() => revalidations.length, { timeout: 10_000 }).toBe(1)
    expect(revalidations[0]).toMatch(/^"[\w-]+"$/)
    expect(await page.getByTestId('township-flags-qingbo').textContent()).toMatch(/\d+ 个问题/)

    // XLSX of results, allocations and accounts, read back by an independent reader.
    const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('township-export-xlsx').click()])
    const xlsxPath = join(dir, 'township.xlsx')
    await xlsxDownload.saveAs(xlsxPath)
    const book = read(readFileSync(xlsxPath), { type: 'buffer' })
    expect(book.SheetNames).toEqual(['投票结果', '资金分配', '账目'])
    const results = utils.sheet_to_json<Record<string, unknown>>(book.Sheets['投票结果']!)
    expect(results.find((r) => r.vote_id === 'vote:qingbo-2026')).toMatchObject({ village_id: 'qingbo', vote_id: 'vote:qingbo-2026', ballots: 14, eligible: 20, selected: '院落路灯、老年活动室', selected_ids: 'cand:qingbo-1 cand:qingbo-3', cost_yuan: 110000 })
    const accounts = utils.sheet_to_json<Record<string, unknown>>(book.Sheets['账目']!)
    const qingbo = accounts.find((r) => r.village_id === 'qingbo')!
    expect(qingbo.fund_yuan).toBe(200000)
    expect(qingbo.spent_yuan).toBeGreaterThanOrEqual(12500)
    expect(String(qingbo.compliance_flags).split(' ')).toContain('expense-without-cosign')

    // Open 清波村 in full (its records come down once), export the vote as a .pb file.
    await page.getByTestId('township-open-qingbo').click()
    await page.getByTestId('township-village-records').waitFor()
    expect(await page.getByTestId('township-vote-selected').textContent()).toContain('院落路灯、老年活动室')
    // Held in full, the village's flags are computed on the device as well.
    expect(await page.getByTestId('township-flag-qingbo-expense-without-cosign').filter({ hasText: '12,500 元' }).count()).toBe(1)
    // the village once (its title), its place in the cycle in the cycle's words; the .pb button says what the file is for
    expect(await page.getByText('清波村', { exact: true }).count()).toBeLessThanOrEqual(2)
    expect(await page.getByTestId('township-village-step').innerText()).toMatch(/^议事流程：/)
    expect(await page.getByTestId('township-export-pb-vote:qingbo-2026').innerText()).toContain('原始选票')
    const [pbDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('township-export-pb-vote:qingbo-2026').click()])
    const pbPath = join(dir, 'qingbo-2026.pb')
    await pbDownload.saveAs(pbPath)
    expect(readFileSync(pbPath, 'utf8')).toMatch(/^META\nkey;value\n/)

    // Anyone can recompute the outcome from the raw ballots with the tally command.
    const tally = JSON.parse(execFileSync('npm', ['run', '-s', 'tally', '--', pbPath], { encoding: 'utf8', timeout: 60_000 })) as Record<string, unknown>
    expect(tally).toEqual({ rule: 'greedy', selected: ['cand:qingbo-1', 'cand:qingbo-3'], cost: 11_000_000, budget: 15_000_000 })

    // The other demo village opens too (its full records on the device), and back on the overview.
    await page.getByText('返回总览').click()
    await page.getByTestId('township-open-mingyue').click()
    await page.getByTestId('township-village-records').waitFor()
    expect(await page.getByTestId('township-village-records').textContent()).toMatch(/共 \d+ 条记录/)
    await context.close()
  })
})
