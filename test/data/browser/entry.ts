/**
 * A page that drives src/data in Chromium (Dexie storage on IndexedDB, production build, the hub's
 * CSP): used by test/e2e/data-sync.test.ts and bench/data.ts through `window.yishiData`.
 */
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie'
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { getChangedDocumentsSince, type RxStorage, type RxStorageDefaultCheckpoint, type RxStorageInstance } from 'rxdb'
import { firstValueFrom, filter } from 'rxjs'
import { createRepositories, createSync, openVillageDatabase, type Repositories, type VillageDb, type VillageSync } from '@/data'
import type { DocKind } from '@/shared/schemas'
import { createSigner, recordProvenance, signedContent, useWebCryptoEd25519, type Trust } from '@/shared/provenance'
import { newSigningKeyPair } from '@/shared/signature'

performance.setResourceTimingBufferSize(100_000)

interface Tab { vdb: VillageDb; data: Repositories; sync: VillageSync }

/** Wall-clock time spent in each storage call, by collection and call (the profile script reads it). */
const storageTimes = new Map<string, { n: number; docs: number; ms: number }>()
function timed<S extends RxStorage<any, any>>(storage: S): S { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    ...storage,
    async createStorageInstance(params) {
      const inst = await storage.createStorageInstance(params)
      const name = params.collectionName.startsWith('rx-replication-meta') ? 'meta' : params.collectionName
      for (const op of ['bulkWrite', 'findDocumentsById', 'query', 'count', 'getChangedDocumentsSince'] as const) {
        const f = (inst as unknown as Record<string, unknown>)[op] as ((...a: unknown[]) => Promise<unknown>) | undefined
        if (!f) continue
        ;(inst as unknown as Record<string, unknown>)[op] = async (...args: unknown[]) => {
          const t0 = performance.now()
          try { return await f.apply(inst, args) } finally {
            const k = `${name}.${op}`
            const e = storageTimes.get(k) ?? { n: 0, docs: 0, ms: 0 }
            e.n++; e.ms += performance.now() - t0; e.docs += Array.isArray(args[0]) ? args[0].length : 0
            storageTimes.set(k, e)
          }
        }
      }
      return inst
    },
  }
}
let tab: Tab | null = null
const wire = { requests: 0, sentBytes: 0 }

function countingFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  wire.requests++
  if (typeof init?.body === 'string') wire.sentBytes += new TextEncoder().encode(init.body).length
  else if (init?.body instanceof Uint8Array) wire.sentBytes += init.body.byteLength
  return fetch(input, init)
}

function need(): Tab {
  if (!tab) throw new Error('open() first')
  return tab
}

