import { useI18n } from 'vue-i18n'
import { SealKeyError } from '@/data/sealkeys'
import { HubError } from '@/data/hub'
import { DataError } from '@/data/errors'
import { useRefusalWords } from '@/composables/useDomainErrorWords'

/** What the hub's answer to a clerk-key certification means for the person at the tablet (HubError status). */
const HUB_PROBLEMS: Record<number, string> = { 0: 'offline', 401: 'login', 403: 'forbidden', 409: 'not-clerk', 429: 'too-many' }

/**
 * What went wrong with a seal key or a clerk's key, in the screen's language: a known seal-key problem
 * by its code, the hub's refusal to certify a clerk's key by its status, any other refusal by its own.
 */
export function useSealProblem() {
  const { t } = useI18n()
  const refusal = useRefusalWords('seal keys')
  return (e: unknown): string => {
    if (e instanceof SealKeyError) return t(`sealkeys.problem.${e.code}`)
    if (e instanceof HubError) return t(`sealkeys.clerk.hub.${HUB_PROBLEMS[e.status] ?? 'other'}`)
    if (e instanceof DataError && /certificate of the clerk|does not know its hub/.test(e.message)) return t('sealkeys.clerk.hub.untrusted')
    return refusal(e)
  }
}
