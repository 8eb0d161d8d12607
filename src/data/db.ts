/**
 * Opens a village's database: one RxDB database `yishi-<villageId>` with one collection, `docs`
 * (see README.md). The storage is passed in: Dexie (IndexedDB) in the browser, memory in Node tests.
 * No dev-mode, no RxDB validator plugin (ajv needs eval): repositories validate with our own code.
 */
import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase, type RxStorage } from 'rxdb'
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema'
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents'
import { COLLECTION_NAME, DOCS_MIGRATIONS, DOCS_SCHEMA, type YishiDoc } from './schemas'
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

export async function openVillageDatabase(opts: OpenVillageOptions): Promise<VillageDb> {
  const db = await createRxDatabase<{ docs: DocsCollection }>({
    name: opts.name ?? `yishi-${opts.villageId}`,
    storage: opts.storage,
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
