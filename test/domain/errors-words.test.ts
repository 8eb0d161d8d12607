import { describe, expect, it } from 'vitest'
import { DOMAIN_ERROR_CODES } from '@/domain'
import words from '@/i18n/domainErrors'

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
