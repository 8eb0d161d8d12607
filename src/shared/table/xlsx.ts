import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate'
import type { Cell, ExportTable } from './table'

// The one XLSX (Office Open XML) module, on fflate: a writer (one sheet per table, inline strings,
// so no cell is ever read as a formula; no styles beyond a bold header) and a reader of the first
// worksheet (shared strings, inline strings, formula results, numbers and booleans; empty cells
// become ''; dates stay numbers). Loaded lazily (import('…/xlsx')) so it costs nothing until used.

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships'

function escapeXml(text: string): string {
  // Control characters other than tab, LF and CR are not allowed in XML 1.0.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Column letters: 0 → A, 25 → Z, 26 → AA. */
export function columnName(index: number): string {
  let name = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name
  return name
}

function cellXml(value: Cell, ref: string, style: number): string {
  const s = style ? ` s="${style}"` : ''
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? `<c r="${ref}"${s}><v>${value}</v></c>` : ''
  if (typeof value === 'boolean') return `<c r="${ref}"${s} t="b"><v>${value ? 1 : 0}</v></c>`
  return `<c r="${ref}"${s} t="inlineStr"><is><t xml:space="preserve">${escapeXml(value)}</t></is></c>`
}

function sheetXml(table: ExportTable): string {
  const rows = [table.headers, ...table.rows].map((row, r) => {
    const cells = row.map((value, c) => cellXml(value, `${columnName(c)}${r + 1}`, r === 0 ? 1 : 0)).join('')
    return `<row r="${r + 1}">${cells}</row>`
  })
  return `${XML}<worksheet xmlns="${NS}"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>${rows.join('')}</sheetData></worksheet>`
}

/** Sheet names: at most 31 characters, none of []:*?/\ , unique. */
function sheetNames(tables: ExportTable[]): string[] {
  const used = new Set<string>()
  return tables.map((t, i) => {
    let name = t.name.replace(/[[\]:*?/\\]/g, ' ').trim().slice(0, 31) || `Sheet${i + 1}`
    while (used.has(name.toLowerCase())) name = `${name.slice(0, 28)}~${i + 1}`
    used.add(name.toLowerCase())
    return name
  })
}

/** Builds an .xlsx workbook (bytes) with one worksheet per table. */
export function toXlsx(tables: ExportTable[]): Uint8Array {
  if (tables.length === 0) throw new Error('An XLSX workbook needs at least one table')
  const names = sheetNames(tables)
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(`${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
      tables.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
      '</Types>'),
    '_rels/.rels': strToU8(`${XML}<Relationships xmlns="${PKG_REL_NS}">` +
      `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    'xl/workbook.xml': strToU8(`${XML}<workbook xmlns="${NS}" xmlns:r="${REL_NS}"><sheets>` +
      names.map((name, i) => `<sheet name="${escapeXml(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
      '</sheets></workbook>'),
    'xl/_rels/workbook.xml.rels': strToU8(`${XML}<Relationships xmlns="${PKG_REL_NS}">` +
      tables.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
      `<Relationship Id="rId${tables.length + 1}" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`),
    'xl/styles.xml': strToU8(`${XML}<styleSheet xmlns="${NS}">` +
      '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>' +
      '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>' +
      '</styleSheet>'),
  }
  tables.forEach((table, i) => { files[`xl/worksheets/sheet${i + 1}.xml`] = strToU8(sheetXml(table)) })
  return zipSync(files, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') })
}

/** A plain table of text (header row first) as a one-sheet workbook. */
export function writeXlsx(rows: readonly (readonly string[])[], sheetName = 'Sheet1'): Uint8Array {
  const [headers = [], ...body] = rows
  return toXlsx([{ name: sheetName, headers: [...headers], rows: body.map((r) => [...r]) }])
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
    return ENTITIES[e] ?? m
  })
}

/** Text of every <t> inside a fragment (rich text runs are concatenated). */
function texts(fragment: string): string {
  return [...fragment.matchAll(/<(?:\w+:)?t(?:\s[^>]*)?>([\s\S]*?)<\/(?:\w+:)?t>/g)].map((m) => unescapeXml(m[1]!)).join('')
}

/** 'B3' → 1 (zero-based column index). */
function columnIndex(ref: string): number {
  let n = 0
  for (const ch of ref.replace(/\d+$/, '').toUpperCase()) n = n * 26 + ch.charCodeAt(0) - 64
  return n - 1
}

function firstSheetPath(files: Record<string, Uint8Array>): string {
  const workbook = files['xl/workbook.xml']
  const rels = files['xl/_rels/workbook.xml.rels']
  if (workbook && rels) {
    const rid = /<(?:\w+:)?sheet\b[^>]*\br:id="([^"]+)"/.exec(strFromU8(workbook))?.[1]
    const target = rid && new RegExp(`<Relationship\\b[^>]*\\bId="${rid}"[^>]*\\bTarget="([^"]+)"`).exec(strFromU8(rels))?.[1]
      || rid && new RegExp(`<Relationship\\b[^>]*\\bTarget="([^"]+)"[^>]*\\bId="${rid}"`).exec(strFromU8(rels))?.[1]
    if (target) return target.startsWith('/') ? target.slice(1) : `xl/${target}`
  }
  const any = Object.keys(files).filter((p) => /^xl\/worksheets\/[^/]+\.xml$/.test(p)).sort()[0]
  if (!any) throw new Error('not an xlsx workbook: no worksheet found')
  return any
}

export function readXlsx(bytes: Uint8Array): string[][] {
  let files: Record<string, Uint8Array>
  try {
    files = unzipSync(bytes, { filter: (f) => f.name.startsWith('xl/') })
  } catch {
    throw new Error('not an xlsx workbook: the file is not a zip archive')
  }
  const shared = files['xl/sharedStrings.xml']
  const strings = shared ? [...strFromU8(shared).matchAll(/<(?:\w+:)?si>([\s\S]*?)<\/(?:\w+:)?si>/g)].map((m) => texts(m[1]!)) : []
  const sheet = files[firstSheetPath(files)]
  if (!sheet) throw new Error('not an xlsx workbook: worksheet missing')
  const rows: string[][] = []
  for (const rowMatch of strFromU8(sheet).matchAll(/<(?:\w+:)?row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:\w+:)?row>)/g)) {
    const rowNumber = Number(/\br="(\d+)"/.exec(rowMatch[1]!)?.[1] ?? rows.length + 1)
    const cells: string[] = []
    let next = 0
    for (const c of (rowMatch[2] ?? '').matchAll(/<(?:\w+:)?c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:\w+:)?c>)/g)) {
      const attrs = c[1]!
      const ref = /\br="([A-Z]+\d*)"/i.exec(attrs)?.[1]
      const col = ref ? columnIndex(ref) : next
      const type = /\bt="(\w+)"/.exec(attrs)?.[1] ?? 'n'
      const inner = c[2] ?? ''
      const v = /<(?:\w+:)?v>([\s\S]*?)<\/(?:\w+:)?v>/.exec(inner)?.[1]
      let value = ''
      if (type === 's') value = strings[Number(v)] ?? ''
      else if (type === 'inlineStr') value = texts(inner)
      else if (type === 'b') value = v === '1' ? 'TRUE' : 'FALSE'
      else if (v !== undefined) value = unescapeXml(v)
      while (cells.length < col) cells.push('')
      cells[col] = value
      next = col + 1
    }
    while (rows.length < rowNumber - 1) rows.push([])
    rows[rowNumber - 1] = cells
  }
  return rows
}

