import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { KeyValue, Repositories } from '@/data'

/**
 * The names the village's tablets were given at enrollment (hub-certified, see src/data/devicenames.ts),
 * for every screen that shows a tablet (`useTabletName`). Read again when a tablet may have been met.
 */
export const useDeviceNamesStore = defineStore('deviceNames', () => {
  const names = shallowRef<ReadonlyMap<string, string>>(new Map())
  let read: (() => Promise<Map<string, string>>) | null = null

  function attach(r: Repositories, opts: { kv?: KeyValue } = {}): void {
    const kv = opts.kv
    read = kv ? async () => (await import('@/data/devicenames')).deviceNames(kv, r.writer.vdb) : null
    void refresh()
  }

  async function refresh(): Promise<void> {
    if (read) names.value = await read().catch(() => names.value)
  }

  return { names, attach, refresh }
})
