import { useI18n } from 'vue-i18n'
import { useFormat } from '@/i18n/format'

/** A compliance flag as the tablet's checks and the township's summary both carry it (src/domain/compliance.ts). */
export interface FlagLike { code: string; variant?: string; details?: Record<string, string | number> }

const MONEY = new Set(['amount', 'total', 'fund', 'over'])
const DATES = new Set(['startedAt', 'noticeEndsAt', 'firstVoteAt', 'at'])

/**
 * A compliance flag in the reader's language: its title, and the sentence of its wording filled with
 * its details — amounts in yuan and dates as the locale writes them, a step by its name.
 * The one place a flag becomes words (supervision checklist, township list and report).
 */
export function useFlagWords() {
  const { t, te } = useI18n()
  const { yuan, date } = useFormat()

  function title(code: string): string {
    return te(`compliance.${code}.title`) ? t(`compliance.${code}.title`) : t('compliance.other')
  }

  function words(key: string, value: string | number): string | number {
    if (MONEY.has(key) && typeof value === 'number') return yuan(value, 'plain')
    if (DATES.has(key) && typeof value === 'number') return date(value)
    if (key === 'step' && typeof value === 'string' && te(`cycle.step.${value}`)) return t(`cycle.step.${value}`)
    return value
  }

  /** The flag's sentence; '' for a flag these screens have no wording for (a newer hub's). */
  function detail(f: FlagLike): string {
    const key = `compliance.${f.code}.${f.variant ?? ''}`
    if (!f.variant || !te(key)) return ''
    const details = f.details ?? {}
    const named = Object.fromEntries(Object.entries(details).map(([k, v]) => [k, words(k, v)]))
    return typeof details.days === 'number' ? t(key, named, details.days) : t(key, named)
  }

  return { title, detail }
}
