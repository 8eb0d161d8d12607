import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

export type SyncPhase = 'idle' | 'syncing' | 'error'

/** What the person sees about sync. The replication layer (src/data) feeds it. */
export const useSyncStore = defineStore('sync', () => {
  const online = ref(typeof navigator === 'undefined' ? false : navigator.onLine)
  const phase = ref<SyncPhase>('idle')
  const lastSyncAt = ref<number | null>(null)
  const pending = ref(0)
  const lastError = ref<string | null>(null)

  const status = computed(() => {
    if (!online.value) return 'offline'
    if (phase.value === 'syncing') return 'syncing'
    if (phase.value === 'error') return 'error'
    return lastSyncAt.value === null ? 'never' : 'online'
  })

  function setOnline(value: boolean) {
    online.value = value
  }

  if (typeof window !== 'undefined') {
    window.addEventListener('online', () => setOnline(true))
    window.addEventListener('offline', () => setOnline(false))
  }

  return { online, phase, lastSyncAt, pending, lastError, status, setOnline }
})
