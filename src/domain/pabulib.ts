import { fail } from './errors.ts'
import type { SelectionRule } from './model/types.ts'

/**
 * Pabulib `.pb` files (pabulib.org): three sections, `META` (key;value), `PROJECTS` and
 * `VOTES`, each a header line then rows, `;`-separated, fields optionally in double quotes.
 * `readPabulib` keeps every column as text; `writePabulib` writes the same structure back.
 */
export interface PabulibTable { columns: string[]; rows: Array<Record<string, string>> }
export interface PabulibFile { meta: Record<string, string>; projects: PabulibTable; votes: PabulibTable }

const SECTIONS = ['META', 'PROJECTS', 'VOTES'] as const

function parseRows(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = 0
  const n = text.length
  while (i < n) {
    const ch = text[i] as string
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue }
        quoted = false; i++; continue
      }
      field += ch; i++; continue
    }
    if (ch === '"' && field === '') { quoted = true; i++; continue }
    if (ch === ';') { row.push(field); field = ''; i++; continue }
    if (ch === '\r' || ch === '\n') {
      row.push(field); field = ''
      if (!(row.length === 1 && row[0] === '')) rows.push(row)
      row = []
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1
      continue
    }
    field += ch; i++
  }
  if (quoted) fail('pabulib.format', 'a quoted field is not closed before the end of the file')
  row.push(field)
  if (!(row.length === 1 && row[0] === '')) rows.push(row)
  return rows
}

export function readPabulib(text: string): PabulibFile {
  const rows = parseRows(text.replace(/^\uFEFF/, ''))
  const sections = new Map<string, string[][]>()
  let current = ''
  for (const row of rows) {
    const head = row.length === 1 ? (row[0] as string).trim().toUpperCase() : ''
    if ((SECTIONS as readonly string[]).includes(head)) {
      current = head
      if (sections.has(head)) fail('pabulib.format', `section ${head} appears twice`)
      sections.set(head, [])
      continue
    }
    if (!current) fail('pabulib.format', `expected the file to start with META, got "${row.join(';').slice(0, 40)}"`)
    ;(sections.get(current) as string[][]).push(row)
  }
  const table = (name: string): PabulibTable => {
    const body = sections.get(name)
    if (!body || body.length === 0) fail('pabulib.format', `section ${name} is missing or has no header`)
    const columns = (body[0] as string[]).map((c) => c.trim())
    const out: Array<Record<string, string>> = []
    for (let r = 1; r < body.length; r++) {
      const cells = body[r] as string[]
      if (cells.length > columns.length) fail('pabulib.format', `${name} line ${r + 1}: ${cells.length} fields, header has ${columns.length}`)
      const record: Record<string, string> = {}
      columns.forEach((c, k) => { record[c] = (cells[k] ?? '').trim() })
      out.push(record)
    }
    return { columns, rows: out }
  }
  const metaTable = table('META')
  const meta: Record<string, string> = {}
  for (const row of metaTable.rows) meta[row[metaTable.columns[0] as string] as string] = row[metaTable.columns[1] as string] ?? ''
  const projects = table('PROJECTS')
  const votes = table('VOTES')
  for (const need of ['project_id', 'cost']) if (!projects.columns.includes(need)) fail('pabulib.format', `PROJECTS has no "${need}" column`)
  if (!votes.columns.includes('vote')) fail('pabulib.format', 'VOTES has no "vote" column')
  return { meta, projects, votes }
}

function quote(value: string): string {
  return /[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

export function writePabulib(file: PabulibFile): string {
  const lines: string[] = ['META', 'key;value']
  for (const [k, v] of Object.entries(file.meta)) lines.push(`${quote(k)};${quote(v)}`)
  for (const [name, t] of [['PROJECTS', file.projects], ['VOTES', file.votes]] as const) {
    lines.push(name, t.columns.map(quote).join(';'))
    for (const row of t.rows) lines.push(t.columns.map((c) => quote(row[c] ?? '')).join(';'))
  }
  return lines.join('\n') + '\n'
}

/** The selection rule a file names: greedy → greedy; equalshares, equalshares/add1… → mes. */
export function ruleOf(meta: Record<string, string>): SelectionRule {
  const rule = (meta.rule ?? '').trim().toLowerCase()
  if (rule === 'greedy') return 'greedy'
  if (rule === 'greedy-no-skip') return 'greedy-no-skip'
  if (rule.startsWith('equalshares')) return 'mes'
  fail('pabulib.rule', `unsupported rule "${meta.rule ?? ''}": give one with --rule greedy|greedy-no-skip|mes`, { rule: meta.rule ?? '' })
}

export interface PabulibElection {
  budget: number
  projects: Array<{ id: string; cost: number }>
  ballots: string[][]
  /** The file's `selected` column (projects with selected ≥ 1), in file order. */
  selected: string[]
  voteType: string
}

function number(text: string | undefined, what: string): number {
  const value = Number((text ?? '').replace(',', '.'))
  if (!Number.isFinite(value) || value < 0) fail('pabulib.format', `${what}: expected a number ≥ 0, got "${text ?? ''}"`)
  return value
}

/** The raw election of a file: budget, costed projects and one ballot per VOTES line. */
export function electionOf(file: PabulibFile): PabulibElection {
  const budget = number(file.meta.budget, 'META budget')
  const projects = file.projects.rows.map((r) => ({ id: r.project_id as string, cost: number(r.cost, `project ${r.project_id} cost`) }))
  const ballots = file.votes.rows.map((r) => (r.vote ?? '').split(',').map((s) => s.trim()).filter(Boolean))
  const selected = file.projects.columns.includes('selected')
    ? file.projects.rows.filter((r) => Number(r.selected) >= 1).map((r) => r.project_id as string)
    : []
  return { budget, projects, ballots, selected, voteType: (file.meta.vote_type ?? 'approval').trim() }
}
