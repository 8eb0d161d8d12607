import { describe, expect, it } from 'vitest'
import { allMessages } from '@/i18n/messages'

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

  it('no Chinese message says 密钥: a person types a 口令, and it opens a 钥匙', () => {
    expect([...zh].filter(([, text]) => text.includes('密钥')).map(([key]) => key)).toEqual([])
  })

  it('Chinese quotes a word with “” or 「」, never ASCII quotes', () => {
    expect([...zh].filter(([, text]) => /[\u4e00-\u9fff]/.test(text) && /"/.test(text)).map(([key]) => key)).toEqual([])
  })

  // A name, a role, a step or a title put into a Chinese sentence sits in it without spaces ("由王文书见证", never
  // "由 王文书 见证"); numbers and dates keep theirs ("第 3 步"). Held for every feature and for the compliance
  // flags' words (src/i18n/compliance.ts, shown on the supervision and township screens).
  const WORDS = new Set(['name', 'names', 'who', 'person', 'by', 'author', 'village', 'tablet', 'step', 'role', 'unit', 'subject', 'project', 'payee', 'motion'])
  const SPACED = ['acting.', 'home.', 'cycle.', 'sealkeys.', 'meetings.', 'proposals.', 'votes.', 'device.', 'compliance.', 'accounts.', 'conflicts.', 'notices.', 'supervision.', 'township.', 'roster.', 'quarantine.']
  it('no space between Chinese and a name, role or step put into it', () => {
    const spaced = [...zh].filter(([key]) => SPACED.some((p) => key.startsWith(p))).filter(([, text]) =>
      [...text.matchAll(/(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]) \{(\w+)\}|\{(\w+)\} (?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])/g)].some((m) => WORDS.has(m[1] ?? m[2] ?? '')))
    expect(spaced.map(([key, text]) => `${key}: ${text}`)).toEqual([])
  })

  it('placeholders match between languages', () => {
    // each name once: a plural message repeats its placeholders in every form ('{n} record | {n} records')
    const names = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort()
    for (const [key, text] of zh) expect(names(english.get(key) ?? ''), key).toEqual(names(text))
  })
})

describe('plural forms', () => {
  const messages = allMessages()
  const zh = leaves(messages['zh-CN'] as Tree)
  const english = leaves(messages.en as Tree)
  const COUNTED = /\{(n|count|days)\}/
  // A number that counts nothing the sentence names: a position, a percentage, a figure standing alone.
  const NOT_A_COUNT = new Set([
    'accounts.done', 'accounts.percent', 'accounts.photoN', 'accounts.receiptN',
    'conflicts.open', 'conflicts.resolved', 'cycle.stepOf', 'cycle.hintLine', 'home.next.step',
    'device.sync.pending', 'device.sync.refused', 'quarantine.hubGroup', // the noun is {kind}, plural itself
    'meetings.form.membersHint', 'meetings.checkin.checkedHousehold', 'meetings.checkin.checkedHouseholdOf', 'meetings.checkin.full',
    'meetings.minutes.photoAlt', 'notices.openCount', 'proposals.form.photoAlt', 'roster.units.title',
    'sealkeys.open.pending', 'sealkeys.open.order', 'votes.setup.badCost', 'votes.setup.needCost',
    'votes.kiosk.chosenOf', 'votes.kiosk.cardNumber', 'votes.kiosk.thanksDone',
  ])

  it('every English message that counts something has its plural forms ("1 record", "2 records")', () => {
    const missing = [...english].filter(([key, text]) => COUNTED.test(text) && !NOT_A_COUNT.has(key) && !text.includes(' | ')).map(([key]) => key)
    expect(missing).toEqual([])
  })

  it('the exceptions are real messages with a number in them, so the list cannot rot', () => {
    for (const key of NOT_A_COUNT) expect(english.get(key), key).toMatch(COUNTED)
  })

  it('Chinese keeps one form', () => {
    for (const [key, text] of zh) expect(text, key).not.toContain(' | ')
  })
})
