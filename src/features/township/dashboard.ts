import type { VillageSummary } from '@/shared/township/types'

/** Columns the dashboard can sort by. */
export type SortKey = 'name' | 'step' | 'fund' | 'spent' | 'turnout' | 'attention' | 'lastSync'
export type Filter = 'all' | 'flagged' | 'overdue' | 'objections' | 'doubleVotes' | 'stale'

export interface DashboardQuery {
  sort: SortKey
  descending: boolean
  filter: Filter
  search: string
}

/** A village not heard from in this long is shown as stale. */
export const STALE_AFTER_MS = 14 * 24 * 3600 * 1000

/** Double votes the council decided whose seals the supervisors still have to open (none in a summary cached from an older hub). */
const awaitingSeals = (v: VillageSummary): number => v.doubleVotesAwaitingSeals ?? 0

/** How many things need someone's attention in this village (flags, overdue notices, open objections…). */
export function attention(v: VillageSummary): number {
  return v.flags.length + v.publicityOverdue + v.openObjections + v.doubleVotes + awaitingSeals(v) + v.conflicts + v.quarantined
}

export function spentShare(v: VillageSummary): number {
  return v.allocated > 0 ? v.spent / v.allocated : 0
}

export function lastTabletSync(v: VillageSummary): number | null {
  const times = v.tablets.map((t) => t.lastSyncAt).filter((t): t is number => t !== null)
  return times.length ? Math.max(...times) : v.lastReachedTownship
}

function sortValue(v: VillageSummary, key: SortKey): number | string {
  switch (key) {
    case 'name': return v.name
    case 'step': return v.stepIndex
    case 'fund': return v.allocated
    case 'spent': return spentShare(v)
    case 'turnout': return v.lastVote?.turnout ?? -1
    case 'attention': return attention(v)
    case 'lastSync': return lastTabletSync(v) ?? -1
  }
}

function matches(v: VillageSummary, filter: Filter, now: number): boolean {
  switch (filter) {
    case 'all': return true
    case 'flagged': return v.flags.length > 0
    case 'overdue': return v.publicityOverdue > 0
    case 'objections': return v.openObjections > 0
    case 'doubleVotes': return v.doubleVotes > 0 || awaitingSeals(v) > 0 || v.conflicts > 0
    case 'stale': {
      const last = lastTabletSync(v)
      return last === null || now - last > STALE_AFTER_MS
    }
  }
}

/** Filters then sorts; ties keep the village name order so the list never jumps around. */
export function selectVillages(villages: readonly VillageSummary[], q: DashboardQuery, now: number): VillageSummary[] {
  const search = q.search.trim().toLowerCase()
  const collator = new Intl.Collator('zh-CN')
  return villages
    .filter((v) => matches(v, q.filter, now))
    .filter((v) => !search || v.name.toLowerCase().includes(search) || v.villageId.includes(search))
    .sort((a, b) => {
      const x = sortValue(a, q.sort)
      const y = sortValue(b, q.sort)
      const order = typeof x === 'string' && typeof y === 'string' ? collator.compare(x, y) : (x as number) - (y as number)
      return (q.descending ? -order : order) || collator.compare(a.name, b.name)
    })
}
