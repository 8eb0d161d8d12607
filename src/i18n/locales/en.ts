import { localeMessages } from '../messages'

/** The en messages; in the build, precompiled in place of this code (vite.config.ts, i18nMessages). */
export default localeMessages('en')
