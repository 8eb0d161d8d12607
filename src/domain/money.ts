/** Money is integer fen (¥1 = 100 fen). "¥1,234.50" for messages; the UI formats its own. */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(Math.round(fen))
  const yuan = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const cents = abs % 100
  return `${sign}¥${yuan}${cents ? '.' + String(cents).padStart(2, '0') : ''}`
}

/**
 * Yuan as a person types them ("12000", "12,000.5", "¥12,000.50") → fen; NaN when it is not an
 * amount of money: a sign, an exponent, letters or more than two decimals. The one reading of
 * every amount typed on a screen; the caller says what it asks beyond (above 0, within a budget).
 */
export function parseYuan(text: string): number {
  const cleaned = text.replace(/[¥,，\s]/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return Number.NaN
  return Math.round(Number(cleaned) * 100)
}
