/**
 * Turns a table read from CSV or XLSX into roster rows, with per-row errors a clerk can fix.
 * Headers are matched in Chinese or English; columns may come in any order.
 * This is input parsing at the edge; each row is then checked by the domain's `person`
 * constructor (who may vote, valid household numbers), whose refusals become row errors.
 */
import { DomainError, householdId, person, ROLES, type Role } from '@/domain'
import type { RosterRow } from '@/stores/roster'

export { ROLES, type Role, type RosterRow }

export interface RowError {
  code: 'missingName' | 'missingHousehold' | 'missingUnit' | 'unknownRole' | 'badYesNo' | 'duplicate' | 'refused'
  detail?: string
  /** For `refused`: the domain's refusal, said in words by the preview (useDomainErrorWords). */
  refusal?: DomainError
}
export interface ParsedLine { line: number; fields: { household: string; name: string; unit: string }; row: RosterRow | null; errors: RowError[] }
export interface ParsedRoster { missingColumns: string[]; lines: ParsedLine[] }

type Column = keyof RosterRow
const HEADERS: Record<Column, string[]> = {
  household: ['户号', '户编号', 'household', 'household no', 'household number'],
  name: ['姓名', '名字', 'name'],
  unit: ['院落', '小组', '院落/小组', '单元', 'unit', 'courtyard', 'group'],
  roles: ['角色', '职务', 'roles', 'role'],
  adult: ['成年', '成年人', 'adult'],
  eligible: ['投票权', '有投票权', '选民', 'eligible', 'can vote', 'voter'],
  householdHead: ['户代表', '户主', 'representative', 'household representative', 'household head'],
}
export const EXPORT_HEADERS: Record<'zh-CN' | 'en', string[]> = {
  'zh-CN': ['户号', '姓名', '院落/小组', '角色', '成年', '投票权', '户代表'],
  en: ['household', 'name', 'unit', 'roles', 'adult', 'eligible', 'representative'],
}
const ROLE_WORDS: Record<string, Role> = {
  议事会成员: 'council-member', 村民议事会成员: 'council-member', 议事员: 'council-member', 'council member': 'council-member',
  院落议事会成员: 'courtyard-council-member', 'courtyard council member': 'courtyard-council-member',
  村民代表: 'representative', 代表: 'representative', "villagers' representative": 'representative',
  监事: 'supervisor', 监事会成员: 'supervisor', 监督委员: 'supervisor', supervisor: 'supervisor',
  文书: 'clerk', 记录员: 'clerk', clerk: 'clerk',
  自管小组成员: 'self-management', 自管小组: 'self-management', 'self-management group member': 'self-management', 'group member': 'self-management',
}
const YES = ['是', '有', 'y', 'yes', 'true', '1', '√', '✓']
const NO = ['否', '无', '没有', 'n', 'no', 'false', '0', '×']

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ')

function yesNo(value: string, fallback: boolean): boolean | null {
  const v = norm(value)
  if (v === '') return fallback
  if (YES.includes(v)) return true
  if (NO.includes(v)) return false
  return null
}

export function parseRoster(table: string[][]): ParsedRoster {
  const [header = [], ...body] = table
  const index = {} as Record<Column, number>
  for (const col of Object.keys(HEADERS) as Column[]) index[col] = header.findIndex((h) => HEADERS[col].includes(norm(h)))
  const missingColumns = (['household', 'name', 'unit'] as const).filter((c) => index[c] < 0)
  const seen = new Map<string, number>()
  const lines = body.map((cells, i): ParsedLine => {
    const line = i + 2
    const get = (c: Column) => (index[c] >= 0 ? (cells[index[c]] ?? '').trim() : '')
    const errors: RowError[] = []
    const name = get('name'); const household = get('household'); const unit = get('unit')
    if (!name) errors.push({ code: 'missingName' })
    if (!household) errors.push({ code: 'missingHousehold' })
    if (!unit) errors.push({ code: 'missingUnit' })
    const roles: Role[] = []
    for (const word of get('roles').split(/[、,，;；/]+/).map((w) => w.trim()).filter(Boolean)) {
      const role = ROLE_WORDS[norm(word)]
      if (role) { if (!roles.includes(role)) roles.push(role) } else errors.push({ code: 'unknownRole', detail: word })
    }
    const adult = yesNo(get('adult'), true)
    if (adult === null) errors.push({ code: 'badYesNo', detail: get('adult') })
    const eligible = yesNo(get('eligible'), adult ?? true)
    if (eligible === null) errors.push({ code: 'badYesNo', detail: get('eligible') })
    const householdHead = yesNo(get('householdHead'), false)
    if (householdHead === null) errors.push({ code: 'badYesNo', detail: get('householdHead') })
    const key = `${household}|${name}`
    if (name && household) {
      const first = seen.get(key)
      if (first !== undefined) errors.push({ code: 'duplicate', detail: String(first) })
      else seen.set(key, line)
    }
    let row: RosterRow | null = null
    if (errors.length === 0) {
      row = { household, name, unit, roles, adult: adult!, eligible: eligible!, householdHead: householdHead! }
      const refusal = domainRefusal(row)
      if (refusal) { errors.push({ code: 'refused', refusal }); row = null }
    }
    return { line, fields: { household, name, unit }, row, errors }
  })
  return { missingColumns, lines }
}

/** Why the domain refuses this row as a person, or null when it accepts it. */
function domainRefusal(row: RosterRow): DomainError | null {
  try {
    person({ id: 'person:preview', villageId: 'preview', name: row.name, householdId: householdId(row.household), unitId: '', adult: row.adult, eligible: row.eligible, householdHead: row.householdHead, roles: row.roles })
    return null
  } catch (e) {
    if (e instanceof DomainError) return e
    throw e
  }
}

export function rosterTable(rows: readonly RosterRow[], locale: 'zh-CN' | 'en', roleLabel: (r: Role) => string): string[][] {
  const yes = locale === 'en' ? 'yes' : '是'
  const no = locale === 'en' ? 'no' : '否'
  return [EXPORT_HEADERS[locale], ...rows.map((r) => [r.household, r.name, r.unit, r.roles.map(roleLabel).join('、'),
    r.adult ? yes : no, r.eligible ? yes : no, r.householdHead ? yes : no])]
}
