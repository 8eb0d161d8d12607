import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { allMessages } from '@/i18n/messages'
import { LOCALES, type MessageTree } from '@/i18n'
import { precompile } from '../../scripts/i18nMessages'

function leaves(tree: MessageTree, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key
    return typeof value === 'string' ? [[path, value] as [string, string]] : leaves(value, path)
  })
}

// The build ships each locale's messages as vue-i18n ASTs (scripts/i18nMessages.ts); what a
// person reads must be exactly what the source strings say, every form of every message.
describe('precompiled messages', () => {
  const messages = allMessages()
  for (const locale of LOCALES) {
    it(`say in ${locale} exactly what the source strings say, in every plural form`, () => {
      const source = createI18n({ legacy: false, locale, messages: { [locale]: messages[locale] } }).global
      // as the build ships them: JSON in the locale's chunk
      const shipped = JSON.parse(JSON.stringify(precompile(messages[locale], locale)))
      const built = createI18n({ legacy: false, locale, messages: { [locale]: shipped } }).global
      let checked = 0
      for (const [key, text] of leaves(messages[locale])) {
        const names = [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))]
        for (const count of text.includes(' | ') ? [0, 1, 2] : [2]) {
          const values = Object.fromEntries(names.map((name) => [name, name === 'n' || name === 'count' || name === 'days' ? count : `<${name}>`]))
          expect(built.t(key, values, count), `${key} (${count})`).toBe(source.t(key, values, count))
          checked++
        }
      }
      expect(checked).toBeGreaterThan(1000)
    })
  }

  it('refuses a message that does not parse, naming it', () => {
    expect(() => precompile({ votes: { broken: 'Rank {rank' } }, 'en')).toThrow(/en\.votes\.broken/)
  })
})
