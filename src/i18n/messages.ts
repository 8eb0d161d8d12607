import zhCN from './zh-CN'
import en from './en'
import compliance from './compliance'
import domainErrors from './domainErrors'
import records from './records'
import refusals from './refusals'
import type { Locale, MessageTree } from './locale'

type FeatureMessages = Record<Locale, MessageTree>

// Each feature keeps its own strings in src/features/<feature>/i18n.ts
// (default export: { 'zh-CN': {...}, en: {...} }), merged here under their top-level keys.
// The app never ships this module: the build replaces ./locales/<locale>.ts with that
// locale's messages, precompiled (vite.config.ts, i18nMessages); tests and `vite dev` use it as is.
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

/** One locale's messages: the core strings, compliance, domain errors, records, refusals and every feature's. */
export function localeMessages(locale: Locale): MessageTree {
  const core = locale === 'en' ? en : zhCN
  const out = {
    ...structuredClone(core), compliance: structuredClone(compliance[locale]), domainError: structuredClone(domainErrors[locale]), record: structuredClone(records[locale]), refusal: structuredClone(refusals[locale]),
  } as MessageTree
  for (const [path, mod] of Object.entries(featureModules)) merge(out, mod.default[locale], `${path}:${locale}`)
  return out
}

/** Both locales, as strings: what tests mount with and check. */
export function allMessages(): Record<Locale, MessageTree> {
  return { 'zh-CN': localeMessages('zh-CN'), en: localeMessages('en') }
}
