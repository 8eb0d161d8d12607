import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { flushPromises } from '@vue/test-utils'
import { createRepositories, openVillageDatabase, type Repositories } from '@/data'
import { useRosterStore } from '@/stores/roster'
import { useProposalsStore } from '@/stores/proposals'
import { useMeetingsStore } from '@/stores/meetings'
import { useNoticesStore } from '@/stores/notices'
import { useCycleStore } from '@/stores/cycle'
import { useActingStore } from '@/stores/acting'
import { useSessionStore } from '@/stores/session'

let counter = 0
export const VILLAGE = 'test-village'

/**
 * A real village database (RxDB, memory storage) with its repositories, and a Pinia whose stores use it.
 * The clerk (`actor`) is acting, as after typing their PIN, unless `locked` (then every clerk act asks).
 */
export async function openTestVillage(opts: { now?: () => number; actor?: string; locked?: boolean } = {}) {
  const vdb = await openVillageDatabase({ villageId: VILLAGE, storage: getRxStorageMemory(), name: `ui${Date.now().toString(36)}${counter++}` })
  const actor = () => opts.actor ?? 'person:clerk'
  const pinia: Pinia = createPinia()
  setActivePinia(pinia)
  // As in the app: a record's author is whoever is acting when it is written.
  const session = useSessionStore(pinia)
  const data: Repositories = await createRepositories(vdb, { villageId: VILLAGE, deviceId: 'tablet-test', actor: () => session.personId || actor(), ...(opts.now ? { now: opts.now } : {}) })
  const storeOpts = { actor, ...(opts.now ? { now: opts.now } : {}) }
  const acting = useActingStore(pinia)
  acting.attach(data)
  if (!opts.locked) acting.begin({ id: actor(), name: '王文书', roles: ['clerk'] }, 30 * 60_000)
  useRosterStore(pinia).attach(data)
  useProposalsStore(pinia).attach(data, storeOpts)
  useMeetingsStore(pinia).attach(data, storeOpts)
  useNoticesStore(pinia).attach(data, storeOpts)
  useCycleStore(pinia).attach(data, storeOpts)
  return { vdb, data, pinia, storeOpts, close: () => vdb.db.remove() }
}

/** Waits (at most `ms`) until `check` holds, letting RxDB's observables and Vue update in between. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    await flushPromises()
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
