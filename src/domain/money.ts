/** Money is integer fen (¥1 = 100 fen). "¥1,234.50" for messages; the UI formats its own. */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(Math.round(fen))
  const yuan = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const cents = abs % 100
  return `${sign}¥${yuan}${cents ? '.' + String(cents).padStart(2, '0') : ''}`
}
