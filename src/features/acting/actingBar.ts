import { readonly, ref } from 'vue'

/**
 * How tall the acting bar is (0 when nobody is acting). The bar sticks to the top of the screen, so
 * whatever else sticks to the top sits below it (a page's sticky tabs take it as their offset), and
 * the browser scrolls a focused field or a found element below it, not under it (scroll-padding-top).
 */
const height = ref(0)
export const actingBarHeight = readonly(height)

/** Follows the bar's element while it is shown; returns the function that stops (the bar is gone: 0). */
export function trackActingBar(el: HTMLElement): () => void {
  const set = (px: number) => {
    height.value = px
    document.documentElement.style.scrollPaddingTop = px ? `${px}px` : ''
  }
  set(el.getBoundingClientRect().height)
  const observer = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => set(el.getBoundingClientRect().height))
  observer?.observe(el)
  return () => { observer?.disconnect(); set(0) }
}
