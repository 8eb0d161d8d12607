import { describe, expect, it } from 'vitest'
import { defineComponent, h, type PropType } from 'vue'
import { REFUSAL_CODES, type RefusalCode, type RefusalParams } from '@/shared/refusal'
import { useRecordRefusalWords } from '@/composables/useRecordRefusalWords'
import { useRefusalWords } from '@/composables/useDomainErrorWords'
import words from '@/i18n/refusals'
import { mountFeature } from '../support/mount'
import { openTestVillage } from '../support/village'
import { datetimeFormats } from '@/i18n/formats'

/** A time as the app says it on a Chinese screen (src/i18n/formats.ts). */
const zhDateTime = (ms: number) => new Intl.DateTimeFormat('zh-CN', datetimeFormats['zh-CN']!.dateTime).format(ms)

type Tree = { [k: string]: string | Tree }
const at = (tree: Tree, path: string): unknown => path.split('.').reduce<unknown>((t, k) => (t as Tree | undefined)?.[k], tree)
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

/** Everything a refusal can name, as the checks give it: raw ids a screen must never show. */
const PARAMS: RefusalParams = {
  device: 'dev-000000001234', kind: 'ballot', field: 'title', person: 'person:p1', people: 'person:p1,person:p2', unknownKeys: 1,
  vote: 'vote:lights', at: Date.UTC(2026, 11, 1, 10), max: 200, village: 'village-b', problem: 'bad-signature',
}

/** Each code said by the one words function (`codes`), or an error thrown by an action (`thrown`), on a screen. */
const Words = defineComponent({
  props: { codes: { type: Array as PropType<readonly RefusalCode[]>, default: () => [] }, params: { type: Object as PropType<RefusalParams>, default: () => ({}) }, thrown: { type: null, default: null } },
  setup(props) {
    const why = useRecordRefusalWords()
    const action = useRefusalWords('test')
    return () => h('ul', [...props.codes.map((code) => h('li', { 'data-code': code }, why({ code, params: props.params }))), props.thrown ? h('li', { 'data-code': 'thrown' }, action(props.thrown)) : null])
  },
})

async function said(locale: 'zh-CN' | 'en', codes: readonly RefusalCode[], params = PARAMS) {
  const { wrapper } = await mountFeature(Words, { locale, props: { codes, params } })
  const out = new Map(wrapper.findAll('li').map((li) => [li.attributes('data-code')!, li.text()]))
  wrapper.unmount()
  return out
}

// Every refusal can reach a screen: each code needs its sentence in Chinese and in English, naming
// the same things. A code added without its words fails here.
describe('refusals in words, by code', () => {
  it('each code has a sentence in Chinese and in English, with the same params', () => {
    for (const code of REFUSAL_CODES) {
      const zh = at(words['zh-CN'].why as Tree, code)
      const en = at(words.en.why as Tree, code)
      expect(typeof zh === 'string' && zh.trim(), `zh-CN: ${code}`).toBeTruthy()
      expect(typeof en === 'string' && en.trim(), `en: ${code}`).toBeTruthy()
      // the same names, whichever plural form of the English uses them
      const names = (text: string) => [...new Set(placeholders(text))].sort()
      expect(names(en as string), code).toEqual(names(zh as string))
    }
  })

  it('says every code in Chinese with its params in words: no English, no raw id, nothing left unfilled', async () => {
    const out = await said('zh-CN', REFUSAL_CODES)
    for (const code of REFUSAL_CODES) {
      const text = out.get(code) ?? ''
      expect(text, code).not.toMatch(/[A-Za-z{}]/)
      if (code !== 'other') expect(text, code).not.toBe(out.get('other'))
    }
    expect(out.get('proof.altered')).toBe('内容在传过来的路上被改过，或者不是平板（编号尾号 1234）写的。')
    expect(out.get('form.too-long')).toBe('这条选票的“标题”太长了，最多 200 个字。')
    expect(out.get('vote.closed')).toContain(zhDateTime(Date.UTC(2026, 11, 1, 10)))
    // a person not on this tablet's roster is "a villager", never their id
    expect(out.get('act.unsigned')).toBe('这条选票要一位村民本人用自己的钥匙签名，但签名没有或者对不上。')
    expect(out.get('voidlist.sealers-missing')).toContain('还有 3 位监事没有参加：一位村民、一位村民、名单上找不到的封签钥匙。')
  })

  it('says a field the app has no label for as "one of its fields", and a kind it does not know as "record"', async () => {
    const out = await said('zh-CN', ['form.invalid'], { kind: 'gizmo', field: 'frobnicate' })
    expect(out.get('form.invalid')).toBe('这条记录的“其中一项”填的不对。')
  })

  it('says every code in English too', async () => {
    const out = await said('en', REFUSAL_CODES)
    for (const code of REFUSAL_CODES) expect(out.get(code), code).not.toMatch(/[{}]|dev-0|person:|vote:/)
    expect(out.get('form.missing')).toBe('This ballot lacks “Title”.')
  })
})

// The tablet's own checks refuse a record before it is saved: the screen says which field, by code.
describe('a record this tablet refuses to save', () => {
  it('says the field and why in Chinese, not the check\'s English', async () => {
    const village = await openTestVillage()
    try {
      const thrown = await village.data.writer.insert([{ kind: 'proposal', id: 'proposal:no-title', ref: '', body: { status: 'draft' } }]).then(() => null, (e: unknown) => e)
      const { wrapper } = await mountFeature(Words, { pinia: village.pinia, props: { thrown } })
      expect(wrapper.text()).toBe('没有保存：这条提议缺了“标题”。请改好再保存。')
      wrapper.unmount()
    } finally {
      await village.close()
    }
  })
})
