import type { AllDocsResult, Db, Engine } from '../engine'

/** `_all_docs` with `keys`, the engine's cheapest way (on the local engine, ids it never had cost no read). */
export async function rowsByKeys(db: Db, keys: unknown[], opts: { include_docs?: boolean; conflicts?: boolean }, known?: Set<string>): Promise<AllDocsResult> {
  return db.byKeys(keys, opts, known)
}

const knownSets = new Map<string, Promise<Set<string>>>()

/**
 * Every id a local (PouchDB) database holds, deleted ones included, kept in memory and
 * followed as writes commit: RxDB asks for each id of a batch before pushing it, and ids the
 * hub has never seen are answered without touching LevelDB (whose read queue the long-polls
 * share). Null for an engine that other processes also write (Apache CouchDB).
 */
export function knownIds(engine: Engine, name: string): Promise<Set<string>> | null {
  if (!engine.soleWriter) return null
  let known = knownSets.get(name)
  if (!known) {
    const set = new Set<string>()
    engine.onChange(name, (id) => { if (id) set.add(id) }) // before the scan, so nothing slips between
    known = engine.db(name).changes({ since: 0, style: 'main_only' }).then((r) => {
      for (const row of r.results) set.add(row.id)
      return set
    })
    knownSets.set(name, known)
    known.catch(() => knownSets.delete(name))
  }
  return known
}

/** Ids just written through the hub (the write listener confirms them a moment later). */
export function noteIds(name: string, ids: string[]): void {
  const known = knownSets.get(name)
  if (known) void known.then((set) => { for (const id of ids) set.add(id) })
}

/** A deleted database's ids are forgotten. */
export function forgetIds(name: string): void { knownSets.delete(name) }
