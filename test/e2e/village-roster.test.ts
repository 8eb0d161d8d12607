import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import AxeBuilder from '@axe-core/playwright'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { provision } from '../sync-server/helpers'
import { hubDocCount } from '../data/sync-helpers'
import { writeXlsx } from '@/shared/table/xlsx'
import { readXlsx } from '@/shared/table/xlsx'
import { couch } from '../sync-server/helpers'
import { enrolledTablet, until, type Tablet } from './support/votes'
import { installedOffline, RosterPage } from './support/roster'

const CLERK = { personId: 'person:clerk', name: '王文书' }

/** Journey (c): a clerk imports a roster sheet with bad rows, offline, and it reaches the hub once online. */
describe('roster import with bad rows', () => {
  let hub: RunningHub
  let browser: Browser
  let tablet: Tablet

  beforeAll(async () => {
    hub = await startHub()
    await provision(hub, { villages: ['rv'] })
    browser = await launchChromium()
    tablet = await enrolledTablet(browser, hub, 'rv', CLERK, '1357')
  })
  afterAll(async () => {
    await tablet?.context.close().catch(() => undefined)
    await browser?.close()
    await hub?.stop({ removeData: true })
  })

  it('previews the sheet with a reason on each bad row, imports the good rows offline, and syncs them', async () => {
    const { page, context } = tablet
    const roster = new RosterPage(page)
    await roster.openImport(hub.url)
    await installedOffline(page)
    await context.setOffline(true)

    const sheet = writeXlsx([
      ['户号', '姓名', '院落/小组', '角色', '投票权', '户代表', '成年'],
      ['1-01', '张秀英', '一组', '议事会成员', '是', '是', ''],
      ['1-02', '', '一组', '', '', '', ''],
      ['1-03', '刘德华', '一组', '村长', '', '', ''],
      ['2-01', '陈小明', '二组', '', '是', '', '否'],
      ['2-02', '李监事', '二组', '监事', '', '是', ''],
      ['1-01', '张秀英', '一组', '', '', '', ''],
      ['2-03', '赵大爷', '二组', '', '否', '', ''],
    ])
    // the native file input (its "Choose File" in English) takes no room on screen: the Chinese button opens the picker
    const input = await page.getByTestId('roster-file').boundingBox()
    expect((input?.width ?? 0) <= 1 && (input?.height ?? 0) <= 1).toBe(true)
    await roster.pick('名册.xlsx', sheet, { byButton: true })
    expect(await roster.summary()).toBe('共 7 行：3 行正确，4 行有错误')
    const errors = await roster.rowErrors()
    expect(errors[0]).toContain('没有姓名')
    expect(errors[1]).toContain('不认识的角色“村长”')
    expect(errors[2]).toContain('未成年人没有投票权')
    expect(errors[3]).toContain('与第 2 行重复')
    expect(await roster.confirm()).toContain('新增 3 人')

    await roster.open(hub.url)
    await until(page, async () => (await roster.names()).length === 3, 20_000, 'three people on the roster')
    expect(await roster.names()).toEqual(['张秀英', '李监事', '赵大爷'])
    expect(await page.getByTestId('roster-summary').innerText()).toContain('3 人 · 3 户 · 2 人有投票权')

    // Exported, the roster reads back with the same people.
    const exported = readXlsx(await roster.export('xlsx'))
    expect(exported.slice(1).map((r) => r[1])).toEqual(['张秀英', '李监事', '赵大爷'])

    const results = await new AxeBuilder({ page }).analyze()
    expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([])

    // Signal again: the people and their units reach the hub.
    const before = await hubDocCount(hub, 'rv')
    await context.setOffline(false)
    await until(page, async () => {
      const r = await couch(hub, 'village-rv/_all_docs?include_docs=true')
      const names = (r.body.rows as { doc: { kind?: string; body?: { name?: string } } }[]).filter((x) => x.doc.kind === 'person').map((x) => x.doc.body?.name)
      return names.length === 3
    }, 60_000, 'people on the hub')
    expect(await hubDocCount(hub, 'rv')).toBeGreaterThan(before)
  })
})
