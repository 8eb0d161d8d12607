import { createI18n } from 'vue-i18n'
import type { Locale, MessageTree } from './locale'
import zhCN from './locales/zh-CN'
import { datetimeFormats, numberFormats } from './formats'

export { LOCALES, type Locale, type MessageTree } from './locale'

const STORAGE_KEY = 'yishi.locale'

function savedLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
  return saved === 'en' ? 'en' : 'zh-CN'
}

/**
 * An i18n instance. The app starts with Chinese only and loads English when it is chosen
 * (setLocale); tests pass both locales (allMessages() of ./messages).
 */
export function createAppI18n(locale: Locale = 'zh-CN', messages: Partial<Record<Locale, MessageTree>> = { 'zh-CN': zhCN }) {
  return createI18n({ legacy: false, locale, fallbackLocale: 'zh-CN', messages, numberFormats, datetimeFormats })
}

/** The app's one i18n instance (src/modules/i18n.ts installs it); stores word things through it too. */
export const i18n = createAppI18n()

// English is its own chunk, precached by the service worker: switching works offline.
const loaders: Record<Exclude<Locale, 'zh-CN'>, () => Promise<{ default: MessageTree }>> = {
  en: () => import('./locales/en'),
}

export async function setLocale(locale: Locale): Promise<void> {
  if (locale !== 'zh-CN' && !i18n.global.availableLocales.includes(locale)) {
    i18n.global.setLocaleMessage(locale, (await loaders[locale]()).default)
  }
  i18n.global.locale.value = locale
  globalThis.localStorage?.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale
}

/** Resolves once the language the person last chose is loaded (Chinese: at once). */
export const localeReady: Promise<void> = savedLocale() === 'zh-CN' ? Promise.resolve() : setLocale(savedLocale())
