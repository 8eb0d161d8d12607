import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { SyncPhase as DataSyncPhase, SyncState } from '@/data/replication'
import { NO_FIGURES, timeLeft, type LinkFigures } from '@/data/link'
import type { RefusalLine } from '@/data/refusals'

export type SyncPhase = 'idle' | 'syncing' | 'error'


/** What the person sees about sync. The data module (src/modules/data.ts) feeds it. */
/** What a failed sync means for the person at the tablet, from the hub's answer (0: not reached). */
export type SyncProblem = 'unreachable' | 'revoked' | 'forbidden' | 'no-village' | 'too-large' | 'too-many' | 'hub' | 'other'
export function problemOf(status: number): SyncProblem {
  const known: Record<number, SyncProblem> = { 0: 'unreachable', 401: 'revoked', 403: 'forbidden', 404: 'no-village', 413: 'too-large', 429: 'too-many' }
  return known[status] ?? (status >= 500 ? 'hub' : 'other')
}

export const useSyncStore = defineStore('sync', () => {
  const online = ref(typeof navigator === 'undefined' ? false : navigator.onLine)
  const phase = ref<SyncPhase>('idle')
  const lastSyncAt = ref<number | null>(null)
  const pending = ref(0)
  /** Ballots waiting in the tablet's ballot box: not in the database yet, so not pending sync either. */
  const boxed = ref(0)
  /** Conflict records and audit events this tablet could not store yet (kept and tried again): the person is told. */
  const unsaved = ref(0)
  /** Records refused, in all: from other tablets or files, and of this tablet by the hub (the quarantine store counts them; home flags them). */
  const notTaken = ref(0)
  const lastError = ref<string | null>(null)
  /** Why the last sync failed, for the screens to say in words (sync.problem.*); null when it worked. */
  const problem = ref<SyncProblem | null>(null)
  const refusals = shallowRef<RefusalLine[]>([])
  /** device clock minus hub clock, ms; null until the hub has answered */
  const clockSkewMs = ref<number | null>(null)
  const clockWrong = computed(() => clockSkewMs.value !== null && Math.abs(clockSkewMs.value) > 5 * 60_000)
  /** share of the browser's storage quota in use, 0–1; null when unknown */
  const storageUsed = ref<number | null>(null)
  const storageLow = computed(() => storageUsed.value !== null && storageUsed.value > 0.8)
  const enrolled = ref(false)
  /** what the tablet measured of its link, and the records the hub still has for it (last pull page) */
  const link = shallowRef<LinkFigures>(NO_FIGURES)
  const toReceive = ref<number | null>(null)
  /** how long what is left will take at the measured speed, and whether the link will likely drop first */
  const estimate = computed(() => timeLeft(link.value, pending.value, toReceive.value ?? 0))
  let syncNowImpl: (() => Promise<boolean>) | null = null

  const status = computed(() => {
    if (!online.value) return 'offline'
    if (phase.value === 'syncing') return 'syncing'
    if (phase.value === 'error') return 'error'
    return lastSyncAt.value === null ? 'never' : 'online'
  })

  function setOnline(value: boolean) {
    online.value = value
  }

  /** Called by the data module with each replication state. */
  function update(s: SyncState & { pending?: number }) {
    const map: Record<DataSyncPhase, SyncPhase> = { stopped: 'idle', idle: 'idle', syncing: 'syncing', error: 'error' }
    phase.value = map[s.phase]
    lastSyncAt.value = s.lastSyncAt
    lastError.value = s.lastError
    problem.value = s.lastError === null ? null : problemOf(s.lastErrorStatus ?? -1)
    clockSkewMs.value = s.clockSkewMs
    link.value = s.link
    toReceive.value = s.toReceive
    if (s.pending !== undefined) pending.value = s.pending
  }

  function connect(impl: (() => Promise<boolean>) | null) {
    syncNowImpl = impl
    enrolled.value = impl !== null
  }

  async function syncNow(): Promise<boolean> {
    if (!syncNowImpl) return false
    phase.value = 'syncing'
    return syncNowImpl()
  }

  if (typeof window !== 'undefined') {
    window.addEventListener('online', () => setOnline(true))
    window.addEventListener('offline', () => setOnline(false))
  }

  return {
    online, phase, lastSyncAt, pending, boxed, unsaved, notTaken, lastError, problem, refusals, clockSkewMs, clockWrong, storageUsed, storageLow, enrolled, status,
    link, toReceive, estimate,
    setOnline, update, connect, syncNow,
  }
})
