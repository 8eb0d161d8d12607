/**
 * Records between two paired tablets, with RxDB's replication protocol (the one behind the sync
 * with the hub): the tablet that showed the first code serves its `docs` collection the way the
 * hub serves a village database (`serveRecords`: changes since a checkpoint, writes with conflict
 * detection), and the one that scanned it runs a live replication against it (`followPeer`), with
 * its checkpoints kept locally under the other tablet's device id — so a pairing cut short resumes
 * where it stopped, and the same conflict handler records what loses. Every record that crosses
 * passes the receiver's `PeerGate` first, in both directions.
 */
import { Subject, debounceTime, tap, type Subscription } from 'rxjs'
import { docStateToWriteDoc, getChangedDocumentsSince, writeDocToDocState, type BulkWriteRow, type RxReplicationWriteToMasterRow, type RxStorageDefaultCheckpoint } from 'rxdb'
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication'
import type { VillageDb } from '../db'
import { isImmutableKind, type YishiDoc } from '@/shared/schemas'
import { sameVersion } from '../conflicts'
import { isStale, type PeerDoc, type PeerGate, type Refused } from './gate'
import { isRefusalCode, storedParams } from '@/shared/refusal'
import type { Wire } from './wire'

/** What one side has moved so far (records, not bytes). */
export interface PeerCounts { received: number; sent: number; refused: Refused[]; refusedByPeer: Refused[] }

/** An answer to `changes` stops growing past this many characters (a batch of large records). */
export const MAX_BATCH_CHARS = 4_000_000
export const PEER_BATCH = 200
/** Batches one pull may skip past when the gate takes nothing of them (a tablet's whole history is far fewer). */
export const MAX_EMPTY_BATCHES = 10_000

type Checkpoint = RxStorageDefaultCheckpoint | undefined
interface ChangesAnswer { documents: PeerDoc[]; checkpoint: Checkpoint }
interface WriteAnswer { conflicts: PeerDoc[]; refused: Refused[] }

/** Deletions stay on this tablet (archiving a year removes it here only). */
function forPeers(doc: YishiDoc & { _deleted?: boolean }): boolean {
  return !doc._deleted
}

/**
 * Serves this tablet's records to the paired tablet (the "hub" side of the pair): answers
 * `changes` and `write`, and tells the other side when something changed here.
 */
export function serveRecords(vdb: VillageDb, wire: Wire, gate: PeerGate, peerDevice: string, counts: PeerCounts): () => void {
  const instance = vdb.docs.storageInstance
  // versions the other tablet just wrote here are not sent back to it (it has them)
  const fromPeer = new Map<string, string>()
  const version = (d: YishiDoc) => `${d.device}/${d.seq}`
  wire.answer('changes', async (params): Promise<ChangesAnswer> => {
    const { checkpoint, limit } = (params ?? {}) as { checkpoint?: Checkpoint; limit?: number }
    const n = Math.max(1, Math.min(Number(limit) || PEER_BATCH, 1000))
    const result = await getChangedDocumentsSince(instance, n, checkpoint ?? undefined)
    const documents: PeerDoc[] = []
    let chars = 0
    let last: Checkpoint = checkpoint ?? undefined
    for (const raw of result.documents) {
      const size = JSON.stringify(raw).length
      if (documents.length > 0 && chars + size > MAX_BATCH_CHARS) break
      chars += size
      last = { id: String((raw as { id: string }).id), lwt: (raw as { _meta: { lwt: number } })._meta.lwt }
      const doc = writeDocToDocState(raw, false, false) as PeerDoc
      if (forPeers(doc) && fromPeer.get(doc.id) !== version(doc)) documents.push(doc)
    }
    counts.sent += documents.length
    return { documents, checkpoint: last }
  })
  wire.answer('write', async (params): Promise<WriteAnswer> => {
    const rows = (Array.isArray(params) ? params : []).slice(0, 1000) as RxReplicationWriteToMasterRow<YishiDoc>[]
    const { accepted, refused } = await gate.admit(rows.map((r) => r?.newDocumentState), peerDevice)
    const byId = new Map(rows.filter((r) => r?.newDocumentState).map((r) => [r.newDocumentState.id, r]))
    const current = new Map((await instance.findDocumentsById(accepted.map((d) => d.id), true)).map((d) => [d.id, d]))
    const conflicts: PeerDoc[] = []
    const writes: BulkWriteRow<YishiDoc>[] = []
    for (const doc of accepted) {
      const mine = current.get(doc.id)
      if (!mine) { writes.push({ document: docStateToWriteDoc(vdb.db.token, false, false, doc) }); continue }
      const mineState = writeDocToDocState(mine, false, false) as PeerDoc
      if (sameVersion(mineState, doc)) continue
      const assumed = byId.get(doc.id)?.assumedMasterState
      // an immutable record stays as this tablet has it (the other side records the clash); a
      // mutable one is replaced only when the other side had seen this version (else: merge there),
      // and never by an earlier version of its own writer (no rollback)
      if (isImmutableKind(doc.kind) || isStale(doc, mineState) || !assumed || !sameVersion(mineState, { ...(assumed as YishiDoc), _deleted: !!assumed._deleted })) conflicts.push(mineState)
      else writes.push({ previous: mine, document: docStateToWriteDoc(vdb.db.token, false, false, doc, mine) })
    }
    if (writes.length > 0) {
      const res = await instance.bulkWrite(writes, 'yishi-peer-write')
      for (const e of res.error) {
        if (e.status === 409 && e.documentInDb) conflicts.push(writeDocToDocState(e.documentInDb, false, false) as PeerDoc)
        else throw new Error(`could not save ${e.documentId} (${e.status})`)
      }
      const failed = new Set(res.error.map((e) => e.documentId))
      for (const w of writes) if (!failed.has(w.document.id)) fromPeer.set(w.document.id, version(w.document))
      counts.received += writes.length - res.error.length
    }
    counts.refused.push(...refused)
    return { conflicts, refused }
  })
  // Tell the other side when records change here; it then asks for the changes.
  const sub = instance.changeStream().pipe(debounceTime(150)).subscribe(() => { void wire.notify('changed').catch(() => undefined) })
  return () => sub.unsubscribe()
}

