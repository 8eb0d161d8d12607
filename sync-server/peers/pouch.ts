import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import PouchDB from 'pouchdb'
import type { Doc } from '../engine'
import type { LocalEngine } from '../engine/local'
import { CouchError, notFound } from '../couch/errors'
import { settleRolesConflicts } from '../couch/rolesconflicts'
import { PEERS_DB, redact, type PeerInput, type PeerSync, type PeerView } from './types'

export type PeerSpec = {
  _id: string; _rev?: string
  db: string; remote: string; direction: 'push' | 'pull' | 'both'; continuous: boolean; createdAt: number
}

const DIRECTIONS: readonly unknown[] = ['push', 'pull', 'both'] satisfies PeerSpec['direction'][]
const isDirection = (v: unknown): v is PeerSpec['direction'] => DIRECTIONS.includes(v)

/** A stored peer, its fields checked; null for anything else in the database. */
function peerSpecOf(doc: Doc | null | undefined): PeerSpec | null {
  if (!doc || typeof doc._id !== 'string' || typeof doc.db !== 'string' || typeof doc.remote !== 'string' || !isDirection(doc.direction)) return null
  if (typeof doc.continuous !== 'boolean' || typeof doc.createdAt !== 'number') return null
  return { _id: doc._id, ...(doc._rev ? { _rev: doc._rev } : {}), db: doc.db, remote: doc.remote, direction: doc.direction, continuous: doc.continuous, createdAt: doc.createdAt }
}
interface PeerState { spec: PeerSpec; state: string; docsWritten: number; lastError: string | null; lastRun: number | null; cancel?: () => void }

/**
 * Peer sync on the local engine: PouchDB's replicator runs in this process, on demand or
 * continuous, resumable from checkpoints (kept in `_local` documents on both sides).
 * Continuous peers are kept in `hub-peers` and restart with the hub.
 */
export class PouchPeers implements PeerSync {
  private states = new Map<string, PeerState>()

  constructor(private readonly engine: LocalEngine, private readonly log: FastifyBaseLogger) {}

  async start(): Promise<void> {
    await this.engine.create(PEERS_DB)
    const all = await this.engine.db(PEERS_DB).allDocs({ include_docs: true })
    for (const row of all.rows) {
      const spec = peerSpecOf(row.doc)
      if (!spec) continue
      this.states.set(spec._id, { spec, state: 'idle', docsWritten: 0, lastError: null, lastRun: null })
      if (spec.continuous) void this.run(spec).catch(() => undefined)
    }
  }

  async list(): Promise<PeerView[]> {
    return [...this.states.values()].map((s) => ({ id: s.spec._id, db: s.spec.db, remote: redact(s.spec.remote), direction: s.spec.direction, continuous: s.spec.continuous, state: s.state, docsWritten: s.docsWritten, lastError: s.lastError, lastRun: s.lastRun }))
  }

  async add(input: PeerInput): Promise<{ id: string; result?: unknown }> {
    const { db, remote, direction, continuous } = input
    const spec: PeerSpec = { _id: `peer:${randomBytes(6).toString('hex')}`, db, remote, direction, continuous, createdAt: Date.now() }
    if (spec.continuous) {
      const r = await this.engine.db(PEERS_DB).put(spec)
      spec._rev = r.rev
    }
    this.states.set(spec._id, { spec, state: 'idle', docsWritten: 0, lastError: null, lastRun: null })
    if (spec.continuous) { void this.run(spec).catch(() => undefined); return { id: spec._id } }
    const result = await this.run(spec)
    this.states.delete(spec._id)
    return { id: spec._id, result }
  }

  async remove(id: string): Promise<void> {
    const s = this.states.get(id)
    if (!s) throw notFound()
    s.cancel?.()
    this.states.delete(id)
    if (s.spec._rev) await this.engine.db(PEERS_DB).remove(s.spec._id, s.spec._rev).catch(() => undefined)
  }

  private run(spec: PeerSpec): Promise<unknown> {
    const s = this.states.get(spec._id) as PeerState
    const local = this.engine.pouch(spec.db)
    const remote = new PouchDB(spec.remote, { skip_setup: false } as PouchDB.Configuration.RemoteDatabaseConfiguration)
    const opts = { live: spec.continuous, retry: spec.continuous, batch_size: 200 }
    const rep = spec.direction === 'push' ? PouchDB.replicate(local, remote, opts)
      : spec.direction === 'pull' ? PouchDB.replicate(remote, local, opts)
        : PouchDB.sync(local, remote, opts)
    s.state = 'running'
    s.lastRun = Date.now()
    s.cancel = () => rep.cancel()
    const emitter: { on(event: string, listener: (...args: never[]) => void): unknown } = rep
    emitter.on('change', (info: { docs_written?: number; docs?: Doc[]; direction?: string; change?: { docs_written?: number; docs?: Doc[] } }) => {
      s.docsWritten += info.docs_written ?? info.change?.docs_written ?? 0
      // person records pulled in beside another version of them: the later signed roles win (couch/rolesconflicts.ts)
      if (spec.direction === 'pull' || info.direction === 'pull') {
        const ids = (info.docs ?? info.change?.docs ?? []).map((d) => String(d._id))
        void settleRolesConflicts(this.engine.db(spec.db), ids).catch((e: unknown) => this.log.warn({ peer: spec._id, err: String(e) }, 'settling roles conflicts failed'))
      }
    })
    emitter.on('paused', (err: unknown) => { s.state = err ? 'retrying' : 'idle' })
    emitter.on('active', () => { s.state = 'running' })
    emitter.on('denied', (err: unknown) => { s.lastError = String((err as Error)?.message ?? err) })
    return new Promise((resolve, reject) => {
      emitter.on('complete', (info: unknown) => { s.state = 'complete'; resolve(info) })
      emitter.on('error', (err: { message?: string; status?: number }) => {
        s.state = 'error'
        s.lastError = err?.message ?? String(err)
        this.log.warn({ peer: spec._id, remote: redact(spec.remote), err: s.lastError }, 'peer sync failed')
        reject(new CouchError(502, 'peer_error', `peer sync with ${redact(spec.remote)} failed: ${s.lastError}`))
      })
    })
  }

  stopAll(): void { for (const s of this.states.values()) s.cancel?.() }
}
