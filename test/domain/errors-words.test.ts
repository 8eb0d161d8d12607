import { describe, expect, it } from 'vitest'
import { DOMAIN_ERROR_CODES, IMMUTABLE_KINDS, MUTABLE_KINDS } from '@/domain'
import words from '@/i18n/domainErrors'
import records from '@/i18n/records'

// Every refusal of the domain can reach a screen: each code needs a sentence in Chinese and in
// English. A code added without its words fails here.
describe('domain errors in words', () => {
  it('each code has a sentence in Chinese and in English', () => {
    for (const [lang, tree] of Object.entries(words)) {
      for (const code of DOMAIN_ERROR_CODES) {
        const [group, key] = code.split('.') as [string, string]
        const text = (tree as Record<string, Record<string, string>>)[group]?.[key]
        expect(text?.trim(), `${lang}: ${code}`).toBeTruthy()
      }
    }
  })
})

// A record is said by its kind on a screen (src/composables/useRecordName.ts): a kind added without
// its word would show "a record" where people could be told what it is.
describe('kinds of record in words', () => {
  it('each kind has a word in Chinese and in English', () => {
    for (const [lang, tree] of Object.entries(records)) {
      for (const kind of [...IMMUTABLE_KINDS, ...MUTABLE_KINDS]) expect(tree.kind[kind]?.trim(), `${lang}: ${kind}`).toBeTruthy()
    }
  })
})
