import { useI18n } from 'vue-i18n'
import { DomainError } from '@/domain'
import { DataError } from '@/data/errors'
import { ActRefused } from '@/stores/acting'
import { isRefusalCode, storedParams } from '@/shared/refusal'
import { useRecordRefusalWords } from './useRecordRefusalWords'

/**
 * A DomainError in the reader's language (src/i18n/domainErrors.ts): the one place a domain refusal
 * becomes words. For bad input, the field by its name and, for a length, the limit and what was typed.
 */
export function useDomainErrorWords() {
  const { t, te } = useI18n()

  function field(name: unknown): string {
    return typeof name === 'string' && te(`domainError.field.${name}`) ? t(`domainError.field.${name}`) : t('domainError.field.other')
  }

  return function words(e: DomainError): string {
    const d = e.details as Record<string, unknown>
    const named = { field: field(d.field), max: Number(d.max ?? 0), min: Number(d.min ?? 0), actual: Number(d.actual ?? 0) }
    if (e.code === 'invalid.range' && typeof d.max === 'number' && typeof d.actual === 'number') return t('domainError.invalid.tooLong', named)
    if (e.code === 'invalid.range' && typeof d.min === 'number') return t('domainError.invalid.tooShort', named)
    return t(`domainError.${e.code}`, named)
  }
}

/**
 * Whatever an action threw, as words for the screen that ran it: a domain refusal by its code, a
 * record the shared checks refused by its refusal's code (src/i18n/refusals.ts), a data refusal
 * (not saved, already recorded…) by its code, nothing for an act the person cancelled
 * (the acting prompt said it), and anything else as "not saved" (logged under `where` for the
 * tablet's console). Never an error's own English message.
 */
export function useRefusalWords(where: string) {
  const { t } = useI18n()
  const domain = useDomainErrorWords()
  const record = useRecordRefusalWords()
  return function refusal(e: unknown): string {
    if (e instanceof ActRefused) return ''
    if (e instanceof DomainError) return domain(e)
    // a record the shared checks refused: which field and why, by the refusal's code
    const checked = e instanceof DataError ? (e.details.refusal as { code?: unknown; params?: unknown } | undefined) : undefined
    if (checked && isRefusalCode(checked.code)) return t('refusal.notSaved', { why: record({ code: checked.code, params: storedParams(checked.params) }) })
    if (e instanceof DataError) return t(`domainError.data.${e.code}`)
    console.error(`${where}: not done`, e)
    return t('domainError.data.other')
  }
}
