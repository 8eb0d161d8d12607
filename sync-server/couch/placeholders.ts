import type { FastifyBaseLogger } from 'fastify'
import type { Engine } from '../engine'
import { villageOf } from '../auth/access'
import { QUARANTINE_DB } from './quarantine'

const DONE = 'migration:refused-placeholders'

/**
 * Hubs before issue #12 wrote a refused document into its village database, marked `refused`:
 * every tablet pulled the refused content, and the placeholder kept the genuine record of that id
 * out (RxDB takes a `refused` version from the hub as its own). Once, after an upgrade, the hub
 * deletes those placeholders — their content stays in the quarantine — so the genuine records can
 * land. Read a page at a time; a no-op on a hub that never wrote one.
 */
export async function removeRefusedPlaceholders(engine: Engine, log: FastifyBaseLogger): Promise<number> {
  const q = engine.db(QUARANTINE_DB)
  if (await q.get(DONE).catch(() => null)) return 0
  let removed = 0
  for (const name of await engine.list()) {
    if (villageOf(name) === null) continue
    const db = engine.db(name)
    let startkey: string | undefined
    for (let pages = 0; pages < 1_000_000; pages++) {
      const page = await db.allDocs({ include_docs: true, limit: 200, ...(startkey ? { startkey, skip: 1 } : {}) })
      const placeholders = page.rows.filter((r) => r.doc && (r.doc as { refused?: unknown }).refused !== undefined && !r.key.startsWith('_'))
      if (placeholders.length > 0) {
        await db.bulkDocs(placeholders.map((r) => ({ _id: r.key, _rev: r.value!.rev, _deleted: true })))
        removed += placeholders.length
      }
      if (page.rows.length < 200) break
      startkey = page.rows.at(-1)!.key
    }
  }
  await q.put({ _id: DONE, at: Date.now(), removed })
  if (removed > 0) log.info({ removed }, 'refused placeholders of an earlier hub removed from village databases')
  return removed
}
