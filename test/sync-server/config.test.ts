import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../sync-server/config'

describe('the hub\'s clock (CLOCK_OFFSET_MS)', () => {
  it('is the system clock unless moved, and moved by whole milliseconds either way', () => {
    expect(loadConfig({}).now).toBe(Date.now)
    expect(loadConfig({ CLOCK_OFFSET_MS: '' }).now).toBe(Date.now)
    const later = loadConfig({ CLOCK_OFFSET_MS: String(15 * 86_400_000) }).now()
    expect(later - Date.now()).toBeGreaterThan(15 * 86_400_000 - 1000)
    expect(loadConfig({ CLOCK_OFFSET_MS: '-60000' }).now()).toBeLessThan(Date.now() - 59_000)
  })

  it('refuses anything but a whole number, naming the variable', () => {
    for (const bad of ['soon', '1.5', '14d', '1e9']) {
      expect(() => loadConfig({ CLOCK_OFFSET_MS: bad }), bad).toThrow(ConfigError)
      expect(() => loadConfig({ CLOCK_OFFSET_MS: bad }), bad).toThrow(/CLOCK_OFFSET_MS/)
    }
  })
})
