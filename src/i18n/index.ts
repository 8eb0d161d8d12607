import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN'
import en from './en'
import compliance from './compliance'
import domainErrors from './domainErrors'
import records from './records'
import refusals from './refusals'

export type Locale = 'zh-CN' | 'en'
export const LOCALES: readonly Locale[] = ['zh-CN', 'en']

export type MessageTree = { [key: string]: string | MessageTree }
type FeatureMessages = Record<Locale, MessageTree>

// Each feature keeps its own strings in src/features/<feature>/i18n.ts
// (default export: { 'zh-CN': {...}, en: {...} }), merged here under their top-level keys.
const featureModules = import.meta.glob<{ default: FeatureMessages }>('../features/*/i18n.ts', { eager: true })

function merge(target: MessageTree, source: MessageTree, where: string): MessageTree {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key]
    if (existing === undefined) target[key] = value
    else if (typeof existing === 'object' && typeof value === 'object') merge(existing, value, `${where}.${key}`)
    else throw new Error(`i18n: key ${where}.${key} is defined twice`)
  }
  return target
}

export function allMessages(): Record<Locale, MessageTree> {
  const out: Record<Locale, MessageTree> = {
    'zh-CN': { ...structuredClone(zhCN), compliance: structuredClone(compliance['zh-CN']), domainError: structuredClone(domainErrors['zh-CN']), record: structuredClone(records['zh-CN']), refusal: structuredClone(refusals['zh-CN']) } as MessageTree,
    en: { ...structuredClone(en), compliance: structuredClone(compliance.en), domainError: structuredClone(domainErrors.en), record: structuredClone(records.en), refusal: structuredClone(refusals.en) } as MessageTree,
  }
  for (const [path, mod] of Object.entries(featureModules)) {
    for (const locale of LOCALES) merge(out[locale], mod.default[locale], `${path}:${locale}`)
  }
  return out
}

const STORAGE_KEY = 'yishi.locale'

function savedLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
  return saved === 'en' ? 'en' : 'zh-CN'
}

export function createAppI18n(locale: Locale = savedLocale()) {
  return createI18n({ legacy: false, locale, fallbackLocale: 'zh-CN', messages: allMessages() })
}

/** The app's one i18n instance (src/modules/i18n.ts installs it); stores word things through it too. */
export const i18n = createAppI18n()

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  globalThis.localStorage?.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale
}
