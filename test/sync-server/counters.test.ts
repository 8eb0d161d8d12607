import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CouchCounters, LIMITS_DB } from '../../sync-server/counters'
import { createEngine, type Engine } from '../../sync-server/engine'
import { COUCHDB_TEST_URL, NOT_RUN } from '../support/couchdb'

/**
 * The shared limit counts (hub-limits) on a real engine: counted across writers, and the windows
 * that ended are swept away instead of piling up one document per address or name ever seen.
 */
function counterTests(title: string, open: () => { engine: Engine; done: () => Promise<void> }): void {
  describe(title, () => {
    let done: (() => Promise<void>) | null = null
    afterEach(async () => { await done?.(); done = null })

    it('counts within a window, refuses past the limit, and sweeps only the windows that ended', async () => {
      const e = open()
      done = e.done
      await e.engine.create(LIMITS_DB)
      let now = 1_000_000
      const counters = new CouchCounters(e.engine.db(LIMITS_DB), () => now)
      expect(await counters.take([{ key: 'login:10.0.0.1', max: 2 }], 1, 10_000)).toBe(0)
      expect(await counters.take([{ key: 'login:10.0.0.1', max: 2 }], 1, 10_000)).toBe(0)
      // the third guess in the window waits for the window's end
      expect(await counters.take([{ key: 'login:10.0.0.1', max: 2 }], 1, 10_000)).toBe(10_000)
      expect(await counters.take([{ key: 'enroll:village-va', max: 5 }], 1, 60_000)).toBe(0)
      for (let i = 0; i < 30; i++) expect(await counters.take([{ key: `login:10.1.0.${i}`, max: 3 }], 1, 10_000)).toBe(0)
      const stored = async () => (await e.engine.db(LIMITS_DB).allDocs()).rows.length
      expect(await stored()).toBe(32)

      now += 20_000 // the 10 s windows ended, the minute's has not
      expect(await counters.sweep(10)).toBe(31)
      expect(await stored()).toBe(1)
      // the enrollment count still holds: 4 more fit, the 5th of the window does not
      expect(await counters.take([{ key: 'enroll:village-va', max: 5 }], 4, 60_000)).toBe(0)
      expect(await counters.take([{ key: 'enroll:village-va', max: 5 }], 1, 60_000)).toBeGreaterThan(0)
      // and the swept address starts a fresh window
      expect(await counters.take([{ key: 'login:10.0.0.1', max: 2 }], 2, 10_000)).toBe(0)
    })

    it('reads a bounded number of pages per sweep, and the rest goes at the next', async () => {
      const e = open()
      done = e.done
      await e.engine.create(LIMITS_DB)
      let now = 1_000_000
      const counters = new CouchCounters(e.engine.db(LIMITS_DB), () => now)
      await Promise.all(Array.from({ length: 12 }, (_, k) => (async () => {
        for (let i = k * 100; i < (k + 1) * 100; i++) await counters.take([{ key: `login:a${i}`, max: 3 }], 1, 1_000)
      })()))
      now += 5_000
      expect(await counters.sweep(1)).toBe(500) // one page of 500
      expect(await counters.sweep(10)).toBe(700)
      expect((await e.engine.db(LIMITS_DB).allDocs()).rows.length).toBe(0)
    }, 60_000)
  })
}

counterTests('limit counts on the embedded engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yishi-counters-'))
  const engine = createEngine({ dataDir: dir, couchdbUrl: null })
  return { engine, done: async () => { await engine.close(); rmSync(dir, { recursive: true, force: true }) } }
})
if (COUCHDB_TEST_URL) {
  const url = COUCHDB_TEST_URL
  counterTests('limit counts in Apache CouchDB', () => {
    const prefix = `t${Math.random().toString(16).slice(2, 10)}_`
    const engine = createEngine({ dataDir: '', couchdbUrl: url, couchdbPrefix: prefix })
    return { engine, done: async () => { await engine.destroy(LIMITS_DB); await engine.close() } }
  })
} else {
  describe('limit counts in Apache CouchDB', () => { it.skip(NOT_RUN, () => undefined) })
}
