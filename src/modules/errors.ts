import type { App } from 'vue'

/**
 * Errors no screen caught. An act refused on the tablet (nobody typed the secret it needs) is said by
 * the acting prompt already (src/features/acting), so it is not an error of the app.
 */
export function installErrors(app: App): void {
  app.config.errorHandler = (err) => {
    if (err instanceof Error && err.name === 'ActRefused') return
    console.error(err)
  }
}
