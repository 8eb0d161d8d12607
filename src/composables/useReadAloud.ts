import { onBeforeUnmount, ref } from 'vue'

/**
 * Read text aloud with the browser's speech synthesis (Web Speech API), Chinese by default.
 * When the tablet has no voice (or no API), `supported` is false and the buttons say so
 * instead of failing silently. One utterance at a time: a new one cancels the previous.
 */
export function useReadAloud() {
  const synth: SpeechSynthesis | undefined = typeof window !== 'undefined' ? window.speechSynthesis : undefined
  const supported = !!synth && typeof window.SpeechSynthesisUtterance === 'function'
  const speaking = ref(false)
  const current = ref<string | null>(null)

  function stop(): void {
    if (synth) synth.cancel()
    speaking.value = false
    current.value = null
  }

  /** Speaks `text`; `id` names what is being read so a button can show it is playing. */
  function speak(text: string, opts: { lang?: string; id?: string; rate?: number } = {}): boolean {
    if (!supported || !synth || !text.trim()) return false
    synth.cancel()
    const utterance = new window.SpeechSynthesisUtterance(text)
    utterance.lang = opts.lang ?? 'zh-CN'
    utterance.rate = opts.rate ?? 0.9
    const voice = synth.getVoices().find((v) => v.lang.replace('_', '-').startsWith(utterance.lang.slice(0, 2)))
    if (voice) utterance.voice = voice
    utterance.onend = () => { if (current.value === (opts.id ?? text)) stop() }
    utterance.onerror = () => { if (current.value === (opts.id ?? text)) stop() }
    speaking.value = true
    current.value = opts.id ?? text
    synth.speak(utterance)
    return true
  }

  onBeforeUnmount(stop)
  return { supported, speaking, current, speak, stop }
}
