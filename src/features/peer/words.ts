import { useI18n } from 'vue-i18n'
import messages from './messages'

const merged = new WeakSet<object>()

/**
 * `useI18n()` for the pairing screen's components, with the screen's words merged in first (they
 * load with the screen, not with the app: see messages.ts).
 */
export function usePeerWords() {
  const i18n = useI18n()
  if (!merged.has(i18n.messages)) {
    for (const [locale, words] of Object.entries(messages)) i18n.mergeLocaleMessage(locale, words)
    merged.add(i18n.messages)
  }
  return i18n
}
