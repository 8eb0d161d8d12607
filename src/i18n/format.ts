/** Numbers and dates in the reader's locale, one way for every screen (money is kept in fen). */
/** Fen (integer, 1/100 yuan) as yuan, e.g. 20000000 → "200,000". */
export function yuan(fen: number, locale = 'zh-CN'): string {
  return (fen / 100).toLocaleString(locale, { maximumFractionDigits: 2 })
}

export function percent(x: number | null): string {
  return x === null ? '—' : `${Math.round(x * 100)}%`
}

export function dateTime(ms: number | null, locale = 'zh-CN'): string {
  if (ms === null) return '—'
  return new Date(ms).toLocaleString(locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
}

export function date(ms: number | null, locale = 'zh-CN'): string {
  if (ms === null) return '—'
  return new Date(ms).toLocaleDateString(locale, { year: 'numeric', month: '2-digit', day: '2-digit' })
}
