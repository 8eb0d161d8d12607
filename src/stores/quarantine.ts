import { defineStore } from 'pinia'
import { computed, shallowRef, watch } from 'vue'
import type { Subscription } from 'rxjs'
import type { RefusalLine, Repositories, TabletQuarantineEntry } from '@/data'
import { refusalOf } from '@/data/oldRefusals'
import type { RefusalCode, RefusalParams } from '@/shared/refusal'
import { useDeviceNamesStore } from './deviceNames'
import { useSessionStore } from './session'
import { useSyncStore } from './sync'

/** Records this tablet refused from one other tablet (or a file of it) for one refusal (its code and params). */
export interface QuarantineGroup { source: 'peer' | 'file'; device: string; code: RefusalCode; params: RefusalParams; count: number; at: number; ids: string[] }
/** Records of this tablet the hub refused, of one kind of record, for one refusal. */
export interface HubRefusalGroup { recordKind: string; code: RefusalCode; params: RefusalParams; count: number; at: number }

/**
 * What was refused, for the clerk: records this tablet refused from another tablet or a file (its
 * quarantine, src/data/quarantine.ts) and records of this tablet the hub refused (its rejection
 * notices, grouped by src/data/refusals.ts), each by its refusal's code. Reading only: nothing here
 * takes a refused record in.
 */
export const useQuarantineStore = defineStore('quarantine', () => {
  const entries = shallowRef<TabletQuarantineEntry[]>([])
  const hubLines = shallowRef<RefusalLine[]>([])
  const session = useSessionStore()
  const names = useDeviceNamesStore()
  const subs: Subscription[] = []

  function attach(r: Repositories): void {
    for (const s of subs.splice(0)) s.unsubscribe()
    void import('@/data').then(({ quarantined$, refusalLines }) => {
      subs.push(quarantined$(r.writer.vdb).subscribe((e) => { entries.value = e; void names.refresh() }))
      subs.push(r.rejections.list$().subscribe((x) => { hubLines.value = refusalLines(x, session.enrollment?.deviceId ?? '') }))
    })
  }

  const fromOthers = computed<QuarantineGroup[]>(() => {
    const groups = new Map<string, QuarantineGroup>()
    for (const e of entries.value) {
      const [source, ...rest] = e.from.split(':')
      const device = rest.join(':')
      const { code, params } = refusalOf(e)
      const key = `${e.from}\u0000${code}\u0000${JSON.stringify(params)}`
      const g = groups.get(key) ?? { source: source === 'file' ? 'file' : 'peer', device, code, params, count: 0, at: 0, ids: [] }
      if (!g.ids.includes(e.id)) { g.ids.push(e.id); g.count++ }
      g.at = Math.max(g.at, e.at)
      groups.set(key, g)
    }
    return [...groups.values()].sort((a, b) => b.at - a.at)
  })

  const fromHub = computed<HubRefusalGroup[]>(() =>
    hubLines.value.map((l) => ({ recordKind: l.kind, code: l.code, params: l.params, count: l.count, at: l.at })).sort((a, b) => b.at - a.at))

  /** How many refused records there are in all (home flags the screen when not zero). */
  const count = computed(() => fromOthers.value.reduce((n, g) => n + g.count, 0) + fromHub.value.reduce((n, g) => n + g.count, 0))

  // home flags the screen from the sync store (this store loads with the village, not with home)
  const sync = useSyncStore()
  watch(count, (n) => { sync.notTaken = n }, { immediate: true })

  return { fromOthers, fromHub, count, attach }
})
