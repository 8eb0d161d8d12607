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
