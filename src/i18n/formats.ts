import type { IntlDateTimeFormats, IntlNumberFormats } from 'vue-i18n'

/**
 * Every number, sum of money and date a screen shows, one definition per locale (vue-i18n's
 * `n()` and `d()`). Money is kept in fen; `yuan` and `amount` take yuan, with fen digits only
 * when a sum has them (`…Fen`). Files (CSV/XLSX) keep raw numbers: nothing here goes into them.
 */
const money = { minimumFractionDigits: 0, maximumFractionDigits: 0 } as const
const fen = { minimumFractionDigits: 2, maximumFractionDigits: 2 } as const
const cny = { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol' } as const

const numbers = {
  /** "¥1,234" */
  yuan: { ...cny, ...money },
  /** "¥1,234.50" */
  yuanFen: { ...cny, ...fen },
  /** "1,234", where the sentence says 元 itself */
  amount: { style: 'decimal', ...money },
  amountFen: { style: 'decimal', ...fen },
  /** "46%" */
  percent: { style: 'percent', maximumFractionDigits: 0 },
  /** "12,345" */
  count: { style: 'decimal', maximumFractionDigits: 0 },
} as const

export const numberFormats: IntlNumberFormats = { 'zh-CN': numbers, en: numbers }

const clock = { hour: '2-digit', minute: '2-digit' } as const

/** zh-CN: "2026年12月3日 17:32"; en: "Dec 3, 2026, 05:32 PM". */
export const datetimeFormats: IntlDateTimeFormats = {
  'zh-CN': {
    date: { year: 'numeric', month: 'long', day: 'numeric' },
    dateTime: { year: 'numeric', month: 'long', day: 'numeric', ...clock },
    /** "2026年12月3日 17:32:05": where two moments in the same minute must be told apart */
    dateTimeSeconds: { year: 'numeric', month: 'long', day: 'numeric', ...clock, second: '2-digit' },
    time: clock,
  },
  en: {
    date: { year: 'numeric', month: 'short', day: 'numeric' },
    dateTime: { year: 'numeric', month: 'short', day: 'numeric', ...clock },
    dateTimeSeconds: { year: 'numeric', month: 'short', day: 'numeric', ...clock, second: '2-digit' },
    time: clock,
  },
}
