/** Yuan typed by a person ("12000", "12,000.5") → fen; NaN when it is not a number. */
export function parseYuan(text: string): number {
  const cleaned = text.replace(/[¥,，\s]/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return Number.NaN
  return Math.round(Number(cleaned) * 100)
}
