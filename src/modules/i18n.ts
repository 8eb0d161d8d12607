import type { App } from 'vue'
import { createI18n } from 'vue-i18n'
import { allMessages, LOCALES, type Locale } from '@/i18n'

export { LOCALES, type Locale }
const STORAGE_KEY = 'yishi.locale'

function savedLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
  return saved === 'en' ? 'en' : 'zh-CN'
}

export function createAppI18n(locale: Locale = savedLocale()) {
  return createI18n({ legacy: false, locale, fallbackLocale: 'zh-CN', messages: allMessages() })
}

export const i18n = createAppI18n()

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  globalThis.localStorage?.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale
}

export function installI18n(app: App): void {
  app.use(i18n)
  document.documentElement.lang = i18n.global.locale.value
}
