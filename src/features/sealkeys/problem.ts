import { useI18n } from 'vue-i18n'
import { SealKeyError } from '@/data/sealkeys'
import { useRefusalWords } from '@/composables/useDomainErrorWords'

/** What went wrong with a seal key, in the screen's language: a known seal-key problem by its code, any other refusal by its own. */
export function useSealProblem() {
  const { t } = useI18n()
  const refusal = useRefusalWords('seal keys')
  return (e: unknown): string => (e instanceof SealKeyError ? t(`sealkeys.problem.${e.code}`) : refusal(e))
}
