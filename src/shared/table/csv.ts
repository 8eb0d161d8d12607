/**
 * The one CSV module: RFC 4180 text, written with the formula-injection guard for every export
 * (township tables, the roster), read back with the guard undone.
 */
import type { Cell, ExportTable } from './table'

// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled.
// A leading = + - @ (or tab/CR) would be run as a formula by spreadsheet programs
// (CSV injection), so such text gets a leading apostrophe. Numbers are written as is.
const FORMULA_START = /^[=+\-@\t\r]/

function field(value: Cell): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  let text = value
  if (FORMULA_START.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** CSV text with CRLF line ends and a UTF-8 byte-order mark, so Excel opens Chinese text correctly. */
export function toCsv(table: ExportTable): string {
  const lines = [table.headers, ...table.rows].map((row) => row.map(field).join(','))
  return '\uFEFF' + lines.join('\r\n') + '\r\n'
}

/**
 * Reads comma, semicolon or tab separated text (the first line decides), quoted fields with doubled
 * quotes and line breaks inside, and a UTF-8 byte-order mark. A field this module wrote with the
 * guard (an apostrophe before = + - @) reads back as it was.
 */
export function parseCsv(text: string): string[][] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const firstLine = src.slice(0, src.search(/\r?\n|$/))
  const sep = [',', '\t', ';', '，'].map((c) => [c, firstLine.split(c).length] as const).sort((a, b) => b[1] - a[1])[0]![0]
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') { field += '"'; i++ }
      else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"' && field === '') quoted = true
    else if (ch === sep) { row.push(field); field = '' }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++
      row.push(field); rows.push(row); row = []; field = ''
    } else field += ch
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row) }
  return rows.filter((r) => r.some((cell) => cell.trim() !== '')).map((r) => r.map((cell) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell)))
}

