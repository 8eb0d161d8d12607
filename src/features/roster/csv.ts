/**
 * A small RFC 4180 CSV reader and writer for rosters.
 * Reads comma, semicolon or tab separated text (the first line decides), quoted fields
 * with doubled quotes and line breaks inside, and a UTF-8 byte-order mark.
 * Writes comma-separated text with a BOM so Excel opens Chinese text correctly.
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
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''))
}

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return '\ufeff' + rows.map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n'
}
