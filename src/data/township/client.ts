/**
 * Township staff device ⇄ hub. Chosen shape (see README, "Township view"): one summary per
 * village from the hub (`GET /hub/township/summary`, a single request, no long-poll), plus
 * the full records of the one village opened, pulled once through `_changes` and resumed
 * from its checkpoint. 30 villages stay at 30 summaries + one village's records on the
 * device, far under 10,000 documents, and no connection is held open.
 */
import type { TownshipSummary } from '@/shared/township/types'
import { fromCouch, type Doc } from '@/shared/township/records'
import { cacheClear, cacheGet, cacheSet } from './cache'
import { keysAtPin, type HubKeys } from '@/shared/hubkeys'

export class TownshipSyncError extends Error {
  override name = 'TownshipSyncError'
  constructor(readonly status: number, message: string) { super(message) }
}

/**
 * Why a request to the hub failed, for the screens to say in words: the hub was not reached, the
 * session is not (or no longer) accepted, the account may not read this, too many wrong tries, the hub
 * answered with an error of its own (`status`), or this device could not keep or read its copy.
 */
export type TownshipProblem = 'unreachable' | 'signed-out' | 'forbidden' | 'too-many' | 'hub' | 'device'

export function problemOf(e: unknown): { problem: TownshipProblem; status: number } {
  if (e instanceof TownshipSyncError) {
    const problem = e.status === 401 ? 'signed-out' : e.status === 403 ? 'forbidden' : e.status === 429 ? 'too-many' : 'hub'
    return { problem, status: e.status }
  }
  // fetch rejects with a TypeError when no answer came (no network, hub down, connection cut)
  return { problem: e instanceof TypeError ? 'unreachable' : 'device', status: 0 }
}

export interface StaffSession { name: string; township: string }

export interface VillageCopy {
  villageId: string
  since: string
  docs: Record<string, Doc>
  syncedAt: number
  /** The hub's keys (as the hub answers them to its signed-in staff): they certify the clerks' keys every person's act goes back to. */
  hubKeys?: HubKeys
}

async function check(res: Response, what: string): Promise<Response> {
  if (res.ok) return res
  let reason = ''
  try { reason = ((await res.json()) as { reason?: string }).reason ?? '' } catch { /* not JSON */ }
  throw new TownshipSyncError(res.status, `${what}: ${res.status}${reason ? ` — ${reason}` : ''}`)
}

/** Signs in with the hub's `_session` (cookie session, same origin). */
export async function signIn(base: string, name: string, password: string): Promise<StaffSession> {
  await check(await fetch(`${base}/couch/_session`, {
    method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  }), 'sign in')
  const info = (await (await check(await fetch(`${base}/couch/_session`, { credentials: 'include' }), 'session')).json()) as
    { userCtx?: { name?: string | null; roles?: string[] } }
  const roles = info.userCtx?.roles ?? []
  const township = roles.find((r) => r.startsWith('township:'))?.slice('township:'.length) ?? ''
  const session = { name: info.userCtx?.name ?? name, township }
  await cacheSet('session', session)
  return session
}

/** Signs out and forgets what this device held for the township (devices are shared). */
export async function signOut(base: string): Promise<void> {
  await fetch(`${base}/couch/_session`, { method: 'DELETE', credentials: 'include' }).catch(() => undefined)
  await cacheClear()
}

export async function savedSession(): Promise<StaffSession | null> {
  return (await cacheGet<StaffSession | null>('session')) ?? null
}

/**
 * Fetches the township's summaries from the hub and keeps them for offline use. The browser
 * revalidates with the hub's ETag (`cache: 'no-cache'`), so an unchanged township costs a 304;
 * `at` is then when this device last heard from the hub.
 */
export async function syncSummary(base: string, now: () => number = Date.now): Promise<TownshipSummary> {
  const res = await check(await fetch(`${base}/hub/township/summary`, { credentials: 'include', cache: 'no-cache' }), 'township summary')
  const summary = { ...((await res.json()) as TownshipSummary), at: now() }
  await cacheSet('summary', summary)
  return summary
}

export async function savedSummary(): Promise<TownshipSummary | null> {
  return (await cacheGet<TownshipSummary>('summary')) ?? null
}

/** Pulls a village's full records (changes since the last pull), in pages; keeps them offline. */
export async function syncVillage(base: string, villageId: string, now: () => number = Date.now, pageSize = 500): Promise<VillageCopy> {
  const key = `village:${villageId}`
  const copy: VillageCopy = (await cacheGet<VillageCopy>(key)) ?? { villageId, since: '0', docs: {}, syncedAt: 0 }
  for (let page = 0; page < 10_000; page++) {
    const url = `${base}/couch/village-${encodeURIComponent(villageId)}/_changes?include_docs=true&limit=${pageSize}&since=${encodeURIComponent(copy.since)}`
    const res = await check(await fetch(url, { credentials: 'include' }), `village ${villageId}`)
    const body = (await res.json()) as { results: { id: string; deleted?: boolean; doc?: Record<string, unknown> }[]; last_seq: string | number }
    for (const change of body.results) {
      const doc = change.deleted || change.id.startsWith('_design/') ? null : fromCouch(change.doc)
      if (doc) copy.docs[change.id] = doc
      else delete copy.docs[change.id]
    }
    copy.since = String(body.last_seq)
    if (body.results.length < pageSize) break
  }
  const keys = (await (await check(await fetch(`${base}/couch/_hub/hub-keys`, { credentials: 'include' }), 'hub keys')).json()) as { hubKey?: unknown; chain?: unknown }
  if (typeof keys.hubKey === 'string') copy.hubKeys = await keysAtPin(keys.hubKey, keys.chain)
  copy.syncedAt = now()
  await cacheSet(key, copy)
  return copy
}

export async function savedVillage(villageId: string): Promise<VillageCopy | null> {
  return (await cacheGet<VillageCopy>(`village:${villageId}`)) ?? null
}
