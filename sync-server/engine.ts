import { LocalEngine } from './engine/local'
import { CouchEngine } from './engine/couch'
import type { Engine } from './engine/types'

export * from './engine/types'
export { docPath } from './engine/couch'

/** The local engine under DATA_DIR, or the Apache CouchDB at COUCHDB_URL (database names prefixed with COUCHDB_PREFIX). */
export function createEngine(opts: { dataDir: string; couchdbUrl: string | null; couchdbPrefix?: string }): Engine {
  return opts.couchdbUrl ? new CouchEngine(opts.couchdbUrl, opts.couchdbPrefix ?? '') : new LocalEngine(opts.dataDir)
}
