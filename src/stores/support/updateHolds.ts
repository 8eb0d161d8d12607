import { reactive } from 'vue'

/**
 * Why app updates are held right now (empty: an update may be applied). A ballot in the kiosk,
 * a meeting or an unsaved form holds them; src/modules/pwa.ts applies a waiting update only when
 * nothing does. It lives here so that stores can hold updates without reaching up into the app's wiring.
 */
export const updateHolds: string[] = reactive([])

/** Holds updates until `release()` is called (idempotent). Reasons: 'ballot', 'meeting', 'form', … */
export function holdUpdates(reason: string): () => void {
  updateHolds.push(reason)
  let released = false
  return () => {
    if (released) return
    released = true
    const at = updateHolds.indexOf(reason)
    if (at >= 0) updateHolds.splice(at, 1)
  }
}

export function updatesHeld(): boolean {
  return updateHolds.length > 0
}
