/**
 * Opens a village's database: one RxDB database `yishi-<villageId>` with one collection, `docs`
 * (see README.md). The storage is passed in: Dexie (IndexedDB) in the browser, memory in Node tests.
 * No dev-mode, no RxDB validator plugin (ajv needs eval): repositories validate with our own code.
 */
import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase, type RxStorage, type RxStorageDefaultCheckpoint, type RxStorageInstance } from 'rxdb'
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema'
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents'
import { type YishiDoc } from '@/shared/schemas'
import { COLLECTION_NAME, DOCS_MIGRATIONS, DOCS_SCHEMA } from './rxSchema'
import { createConflictHandler, type ConflictSink } from './conflicts'

addRxPlugin(RxDBMigrationSchemaPlugin)
addRxPlugin(RxDBLocalDocumentsPlugin)

export type DocsCollection = RxCollection<YishiDoc>
export interface VillageDb {
  villageId: string
  db: RxDatabase<{ docs: DocsCollection }>
  docs: DocsCollection
  /** Where the conflict handler records what lost; set by the repositories. */
  conflicts: ConflictSink
  close(): Promise<void>
}

export interface OpenVillageOptions {
  villageId: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  storage: RxStorage<any, any>
  /** Database name; default `yishi-<villageId>`. Tests use distinct names for two "tablets". */
  name?: string
  /** Collection schema and migrations; default the current ones (tests open older versions). */
  schema?: typeof DOCS_SCHEMA
  migrations?: typeof DOCS_MIGRATIONS
}

/** RxDB's smallest last-write time (`RX_META_LWT_MINIMUM`): the lower bound of "changed since the start". */
const LWT_MINIMUM = 1

/**
 * The Dexie storage with `getChangedDocumentsSince` answered by one `IDBIndex.getAll(range, limit)`
 * on RxDB's own `[_meta.lwt+id]` index. Without it RxDB runs a query for each push batch that walks
 * an IndexedDB cursor one record per round trip: in Chromium that was the largest single cost of
 * pushing (≈ 0.5 ms per record, 5–7 s of a 10,000-record push). Same range, order, limit and
 * checkpoint as RxDB's query (`getChangedDocumentsSinceQuery`: lwt > since, or lwt = since and id
 * > since id; deleted records included). Other storages are returned as they are.
 * It reaches into the storage instance's Dexie internals: package.json pins rxdb exactly, so an
 * upgrade is a deliberate change that re-runs the sync tests, never a silent one.
 */
export async function withFastChanges<S extends RxStorage<any, any>>(storage: S): Promise<S> { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (storage.name !== 'dexie') return storage
  const { fromDexieToStorage, dexieReplaceIfStartsWithPipe, DEXIE_DOCS_TABLE_NAME } = await import('rxdb/plugins/storage-dexie')
  type Instance = RxStorageInstance<any, any, any, RxStorageDefaultCheckpoint> & { // eslint-disable-line @typescript-eslint/no-explicit-any
    primaryPath: string
    internals: Promise<{ dexieDb: { transaction(mode: 'r', table: unknown, scope: (tx: { idbtrans: IDBTransaction }) => Promise<void>): Promise<void>; _options: { IDBKeyRange?: typeof IDBKeyRange } }; dexieTable: unknown; booleanIndexes: string[] }>
  }
  const wrapped: S = {
    ...storage,
    name: storage.name,
    rxdbVersion: storage.rxdbVersion,
    async createStorageInstance(params) {
      const instance = await storage.createStorageInstance(params) as Instance
      if (!instance.internals || typeof instance.primaryPath !== 'string') return instance
      instance.getChangedDocumentsSince = async (limit, checkpoint) => {
        const state = await instance.internals
        const keyRange = state.dexieDb._options.IDBKeyRange ?? IDBKeyRange
        const indexName = `[${['_meta.lwt', instance.primaryPath].map((f) => dexieReplaceIfStartsWithPipe(f)).join('+')}]`
        const range = keyRange.lowerBound([checkpoint ? checkpoint.lwt : LWT_MINIMUM, checkpoint ? checkpoint.id : ''], true)
        let rows: unknown[] = []
        await state.dexieDb.transaction('r', state.dexieTable, async (tx) => {
          const req = tx.idbtrans.objectStore(DEXIE_DOCS_TABLE_NAME).index(indexName).getAll(range, limit)
          rows = await new Promise<unknown[]>((resolve, reject) => {
            req.onsuccess = () => resolve(req.result as unknown[])
            req.onerror = () => reject(req.error ?? new Error('getAll failed'))
          })
        })
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const documents = rows.map((d) => fromDexieToStorage(state.booleanIndexes, d as any))
        const last = documents[documents.length - 1] as { _meta: { lwt: number } } & Record<string, unknown> | undefined
        return {
          documents,
          checkpoint: last ? { id: String(last[instance.primaryPath]), lwt: last._meta.lwt } : checkpoint ?? { id: '', lwt: 0 },
        }
      }
      return instance
    },
  }
  return wrapped
}

export async function openVillageDatabase(opts: OpenVillageOptions): Promise<VillageDb> {
  const db = await createRxDatabase<{ docs: DocsCollection }>({
    name: opts.name ?? `yishi-${opts.villageId}`,
    storage: await withFastChanges(opts.storage),
    multiInstance: false,
    eventReduce: true,
    localDocuments: true,
    closeDuplicates: true,
  })
  const conflicts: ConflictSink = { pending: [], notify: () => {} }
  const collections = await db.addCollections({
    [COLLECTION_NAME]: {
      schema: opts.schema ?? DOCS_SCHEMA,
      migrationStrategies: opts.migrations ?? DOCS_MIGRATIONS,
      conflictHandler: createConflictHandler(conflicts),
      localDocuments: true,
    },
  })
  const docs = collections[COLLECTION_NAME] as DocsCollection
  return { villageId: opts.villageId, db, docs, conflicts, close: async () => { await db.close() } }
}
