import { useI18n, type Composer } from 'vue-i18n'

/** Numbers, money and dates in the reader's locale, through the formats of ./formats.ts. */
export type Formatters = ReturnType<typeof formatters>

const NONE = '—'

/** The formatters of one i18n instance (a component's `useI18n()`, or `i18n.global` outside one). */
export function formatters({ n, d }: Pick<Composer, 'n' | 'd'>) {
  return {
    /** Fen as yuan: 20000000 → "¥200,000" ('plain': "200,000", where the sentence says 元). */
    yuan(fenAmount: number, style: 'symbol' | 'plain' = 'symbol'): string {
      const key = (style === 'symbol' ? 'yuan' : 'amount') + (fenAmount % 100 === 0 ? '' : 'Fen')
      return n(fenAmount / 100, key)
    },
    percent: (x: number | null): string => (x === null ? NONE : n(x, 'percent')),
    count: (x: number): string => n(x, 'count'),
    date: (ms: number | null): string => (ms === null ? NONE : d(ms, 'date')),
    dateTime: (ms: number | null): string => (ms === null ? NONE : d(ms, 'dateTime')),
    /** With seconds: two moments in the same minute (two check-offs of one voter) told apart. */
    dateTimeSeconds: (ms: number | null): string => (ms === null ? NONE : d(ms, 'dateTimeSeconds')),
    time: (ms: number | null): string => (ms === null ? NONE : d(ms, 'time')),
  }
}

/** In a component's setup: `const { yuan, dateTime } = useFormat()`. */
export const useFormat = (): Formatters => formatters(useI18n())

/**
 * Counts put into a message, written as the locale writes numbers (1234 → "1,234"): `counts` are
 * formatted, `words` (a year, a name) pass as they are. Give the plural number to `t` yourself:
 * `t(key, countWords({ n }), n)` (the formatted count is a string).
 */
export function useCountWords(): (counts: Readonly<Record<string, number>>, words?: Readonly<Record<string, string | number>>) => Record<string, string | number> {
  const { n } = useI18n()
  return (counts, words = {}) => ({ ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, n(v, 'count')])), ...words })
}
