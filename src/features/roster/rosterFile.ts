import { parseCsv, toCsv } from '@/shared/table/csv'

/** Reads a roster file picked by the clerk into a table. XLSX support is loaded only when needed. */
export async function readTableFile(file: Blob & { name: string }): Promise<string[][]> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b
  if (isZip || /\.xlsx$/i.test(file.name)) {
    const { readXlsx } = await import('@/shared/table/xlsx')
    return readXlsx(bytes)
  }
  return parseCsv(new TextDecoder('utf-8').decode(bytes))
}

export async function tableFile(rows: string[][], format: 'csv' | 'xlsx'): Promise<Blob> {
  const [headers = [], ...body] = rows
  if (format === 'csv') return new Blob([toCsv({ name: 'roster', headers, rows: body })], { type: 'text/csv;charset=utf-8' })
  const { writeXlsx } = await import('@/shared/table/xlsx')
  return new Blob([writeXlsx(rows) as BlobPart], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' })
}

export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
