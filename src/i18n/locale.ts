export type Locale = 'zh-CN' | 'en'
export const LOCALES: readonly Locale[] = ['zh-CN', 'en']

export type MessageTree = { [key: string]: string | MessageTree }
