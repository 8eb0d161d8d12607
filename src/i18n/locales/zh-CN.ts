import { localeMessages } from '../messages'

/** The zh-CN messages; in the build, precompiled in place of this code (vite.config.ts, i18nMessages). */
export default localeMessages('zh-CN')
