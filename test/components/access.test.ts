import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import AccessReadAloud from '@/components/AccessReadAloud.vue'
import AccessLargeText from '@/components/AccessLargeText.vue'
import { mountFeature } from '../features/support/mount'

// The speech engine is the browser's (an outer edge): record what would be spoken.
const spoken: { text: string; lang: string }[] = []
beforeEach(() => {
  spoken.length = 0
  class Utterance { lang = ''; rate = 1; voice = null; onend: (() => void) | null = null; onerror = null; constructor(public text: string) {} }
  vi.stubGlobal('SpeechSynthesisUtterance', Utterance)
  vi.stubGlobal('speechSynthesis', {
    speak: (u: Utterance) => { spoken.push({ text: u.text, lang: u.lang }) },
    cancel: () => {},
    getVoices: () => [],
  })
})
afterEach(() => { vi.unstubAllGlobals(); document.documentElement.classList.remove('large-text'); localStorage.clear() })

describe('read aloud', () => {
  it('reads the text in Chinese, and in English when the app is in English', async () => {
    const { wrapper } = await mountFeature(AccessReadAloud, { props: { text: '村口装路灯，费用 ¥30,000' } })
    expect(wrapper.text()).toContain('读给我听')
    await wrapper.get('button').trigger('click')
    expect(spoken).toEqual([{ text: '村口装路灯，费用 ¥30,000', lang: 'zh-CN' }])
    expect(wrapper.get('button').attributes('aria-pressed')).toBe('true')
    expect(wrapper.text()).toContain('停止朗读')

    const en = await mountFeature(AccessReadAloud, { props: { text: 'Street lights' }, locale: 'en' })
    await en.wrapper.get('button').trigger('click')
    expect(spoken[1]).toEqual({ text: 'Street lights', lang: 'en-US' })
  })

  it('says so, instead of failing silently, when the tablet has no speech engine', async () => {
    vi.stubGlobal('speechSynthesis', undefined)
    const { wrapper } = await mountFeature(AccessReadAloud, { props: { text: '你好' } })
    expect(wrapper.get('button').attributes('disabled')).toBeDefined()
    expect(wrapper.get('button').attributes('aria-label')).toContain('本平板没有中文语音')
  })
})

describe('large text', () => {
  it('enlarges every screen and remembers the choice on this tablet', async () => {
    const { wrapper } = await mountFeature(AccessLargeText)
    await wrapper.get('button').trigger('click')
    expect(document.documentElement.classList.contains('large-text')).toBe(true)
    expect(localStorage.getItem('yishi.largeText')).toBe('1')
    expect(wrapper.text()).toContain('正常字号')
    await wrapper.get('button').trigger('click')
    expect(document.documentElement.classList.contains('large-text')).toBe(false)
  })
})