const api = {
  async open(o: { village: string; device: string; secret: string; name: string; batchSize?: number; pullBatchSize?: number; memory?: boolean; timed?: boolean; secretKey?: string }) {
    const storage = o.memory ? getRxStorageMemory() : getRxStorageDexie()
    const vdb = await openVillageDatabase({ villageId: o.village, storage: o.timed ? timed(storage) : storage, name: o.name })
    // with `secretKey` every write is signed with that device key, as the app does
    const data = await createRepositories(vdb, { villageId: o.village, deviceId: o.device, actor: () => 'person:clerk', ...(o.secretKey ? { signer: createSigner(o.secretKey) } : {}) })
    const sync = await createSync(vdb, o.device, { hubUrl: '', credentials: { device: o.device, secret: o.secret }, batchSize: o.batchSize ?? 200, ...(o.pullBatchSize ? { pullBatchSize: o.pullBatchSize } : {}), fetch: countingFetch })
    tab = { vdb, data, sync }
    return true
  },
  start() { need().sync.start(); return true },
  async stop() { await need().sync.stop(); return true },
  async syncNow(timeoutMs = 120_000) { return need().sync.syncNow(timeoutMs) },
  state() { return need().sync.state },
  async pending() { return need().sync.pendingCount() },
  wire() { return { ...wire } },
  resetWire() { wire.requests = 0; wire.sentBytes = 0; performance.clearResourceTimings(); storageTimes.clear(); return true },
  storageTimes() { return Object.fromEntries([...storageTimes].map(([k, e]) => [k, { n: e.n, docs: e.docs, ms: Math.round(e.ms) }])) },
  /** Bytes received for /couch/ requests (compressed, as on the wire) per the Resource Timing API. */
  received() {
    let bytes = 0; let n = 0
    for (const e of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
      if (!e.name.includes('/couch/')) continue
      bytes += e.transferSize; n++
    }
    return { bytes, entries: n }
  },
  async comment(id: string) {
    const t0 = performance.now()
    await need().data.writer.insert([{ kind: 'comment', id, ref: '', body: { text: '村口路灯坏了', at: Date.now() } }])
    return performance.now() - t0
  },
  async createVote(vote: Record<string, unknown>) {
    const v = await need().data.votes.create(vote)
    return v.id
  },
  /**
   * Records `n` ballots (check-off + ballot into the ballot box); returns each cast's duration in ms.
   * Then the box is flushed (not timed), so the ballots and their audit events are in the database.
   */
  async ballots(voteId: string, voters: string[], choices: string[], flush = true) {
    const { data } = need()
    const vote = await data.votes.get(voteId)
    if (!vote) throw new Error('no vote')
    const times: number[] = []
    for (const voterId of voters) {
      const t0 = performance.now()
      await data.recordBallot({ vote, voterId, choices, recordedBy: 'person:clerk' })
      times.push(performance.now() - t0)
    }
    if (flush) await data.ballotBox.flush(voteId)
    return times
  },
  /** Writes the ballot box (all votes, or one) in shuffled batches; returns how many ballots were written and how long it took. */
  async flushBox(voteId?: string) {
    const t0 = performance.now()
    const n = await need().data.ballotBox.flush(voteId)
    return { n, ms: performance.now() - t0 }
  },
  /** Inserts ballots in bulk (no per-ballot audit) to seed large syncs quickly. */
  async seedBallots(voteId: string, n: number, from = 0) {
    const { data } = need()
    const batch = 500
    for (let i = 0; i < n; i += batch) {
      const items = []
      for (let j = i; j < Math.min(n, i + batch); j++) {
        items.push({ kind: 'ballot' as const, id: `ballot:b${from + j}`, ref: voteId, body: { voteId, choices: ['project:lights', 'project:water'], castAt: Date.now(), device: 'seed' } })
      }
      await data.writer.insert(items)
    }
    return true
  },
  /** Inserts `n` ballot records directly (stamped and valid, without audit events); returns their JSON bytes. */
  async seedBallotsRaw(voteId: string, n: number) {
    const { vdb, data } = need()
    let bytes = 0
    for (let i = 0; i < n; i += 1000) {
      const docs = []
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        const d = data.writer.stamp('ballot', `ballot:raw${j}`, voteId, { voteId, choices: ['project:lights', 'project:water'], castAt: Date.now(), device: data.writer.deviceId })
        bytes += new TextEncoder().encode(JSON.stringify(d)).length
        docs.push(d)
      }
      await vdb.docs.bulkInsert(docs)
    }
    return bytes
  },
  async seedProposals(n: number) {
    const { data } = need()
    const now = Date.now()
    for (let i = 0; i < n; i += 500) {
      const items = []
      for (let j = i; j < Math.min(n, i + 500); j++) {
        items.push(data.proposals.item(data.proposals.build({ id: `proposal:p${j}`, title: `提案 ${j}：修缮村道与路灯`, description: '村民反映夜间出行不便，建议安装路灯并修补路面。', proposedBy: 'person:a', createdAt: now - j })))
      }
      await data.writer.insert(items)
    }
    return true
  },
  /** Time until the proposal list (newest first) first emits all `n` records. */
  async timeProposalList(n: number) {
    const t0 = performance.now()
    const list = await firstValueFrom(need().data.proposals.list$().pipe(filter((l) => l.length >= n)))
    return { ms: performance.now() - t0, count: list.length }
  },
  async count(kind?: string) {
    const { vdb } = need()
    return kind ? vdb.docs.count({ selector: { kind: kind as DocKind } }).exec() : vdb.docs.count().exec()
  },
  /**
   * Pages through the changes of the open tablet's storage (limit `limit`) with the Dexie storage's
   * fast path (db.ts `withFastChanges`) and with RxDB's own query, from the start: ids and
   * checkpoints of every page, for a test to compare.
   */
  async changesBothWays(limit: number) {
    const inst = need().vdb.docs.storageInstance as unknown as RxStorageInstance<unknown, unknown, unknown, RxStorageDefaultCheckpoint>
    if (!inst.getChangedDocumentsSince) throw new Error('no fast path on this storage')
    const plain = Object.create(inst) as typeof inst
    plain.getChangedDocumentsSince = undefined
    const walk = async (s: typeof inst) => {
      const pages: { ids: string[]; checkpoint: RxStorageDefaultCheckpoint }[] = []
      let cp: RxStorageDefaultCheckpoint | undefined
      for (let i = 0; i < 1000; i++) {
        const r = await getChangedDocumentsSince(s, limit, cp)
        pages.push({ ids: r.documents.map((d) => (d as unknown as { id: string }).id), checkpoint: r.checkpoint })
        if (r.documents.length === 0) break
        cp = r.checkpoint
      }
      return pages
    }
    const fast = await walk(inst)
    const viaQuery = await walk(plain)
    const sample = (await getChangedDocumentsSince(inst, 3)).documents as unknown[]
    return { fast, viaQuery, sample, sampleViaQuery: (await getChangedDocumentsSince(plain, 3)).documents as unknown[] }
  },
  /**
   * Per-record cost (µs) of signing and verifying `n` ballot-sized records with a device key in this
   * browser: with WebCrypto's Ed25519 (what the app uses where the browser has it) and with the
   * JavaScript fallback (@noble/curves, older browsers). One record at a time, as a write awaits it.
   */
  async signatureCosts(n: number) {
    const key = newSigningKeyPair()
    const records = Array.from({ length: n }, (_, i) => ({
      id: `ballot:b${i}`, kind: 'ballot', v: 1, village: 'vbench', year: 2026, author: 'person:clerk', device: 'dev-bench', deviceTime: 1_790_000_000_000 + i,
      seq: i + 1, ref: 'vote:v2026', body: { voteId: 'vote:v2026', choices: ['project:lights', 'project:water'], castAt: 1_790_000_000_000, device: 'dev-bench' },
    }))
    const trust: Trust = { village: 'vbench', hubKey: key.publicKey, devices: { get: () => ({ device: 'dev-bench', village: 'vbench', publicKey: key.publicKey, enrolledAt: 0, unsignedUpTo: 0 }) } }
    const measure = async (webCrypto: boolean, count: number) => {
      useWebCryptoEd25519(webCrypto)
      const signer = createSigner(key.secretKey) // a signer keeps the key it imported: one per path
      const signed: Record<string, unknown>[] = []
      let t0 = performance.now()
      for (const r of records.slice(0, count)) signed.push({ ...r, sig: await signer.sign(signedContent(r)) })
      const sign = ((performance.now() - t0) * 1000) / count
      t0 = performance.now()
      for (const r of signed) if (!(await recordProvenance(r, trust)).ok) throw new Error('a signed record did not verify')
      const verify = ((performance.now() - t0) * 1000) / count
      return { sign, verify }
    }
    await measure(true, Math.min(n, 200)) // warm-up
    const web = await measure(true, n)
    const js = await measure(false, Math.min(n, 300))
    useWebCryptoEd25519(null)
    return { web, js }
  },
  async remove() { if (tab) { await tab.sync.stop(); await tab.vdb.db.remove(); tab = null } return true },
}

declare global { interface Window { yishiData: typeof api } }
window.yishiData = api
document.getElementById('ready')!.textContent = 'ready'
