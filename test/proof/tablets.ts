/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub */
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { createRepositories, createSync, deviceSigner, enrollDevice as enrollWithApp, memoryKeyValue, openVillageDatabase, type VillageSync } from '@/data'
import { unresolvedDoubleVotes } from '@/domain'
import type { RunningHub } from '../support/hub'
import { couch } from '../sync-server/helpers'
import { enrollDevice } from '../data/sync-helpers'

let n = 0

/** A seeded PRNG (mulberry32): the same seed replays the same schedule. */
export function prng(seed: number): { next(): number; int(max: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
  }
}

export interface ProofTabletOptions {
  /** Where the tablet reaches the hub (a fault proxy in the wire suite); default the hub itself. */
  hubUrl?: string
  /** records per push request; 'auto' = from the link's measured speed, as on a real tablet */
  batchSize?: number | 'auto'
  heartbeat?: number
  fetch?: typeof fetch
  /** give up a request that gets no answer for this long (ms) */
  requestTimeoutMs?: number
  /** enrolled the way the app does it (a device key pair) and signing every record, as tablets do now */
  signed?: boolean
}

/** Enrolls with a key pair, as the app does (identity.enrollDevice): the tablet signs what it writes. */
async function enrollSigned(hub: RunningHub, village: string) {
  const e = await couch(hub, '_hub/enrollments', { body: { village } })
  if (e.status !== 201) throw new Error(`enrollment: ${e.status} ${JSON.stringify(e.body)}`)
  const kv = memoryKeyValue()
  const enrollment = await enrollWithApp(kv, { hubUrl: hub.url, code: e.body.code, label: `signing tablet ${n}` })
  return { device: { id: enrollment.device, secret: enrollment.secret }, signer: deviceSigner(kv, enrollment.device) }
}

/** A simulated tablet: real RxDB (memory storage), the real repositories and the real sync controller. */
export async function openProofTablet(hub: RunningHub, village: string, opts: ProofTabletOptions = {}) {
  const keyed = opts.signed ? await enrollSigned(hub, village) : null
  const device = keyed?.device ?? await enrollDevice(hub, village)
  const vdb = await openVillageDatabase({ villageId: village, storage: getRxStorageMemory(), name: `proof${Date.now().toString(36)}${n++}` })
  const data = await createRepositories(vdb, { villageId: village, deviceId: device.id, actor: () => 'person:clerk', ...(keyed ? { signer: keyed.signer } : {}) })
  const sync: VillageSync = await createSync(vdb, device.id, {
    hubUrl: opts.hubUrl ?? hub.url, credentials: { device: device.id, secret: device.secret },
    ...(opts.batchSize === 'auto' ? {} : { batchSize: opts.batchSize ?? 50 }), heartbeat: opts.heartbeat ?? 3_000, ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
  })
  return {
    device, vdb, data, sync,
    async close() { await sync.stop(); await vdb.db.remove().catch(() => undefined) },
    /** Every document the tablet holds, by id, as comparable text (without RxDB bookkeeping). */
    async snapshot(): Promise<Map<string, string>> {
      const docs = await vdb.docs.find().exec()
      return new Map(docs.map((d) => { const j = d.toJSON() as any; return [j.id, fingerprint(j)] }))
    },
    /** Voters of this vote checked off on two tablets and not decided yet (the domain's reading of the records). */
    async doubleVoters(voteId: string): Promise<string[]> {
      const conflicts = await data.conflicts.list()
      const open = new Set(unresolvedDoubleVotes(conflicts, await data.decisions.list()))
      const body = (c: (typeof conflicts)[number]) => (c.loser?.body ?? {}) as { voteId?: string; voterId?: string }
      return [...new Set(conflicts.filter((c) => open.has(c.subjectId) && body(c).voteId === voteId).map((c) => String(body(c).voterId)))].sort()
    },
  }
}
export type ProofTablet = Awaited<ReturnType<typeof openProofTablet>>

export function fingerprint(doc: any): string {
  return JSON.stringify([doc.kind, doc.body, doc.device, doc.seq, doc.ref, doc.refused ?? null])
}

/** Every document of a village database on the hub, in the same form as a tablet snapshot. */
export async function hubSnapshot(hub: RunningHub, village: string): Promise<Map<string, string>> {
  const r = await couch(hub, `village-${village}/_all_docs?include_docs=true`)
  if (r.status !== 200) throw new Error(`_all_docs: ${r.status} ${JSON.stringify(r.body)}`)
  return new Map((r.body.rows as any[]).filter((row) => !row.id.startsWith('_')).map((row) => [row.id, fingerprint(row.doc)]))
}

/** Ids on which two snapshots differ (missing on either side or different content), at most `max`. */
export function differences(a: Map<string, string>, b: Map<string, string>, max = 5): string[] {
  const out: string[] = []
  for (const [id, v] of a) if (b.get(id) !== v) { out.push(id); if (out.length >= max) return out }
  for (const id of b.keys()) if (!a.has(id)) { out.push(id); if (out.length >= max) return out }
  return out
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Syncs every tablet (bounded rounds and time) until all tablets and the hub hold identical data.
 * Returns the number of rounds it took; throws with the differing ids when time runs out.
 */
export async function converge(hub: RunningHub, village: string, tablets: ProofTablet[], ms = 60_000): Promise<number> {
  const deadline = Date.now() + ms
  for (let round = 1; ; round++) {
    for (const t of tablets) await t.sync.syncNow(Math.max(1_000, Math.min(15_000, deadline - Date.now())))
    await sleep(200)
    const hubSnap = await hubSnapshot(hub, village)
    const diffs: string[] = []
    for (const [i, t] of tablets.entries()) {
      const mine = await t.snapshot()
      const d = differences(mine, hubSnap)
      if (d.length && Date.now() > deadline) diffs.push(`first difference on tablet ${i}: ${d[0]}\n  tablet: ${mine.get(d[0]!)?.slice(0, 400)}\n  hub:    ${hubSnap.get(d[0]!)?.slice(0, 400)}`)
      if (d.length) diffs.push(`tablet ${i} (${t.sync.state.phase}${t.sync.state.lastError ? `: ${t.sync.state.lastError}` : ''}; ${d.length === 5 ? '5+' : d.length} differ, ${d.filter((id) => !hubSnap.has(id)).length} of them missing on the hub): ${d.join(', ')}`)
    }
    if (diffs.length === 0) return round
    if (Date.now() > deadline) throw new Error(`not converged after ${round} rounds: ${diffs.join('; ')}`)
  }
}
