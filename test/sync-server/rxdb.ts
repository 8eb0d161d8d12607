import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase } from 'rxdb'
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema'
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { replicateCouchDB, type RxCouchDBReplicationState } from 'rxdb/plugins/replication-couchdb'
import { type YishiDoc } from '../../src/shared/schemas/index'
import { DOCS_MIGRATIONS, DOCS_SCHEMA } from '../../src/data/rxSchema'
import { basic } from './helpers'

let n = 0
addRxPlugin(RxDBMigrationSchemaPlugin)

export interface RxTablet {
  db: RxDatabase
  docs: RxCollection<YishiDoc>
  sync: RxCouchDBReplicationState<YishiDoc>
  errors: unknown[]
  requests: () => number
  close: () => Promise<void>
}

/** A tablet as the app has it: one RxDB collection replicated live with RxDB's own CouchDB plugin. */
/** `wire`: wraps the tablet's fetch (the app's own wire layer, src/data/wire.ts, in the bench). */
export async function rxTablet(url: string, user: string, password: string, opts: { live?: boolean; batchSize?: number; wire?: (f: typeof fetch) => typeof fetch } = {}): Promise<RxTablet> {
  const db = await createRxDatabase({ name: `hubtest${Date.now().toString(36)}${n++}${Math.random().toString(36).slice(2, 8)}`, storage: getRxStorageMemory(), multiInstance: false })
  const { docs } = await db.addCollections({ docs: { schema: DOCS_SCHEMA, migrationStrategies: DOCS_MIGRATIONS } })
  let requests = 0
  const auth = basic(user, password)
  // A fetch that throws on non-OK responses, so errors become the plugin's retries.
  const fetchOk = async (input: string | URL | Request, init?: RequestInit) => {
    requests++
    const headers = new Headers(init?.headers)
    headers.set('authorization', auth)
    const res = await fetch(input, { ...init, headers })
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`)
    return res
  }
  const sync = replicateCouchDB<YishiDoc>({
    replicationIdentifier: `hub-${url}`,
    collection: docs as RxCollection<YishiDoc>,
    url,
    live: opts.live ?? true,
    fetch: opts.wire ? opts.wire(fetchOk as typeof fetch) : fetchOk as typeof fetch,
    retryTime: 500,
    waitForLeadership: false,
    pull: { batchSize: opts.batchSize ?? 100 },
    push: { batchSize: opts.batchSize ?? 100 },
  })
  const errors: unknown[] = []
  sync.error$.subscribe((e) => errors.push(e))
  return {
    db, docs: docs as RxCollection<YishiDoc>, sync, errors, requests: () => requests,
    close: async () => { await sync.cancel(); await db.remove() },
  }
}
