/** Money is integer fen (¥1 = 100 fen) everywhere; shown as whole yuan with separators: ¥12,000. */
export function yuan(fen: number, locale: string): string {
  const value = fen / 100
  const digits = Number.isInteger(value) ? 0 : 2
  return '¥' + value.toLocaleString(locale === 'en' ? 'en-US' : 'zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: 2 })
}

/** Yuan typed by a person ("12000", "12,000.5") → fen; NaN when it is not a number. */
export function parseYuan(text: string): number {
  const cleaned = text.replace(/[¥,，\s]/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return Number.NaN
  return Math.round(Number(cleaned) * 100)
}
