import { randomBytes } from 'node:crypto'
import type { CouchEngine } from '../engine/couch'
import { CouchError, notFound } from '../couch/errors'
import { redact, type PeerInput, type PeerSync, type PeerView } from './types'

/** What the hub adds to a `_replicator` document: enough to list it as a peer. */
interface YishiPeer { peer: string; db: string; remote: string; direction: PeerInput['direction']; createdAt: number }
interface ReplicatorDoc { _id: string; _rev: string; source: string; target: string; continuous?: boolean; yishi?: YishiPeer }
interface SchedulerDoc { doc_id: string; state: string; info?: { docs_written?: number; changes_pending?: number | null; source_seq?: unknown; through_seq?: unknown; error?: string } | null; last_updated?: string; start_time?: string }
interface ReplicateResult { ok?: boolean; no_changes?: boolean; history?: { docs_written?: number; docs_read?: number; doc_write_failures?: number }[] }

/**
 * Peer sync on an Apache CouchDB engine: CouchDB's own replicator does the work. A one-shot
 * peer is a `POST /_replicate` (answered when done); a continuous one is a document in
 * `_replicator`, which CouchDB runs once for the whole cluster, restarts after failures and
 * keeps across restarts of CouchDB and of every hub. States come from `_scheduler/docs`.
 */
export class CouchPeers implements PeerSync {
  private readonly idPrefix: string

  constructor(private readonly engine: CouchEngine) {
    this.idPrefix = `${engine.prefix}yishi-peer-`
  }

  async start(): Promise<void> { /* CouchDB runs continuous peers itself */ }
  stopAll(): void { /* and keeps them running while hubs restart */ }

  private legs(input: PeerInput): { source: string; target: string; leg: 'push' | 'pull'; create_target?: boolean }[] {
    const local = this.engine.dbUrl(input.db)
    // like PouchDB's replicator, a push creates the remote database when it is missing
    const push = { source: local, target: input.remote, leg: 'push' as const, create_target: true }
    const pull = { source: input.remote, target: local, leg: 'pull' as const }
    return input.direction === 'push' ? [push] : input.direction === 'pull' ? [pull] : [push, pull]
  }

  async add(input: PeerInput): Promise<{ id: string; result?: unknown }> {
    const hex = randomBytes(6).toString('hex')
    const id = `peer:${hex}`
    if (!input.continuous) {
      let docs_written = 0; let docs_read = 0; let doc_write_failures = 0
      for (const { leg: _l, ...job } of this.legs(input)) {
        const r = await this.engine.server<ReplicateResult>('POST', '_replicate', job).catch((e: { reason?: string; message?: string }) => {
          throw new CouchError(502, 'peer_error', `peer sync with ${redact(input.remote)} failed: ${e.reason ?? e.message ?? 'error'}`)
        })
        // CouchDB carries a replication's counts over from its last checkpoint: this run's are the difference
        const [h, before] = [r.history?.[0], r.no_changes ? r.history?.[0] : r.history?.[1]]
        const run = (k: 'docs_written' | 'docs_read' | 'doc_write_failures') => Math.max(0, (h?.[k] ?? 0) - (before?.[k] ?? 0))
        docs_written += run('docs_written'); docs_read += run('docs_read'); doc_write_failures += run('doc_write_failures')
      }
      return { id, result: { ok: true, docs_written, docs_read, doc_write_failures } }
    }
    const yishi: YishiPeer = { peer: id, db: input.db, remote: redact(input.remote), direction: input.direction, createdAt: Date.now() }
    for (const { leg, ...job } of this.legs(input)) {
      await this.engine.server('PUT', `_replicator/${encodeURIComponent(`${this.idPrefix}${hex}-${leg}`)}`, { ...job, continuous: true, yishi })
    }
    return { id }
  }

  private async docs(): Promise<ReplicatorDoc[]> {
    const key = (s: string) => encodeURIComponent(JSON.stringify(s))
    const all = await this.engine.server<{ rows: { doc?: ReplicatorDoc }[] }>('GET', `_replicator/_all_docs?include_docs=true&startkey=${key(this.idPrefix)}&endkey=${key(`${this.idPrefix}\ufff0`)}`)
    return all.rows.flatMap((r) => (r.doc?.yishi ? [r.doc] : []))
  }

  async list(): Promise<PeerView[]> {
    const docs = await this.docs()
    if (docs.length === 0) return []
    const scheduler = await this.engine.server<{ docs: SchedulerDoc[] }>('GET', '_scheduler/docs/_replicator?limit=1000').catch(() => ({ docs: [] as SchedulerDoc[] }))
    const states = new Map(scheduler.docs.map((d) => [d.doc_id, d]))
    const byPeer = new Map<string, PeerView>()
    for (const doc of docs) {
      const y = doc.yishi!
      const s = states.get(doc._id)
      // running and caught up (through the source's sequence; changes_pending waits for a checkpoint) is what PouchDB's replicator calls idle
      const caughtUp = s?.info?.changes_pending === 0 || (s?.info?.through_seq !== undefined && s.info.through_seq === s.info.source_seq)
      const state = !s ? 'starting' : s.state === 'running' ? (caughtUp ? 'idle' : 'running') : s.state === 'crashing' || s.state === 'error' ? 'retrying' : s.state
      const lastError = s && s.state !== 'running' && s.info?.error ? String(s.info.error) : null
      const prev = byPeer.get(y.peer)
      const worst = (a: string, b: string) => (a === 'idle' ? b : a)
      byPeer.set(y.peer, {
        id: y.peer, db: y.db, remote: y.remote, direction: y.direction, continuous: true,
        state: prev ? worst(prev.state, state) : state,
        docsWritten: (prev?.docsWritten ?? 0) + (s?.info?.docs_written ?? 0),
        lastError: prev?.lastError ?? lastError,
        lastRun: s?.start_time ? Date.parse(s.start_time) : null,
      })
    }
    return [...byPeer.values()]
  }

  async remove(id: string): Promise<void> {
    const docs = (await this.docs()).filter((d) => d.yishi?.peer === id)
    if (docs.length === 0) throw notFound()
    for (const d of docs) await this.engine.server('DELETE', `_replicator/${encodeURIComponent(d._id)}?rev=${encodeURIComponent(d._rev)}`).catch(() => undefined)
  }
}
