import { describe, expect, it } from 'vitest'
import { allMessages } from '@/i18n'

type Tree = { [key: string]: string | Tree }

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [k, v] of leaves(value, path)) out.set(k, v)
  }
  return out
}

describe('translations (core and every feature)', () => {
  const messages = allMessages()
  const zh = leaves(messages['zh-CN'] as Tree)
  const english = leaves(messages.en as Tree)

  it('English has every key Chinese has, and no extra ones', () => {
    expect([...english.keys()].sort()).toEqual([...zh.keys()].sort())
  })

  it('no English text is empty or left in Chinese', () => {
    for (const [key, text] of english) {
      expect(text.trim(), key).not.toBe('')
      if (!key.startsWith('lang.')) expect(text, key).not.toMatch(/[\u4e00-\u9fff]/)
    }
  })

  it('placeholders match between languages', () => {
    // each name once: a plural message repeats its placeholders in every form ('{n} record | {n} records')
    const names = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort()
    for (const [key, text] of zh) expect(names(english.get(key) ?? ''), key).toEqual(names(text))
  })
})
