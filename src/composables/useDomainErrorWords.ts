import { useI18n } from 'vue-i18n'
import type { DomainError } from '@/domain'

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