export interface FollowOptions {
  /** records per request (default 200) */
  batchSize?: number
  /** ms between retries after a failed request (default 2 s) */
  retryTime?: number
}

/**
 * Runs a live replication of this tablet's records with the paired tablet's (the scanning side).
 * Checkpoints are kept per other device, so the next pairing with it resumes. Cancel to stop.
 */
export function followPeer(vdb: VillageDb, wire: Wire, gate: PeerGate, peerDevice: string, counts: PeerCounts, opts: FollowOptions = {}): RxReplicationState<YishiDoc, Checkpoint> {
  const batchSize = opts.batchSize ?? PEER_BATCH
  const remote = new Subject<'RESYNC'>()
  wire.on('changed', () => remote.next('RESYNC'))
  const replication = replicateRxCollection<YishiDoc, Checkpoint>({
    replicationIdentifier: `yishi-${vdb.villageId}-peer-${peerDevice}`,
    collection: vdb.docs,
    deletedField: '_deleted',
    live: true,
    retryTime: opts.retryTime ?? 2_000,
    waitForLeadership: false,
    autoStart: true,
    pull: {
      batchSize,
      stream$: remote.asObservable(),
      handler: async (checkpoint, limit) => {
        // RxDB reads an answer with no records as "nothing more" and keeps its checkpoint: a batch the
        // gate took nothing of (all refused, or left out) would stop the pull there, and be refused
        // again at every try. The next batch is asked for at once, until one brings records or the
        // other tablet's checkpoint stops moving.
        let at = checkpoint
        for (let batch = 0; batch < MAX_EMPTY_BATCHES; batch++) {
          const answer = await wire.request<ChangesAnswer>('changes', { checkpoint: at ?? null, limit })
          const { accepted, refused, fresh } = await gate.admit(Array.isArray(answer?.documents) ? answer.documents.slice(0, limit) : [], peerDevice, { pulled: true })
          counts.received += fresh
          counts.refused.push(...refused)
          const next = answer?.checkpoint ?? at
          if (accepted.length > 0 || JSON.stringify(next) === JSON.stringify(at)) return { documents: accepted, checkpoint: next }
          at = next
        }
        return { documents: [], checkpoint: at }
      },
    },
    push: {
      batchSize,
      // deletions (a year archived here) stay here
      modifier: (d) => (forPeers(d as PeerDoc) ? d : null) as YishiDoc,
      handler: async (rows) => {
        const answer = await wire.request<WriteAnswer>('write', rows)
        counts.sent += rows.length
        // the other tablet's word: kept only as a known code with short params, never more than was sent
        counts.refusedByPeer.push(...(Array.isArray(answer?.refused) ? answer.refused.slice(0, rows.length).map(theirRefusal) : []))
        // a conflict answer is a record from the other tablet too: it passes the gate
        // (the conflict handler records what loses, as with the hub)
        const { accepted } = await gate.admit(Array.isArray(answer?.conflicts) ? answer.conflicts.slice(0, rows.length) : [], peerDevice)
        return accepted
      },
    },
  })
  return replication
}

/**
 * While paired, each time records are stored here — a batch pulled or pushed by the other tablet, a
 * conflict the replication settled (a record held here before the pairing comes that way), one from
 * the hub — quarantined records that they make good are taken (`PeerGate.retake`) and counted as
 * received rather than refused. One pass at a time, after each burst of writes; a pass that takes
 * something may start one more (a key taken can make its acts good), one that takes nothing ends it.
 * A pass that fails leaves the records in the quarantine for the next.
 */
export function retakeOnStore(vdb: VillageDb, gate: PeerGate, counts: PeerCounts): Subscription {
  const kinds = new Set<string>()
  let passes = Promise.resolve()
  const pass = async (stored: { kind: string }[]) => {
    const taken = await gate.retake(stored).catch(() => [])
    if (taken.length === 0) return
    const ids = new Set(taken.map((d) => d.id))
    counts.refused = counts.refused.filter((r) => !ids.has(r.id))
    counts.received += taken.length
  }
  return vdb.docs.storageInstance.changeStream().pipe(tap((b) => { for (const e of b.events) kinds.add(String(e.documentData.kind)) }), debounceTime(50)).subscribe(() => {
    const stored = [...kinds].map((kind) => ({ kind }))
    kinds.clear()
    passes = passes.then(() => pass(stored))
  })
}

/** A refusal as the other tablet reports it: an unknown code is `other`, params are few and short. */
function theirRefusal(r: unknown): Refused {
  const x = (typeof r === 'object' && r !== null ? r : {}) as Partial<Record<keyof Refused, unknown>>
  return { id: String(x.id ?? '').slice(0, 200), code: isRefusalCode(x.code) ? x.code : 'other', params: storedParams(x.params), reason: String(x.reason ?? '').slice(0, 500) }
}
