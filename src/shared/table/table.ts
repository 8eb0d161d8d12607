/** A table to export: a sheet name, column headers and rows of plain values. */
export type Cell = string | number | boolean | null | undefined

export interface ExportTable {
  /** Sheet name (XLSX) or file stem (CSV); at most 31 characters in XLSX. */
  name: string
  headers: string[]
  rows: Cell[][]
}
