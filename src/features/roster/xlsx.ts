/**
 * A tiny XLSX (Office Open XML spreadsheet) reader and writer on fflate.
 * Reads the first worksheet into rows of strings: shared strings, inline strings,
 * formula results, numbers and booleans; empty cells become ''. Dates stay numbers.
 * Writes one worksheet of inline strings, which Excel, WPS and LibreOffice open.
 * Loaded lazily (only when a clerk picks an .xlsx file or exports one).
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate'

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
    return ENTITIES[e] ?? m
  })
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' })[c]};`)
    // Control characters are not allowed in XML 1.0.
    // eslint-disable-next-line no-control-regex -- removing them is the point
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
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

function columnName(i: number): string {
  let s = ''
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s
  return s
}

export function writeXlsx(rows: readonly (readonly string[])[], sheetName = 'Sheet1'): Uint8Array {
  const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
  const sheetRows = rows.map((r, i) => `<row r="${i + 1}">${r.map((cell, j) =>
    `<c r="${columnName(j)}${i + 1}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(cell)}</t></is></c>`).join('')}</row>`).join('')
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(`${head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
      '</Types>'),
    '_rels/.rels': strToU8(`${head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
      '</Relationships>'),
    'xl/workbook.xml': strToU8(`${head}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
      `<sheets><sheet name="${escapeXml(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    'xl/_rels/workbook.xml.rels': strToU8(`${head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
      '</Relationships>'),
    'xl/worksheets/sheet1.xml': strToU8(`${head}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
      `<sheetData>${sheetRows}</sheetData></worksheet>`),
  }
  return zipSync(files, { level: 6 })
}
