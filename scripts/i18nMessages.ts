import { resolve } from 'node:path'
import { baseCompile } from '@intlify/message-compiler'
import { runnerImport, type Plugin } from 'vite'

export type Messages = { [key: string]: string | Messages }

/** A message part with its text already joined (`s`) needs not carry its pieces (`i`): vue-i18n reads `s` first. */
function lean(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(lean)
  if (typeof node !== 'object' || node === null) return node
  const entries = Object.entries(node).filter(([key]) => !(key === 'i' && 's' in node))
  return Object.fromEntries(entries.map(([key, value]) => [key, lean(value)]))
}

/** A message tree with every string parsed into vue-i18n's AST (what its runtime-only build formats). */
export function precompile(tree: Messages, where: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(tree).map(([key, value]) => {
    if (typeof value !== 'string') return [key, precompile(value, `${where}.${key}`)]
    const { ast } = baseCompile(value, { jit: true, minify: true, location: false, onError: (e) => { throw new Error(`i18n: ${where}.${key}: ${e.message}`) } })
    return [key, lean(ast)]
  }))
}

/**
 * Each locale's messages as their own module, precompiled: src/i18n/locales/<locale>.ts is
 * replaced by that locale's message tree with every string already parsed (vue-i18n's AST),
 * so the first screen carries only Chinese, English is a chunk of its own, and vue-i18n ships
 * without its message compiler. A message that does not parse fails the build.
 * A screen's own words loaded with the screen (src/features/<feature>/messages.ts, merged in at
 * runtime: the pairing screen's) are precompiled the same way: without the compiler, a plain
 * string reaching vue-i18n fails the screen's render ('unhandled node type').
 */
export function i18nMessages(): Plugin {
  const locale = /[\\/]src[\\/]i18n[\\/]locales[\\/](zh-CN|en)\.ts$/
  const screenWords = /[\\/]src[\\/]features[\\/]([^\\/]+)[\\/]messages\.ts$/
  let root = ''
  let source: Promise<{ localeMessages: (l: string) => Messages }> | null = null
  return {
    name: 'yishi:i18n-messages',
    apply: 'build',
    enforce: 'pre',
    config: () => ({ define: { __INTLIFY_DROP_MESSAGE_COMPILER__: 'true', __VUE_I18N_LEGACY_API__: 'false' } }),
    configResolved(config) { root = config.root },
    async load(id) {
      const screen = screenWords.exec(id)
      if (screen) {
        const { module } = await runnerImport<{ default: Messages }>(id, { configFile: false, logLevel: 'error', resolve: { alias: { '@': resolve(root, 'src') } } })
        return `export default ${JSON.stringify(precompile(module.default, screen[1]!))}`
      }
      const match = locale.exec(id)
      if (!match) return null
      source ??= runnerImport<{ localeMessages: (l: string) => Messages }>(resolve(root, 'src/i18n/messages.ts'), {
        configFile: false, logLevel: 'error', resolve: { alias: { '@': resolve(root, 'src') } },
      }).then((r) => r.module)
      const messages = (await source).localeMessages(match[1]!)
      return `export default ${JSON.stringify(precompile(messages, match[1]!))}`
    },
  }
}
