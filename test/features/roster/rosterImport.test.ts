import { describe, expect, it } from 'vitest'
import { parseCsv, toCsv } from '@/shared/table/csv'
import { readXlsx, writeXlsx } from '@/shared/table/xlsx'
import { parseRoster, rosterTable, ROLES, type RosterRow } from '@/features/roster/rosterImport'
import { allMessages } from '@/i18n/messages'
import { zipSync, strToU8 } from 'fflate'

describe('CSV', () => {
  it('reads quotes, line breaks in fields, a BOM and CRLF, and writes back the same table', () => {
    const rows = [['户号', '姓名'], ['3', '张"大"山'], ['4', '李, 四\n第二行']]
    expect(parseCsv(toCsv({ name: 'roster', headers: rows[0]!, rows: rows.slice(1) }))).toEqual(rows)
    expect(parseCsv('a;b\r\n1;2\r\n')).toEqual([['a', 'b'], ['1', '2']])
    expect(parseCsv('a\tb\n\n1\t2')).toEqual([['a', 'b'], ['1', '2']])
  })
})

describe('the roster exported as CSV', () => {
  it('neutralises a name a spreadsheet would run as a formula, and reads it back as it was', () => {
    const rows = [['户号', '姓名'], ['3', '=HYPERLINK("http://x","点我")'], ['-4', '@SUM(A1)']]
    const csv = toCsv({ name: 'roster', headers: rows[0]!, rows: rows.slice(1) })
    expect(csv.split('\r\n')[1]).toBe('3,"\'=HYPERLINK(""http://x"",""点我"")"')
    expect(csv.split('\r\n')[2]).toBe("'-4,'@SUM(A1)")
    expect(parseCsv(csv)).toEqual(rows)
  })
})

describe('XLSX', () => {
  it('round-trips Chinese text, empty cells and XML special characters', () => {
    const rows = [['户号', '姓名', '备注'], ['1', '王<小>&明', ''], ['2', '', 'x"y']]
    expect(readXlsx(writeXlsx(rows))).toEqual([['户号', '姓名', '备注'], ['1', '王<小>&明', ''], ['2', '', 'x"y']])
  })

  it('reads a workbook the way Excel writes it: shared strings, numbers, gaps between cells and rows', () => {
    const x = (s: string) => strToU8(s)
    const bytes = zipSync({
      'xl/workbook.xml': x('<workbook xmlns:r="r"><sheets><sheet name="名册" sheetId="1" r:id="rId3"/></sheets></workbook>'),
      'xl/_rels/workbook.xml.rels': x('<Relationships><Relationship Id="rId3" Type="t" Target="worksheets/sheet7.xml"/></Relationships>'),
      'xl/sharedStrings.xml': x('<sst><si><t>姓名</t></si><si><r><t>张</t></r><r><t>三</t></r></si></sst>'),
      'xl/worksheets/sheet7.xml': x('<worksheet><sheetData>' +
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>户号</t></is></c></row>' +
        '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="C3"><v>12</v></c><c r="D3" t="b"><v>1</v></c></row>' +
        '</sheetData></worksheet>'),
    })
    expect(readXlsx(bytes)).toEqual([['姓名', '', '户号'], [], ['张三', '', '12', 'TRUE']])
  })

  it('refuses a file that is not a workbook with a reason', () => {
    expect(() => readXlsx(strToU8('hello'))).toThrow(/not an xlsx/)
  })
})

describe('roster rows', () => {
  const header = ['户号', '姓名', '院落/小组', '角色', '投票权', '户代表', '成年']

  it('accepts good rows in any column order and explains each bad row', () => {
    const parsed = parseRoster([
      header,
      ['1', '张三', '一组', '议事会成员、监事', '是', '是', ''],
      ['1', '', '一组', '', '', '', ''],
      ['2', '李四', '', '村长', '也许', '', ''],
      ['1', '张三', '一组', '', '', '', ''],
      ['3', '小明', '一组', '', '是', '', '否'],
      ['3 号', '王五', '一组', '', '', '', ''],
    ])
    expect(parsed.missingColumns).toEqual([])
    expect(parsed.lines[0]!.row).toEqual({ household: '1', name: '张三', unit: '一组', roles: ['council-member', 'supervisor'], adult: true, eligible: true, householdHead: true })
    expect(parsed.lines[1]!.errors.map((e) => e.code)).toEqual(['missingName'])
    expect(parsed.lines[2]!.errors).toEqual([{ code: 'missingUnit' }, { code: 'unknownRole', detail: '村长' }, { code: 'badYesNo', detail: '也许' }])
    expect(parsed.lines[3]!.errors).toEqual([{ code: 'duplicate', detail: '2' }])
    expect(parsed.lines[3]!.line).toBe(5)
    // The domain's rules: a minor cannot vote; a household number is letters and digits.
    expect(parsed.lines[4]!.errors.map((e) => [e.code, e.refusal?.code])).toEqual([['refused', 'person.minor-eligible']])
    expect(parsed.lines[5]!.errors.map((e) => [e.code, e.refusal?.code, e.refusal?.details.field])).toEqual([['refused', 'invalid.format', 'householdId']])
  })

  it('reads English headers and reports missing required columns', () => {
    expect(parseRoster([['Name', 'Household', 'Unit', 'Eligible'], ['Wang', '7', 'Group 2', 'no']]).lines[0]!.row)
      .toMatchObject({ name: 'Wang', household: '7', unit: 'Group 2', eligible: false, roles: [], adult: true })
    expect(parseRoster([['姓名', '角色']]).missingColumns).toEqual(['household', 'unit'])
  })

  it('reads back what it exports, in both languages', () => {
    const messages = allMessages()
    const row: RosterRow = { household: '3', name: '赵六', unit: '二组', roles: [...ROLES], adult: true, eligible: false, householdHead: true }
    for (const locale of ['zh-CN', 'en'] as const) {
      const labels = (messages[locale].roster as { role: Record<string, string> }).role
      const table = rosterTable([row], locale, (r) => labels[r]!)
      expect(parseRoster(readXlsx(writeXlsx(table))).lines[0]!.row).toEqual(row)
    }
  })
})
