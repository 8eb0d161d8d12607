import { useI18n } from 'vue-i18n'
import { kindOfId } from '@/shared/schemas/envelope'

/**
 * A record said by what it is: its kind in words and, when known, its title or name
 * (`账目“路灯 10 盏”`), else its kind alone (`账目`), else "一条记录". Never its id.
 */
export function useRecordName() {
  const { t, te } = useI18n()
  return function recordName(id: string | undefined, title?: string): string {
    const kind = kindOfId(id ?? '')
    if (!kind || !te(`record.kind.${kind}`)) return t('record.unknown')
    const word = t(`record.kind.${kind}`)
    return title?.trim() ? t('record.named', { kind: word, title: title.trim() }) : word
  }
}
