import { describe, expect, it } from 'vitest'
import { read, utils } from 'xlsx'
import { unzipSync, strFromU8 } from 'fflate'
import { toCsv } from '@/shared/table/csv'
import { columnName, toXlsx } from '@/shared/table/xlsx'
import type { ExportTable } from '@/shared/table/table'

const allocations: ExportTable = {
  name: '资金分配',
  headers: ['村', '项目', '分配 (元)', '已支出 (元)', '已会签'],
  rows: [
    ['青杠村', '路灯, 一组 "院坝"', 48_000, 31_250.5, true],
    ['石桥村', '=HYPERLINK("x")', 120_000, 0, false],
    ['石桥村', '<script>alert(1)</script> & 水渠\n二期', 9, null, null],
  ],
}

describe('township CSV export', () => {
  it('quotes commas, quotes and line breaks, and neutralises formulas', () => {
    const csv = toCsv(allocations)
    expect(csv.startsWith('\uFEFF村,项目,')).toBe(true)
    const lines = csv.slice(1).split('\r\n')
    expect(lines[1]).toBe('青杠村,"路灯, 一组 ""院坝""",48000,31250.5,TRUE')
    expect(lines[2]).toBe('石桥村,"\'=HYPERLINK(""x"")",120000,0,FALSE')
    expect(csv).toContain('"<script>alert(1)</script> & 水渠\n二期",9,,')
  })
})

describe('township XLSX export', () => {
  it('names columns like a spreadsheet', () => {
    expect([0, 25, 26, 27, 701, 702].map(columnName)).toEqual(['A', 'Z', 'AA', 'AB', 'ZZ', 'AAA'])
  })

  it('is read back by an independent reader (SheetJS) with the same values, sheet per table', () => {
    const accounts: ExportTable = { name: 'Accounts: 2026/Q1 [draft] and a very long sheet name', headers: ['village', 'fund'], rows: [['qinggang', 200_000]] }
    const bytes = toXlsx([allocations, accounts])
    const book = read(bytes, { type: 'array' })
    expect(book.SheetNames).toEqual(['资金分配', 'Accounts  2026 Q1  draft  and a'])
    const rows = utils.sheet_to_json<unknown[]>(book.Sheets['资金分配']!, { header: 1, defval: null })
    expect(rows[0]).toEqual(allocations.headers)
    expect(rows[1]).toEqual(['青杠村', '路灯, 一组 "院坝"', 48000, 31250.5, true])
    expect(rows[2]).toEqual(['石桥村', '=HYPERLINK("x")', 120000, 0, false])
    expect(rows[3]).toEqual(['石桥村', '<script>alert(1)</script> & 水渠\n二期', 9, null, null])
    const second = utils.sheet_to_json<unknown[]>(book.Sheets[book.SheetNames[1]!]!, { header: 1 })
    expect(second).toEqual([['village', 'fund'], ['qinggang', 200000]])
  })

  it('stores text as inline strings, never as formulas', () => {
    const files = unzipSync(toXlsx([allocations]))
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml']!)
    expect(sheet).not.toContain('<f>')
    expect(sheet).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; 水渠')
  })

  it('refuses an empty workbook', () => {
    expect(() => toXlsx([])).toThrow(/at least one table/)
  })
})
