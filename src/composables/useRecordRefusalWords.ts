import { useI18n } from 'vue-i18n'
import { formatters } from '@/i18n/format'
import type { RefusalCode, RefusalParams } from '@/shared/refusal'
import { useRosterStore } from '@/stores/roster'
import { useTabletName } from './useTabletName'

/**
 * Why a record was refused, in the reader's language, by its code (src/i18n/refusals.ts): the one
 * place a refusal — the hub's, this tablet's or a peer's — becomes words. Its params are said in
 * words too: a tablet by its name, a kind of record by its name, a field by its label, a person by
 * their name on the roster, a time as a date. Never the check's English, never a raw id.
 */
export function useRecordRefusalWords() {
  const i18n = useI18n()
  const { t, te, locale } = i18n
  const { dateTime } = formatters(i18n)
  const tabletName = useTabletName()
  const roster = useRosterStore()

  const field = (name: unknown) => (typeof name === 'string' && te(`refusal.field.${name}`) ? t(`refusal.field.${name}`) : t('refusal.field.other'))
  const kind = (k: unknown) => (typeof k === 'string' && te(`record.kind.${k}`) ? t(`record.kind.${k}`) : t('refusal.record'))
  const person = (id: string) => roster.byId(id)?.name ?? t('refusal.person')

  return function words(r: { code: RefusalCode; params: RefusalParams }): string {
    const p = r.params
    const people = String(p.people ?? '').split(',').filter(Boolean).map(person)
    const unknownKeys = Number(p.unknownKeys ?? 0)
    const named = {
      tablet: tabletName(String(p.device ?? '')), kind: kind(p.kind), field: field(p.field), person: person(String(p.person ?? '')),
      people: [...people, ...(unknownKeys > 0 ? [t('refusal.unknownKeys')] : [])].join(locale.value === 'en' ? ', ' : '、'),
      n: people.length + unknownKeys, max: Number(p.max ?? 0),
      time: typeof p.at === 'number' ? dateTime(p.at) : '',
    }
    const key = `refusal.why.${r.code}`
    return te(key) ? t(key, named) : t('refusal.why.other')
  }
}
