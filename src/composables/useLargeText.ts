import { ref } from 'vue'

const STORAGE_KEY = 'yishi.largeText'
const CLASS = 'large-text'

// Shared by every screen: one flag for the whole app, kept across reloads on this tablet.
const enabled = ref(globalThis.localStorage?.getItem(STORAGE_KEY) === '1')
apply(enabled.value)

function apply(on: boolean): void {
  if (typeof document !== 'undefined') document.documentElement.classList.toggle(CLASS, on)
}

export function setLargeText(on: boolean): void {
  enabled.value = on
  apply(on)
  globalThis.localStorage?.setItem(STORAGE_KEY, on ? '1' : '0')
}

export function useLargeText() {
  return { enabled, set: setLargeText, toggle: () => setLargeText(!enabled.value) }
}
