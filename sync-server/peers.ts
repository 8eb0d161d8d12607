import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify'
import PouchDB from 'pouchdb'
import { DB_NAME, type Engine } from './engine'
import { requireAdmin } from './auth/access'
import { CouchError, badRequest, notFound } from './couch/errors'

export const PEERS_DB = 'hub-peers'

export interface PeerSpec {
  _id: string; _rev?: string
  db: string; remote: string; direction: 'push' | 'pull' | 'both'; continuous: boolean; createdAt: number
}
interface PeerState { spec: PeerSpec; state: string; docsWritten: number; lastError: string | null; lastRun: number | null; cancel?: () => void }

/** The remote URL with its password hidden, for listings and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch { return 'invalid url' }
}

/**
 * Peer sync between hubs (or with an Apache CouchDB): CouchDB replication of chosen
 * databases, on demand or continuous, resumable from checkpoints (PouchDB's replicator
 * keeps them in `_local` documents on both sides). Continuous peers restart with the hub.
 */
export class Peers {
  private states = new Map<string, PeerState>()

  constructor(private readonly engine: Engine, private readonly log: FastifyBaseLogger) {}

  async start(): Promise<void> {
    await this.engine.create(PEERS_DB)
    const all = await this.engine.db(PEERS_DB).allDocs({ include_docs: true })
    for (const row of all.rows) {
      const spec = row.doc as unknown as PeerSpec
      this.states.set(spec._id, { spec, state: 'idle', docsWritten: 0, lastError: null, lastRun: null })
      if (spec.continuous) void this.run(spec).catch(() => undefined)
    }
  }

  list(): unknown[] {
    return [...this.states.values()].map((s) => ({ id: s.spec._id, db: s.spec.db, remote: redact(s.spec.remote), direction: s.spec.direction, continuous: s.spec.continuous, state: s.state, docsWritten: s.docsWritten, lastError: s.lastError, lastRun: s.lastRun }))
  }

  async add(input: { db?: unknown; remote?: unknown; direction?: unknown; continuous?: unknown }): Promise<{ id: string; result?: unknown }> {
    const db = String(input.db ?? '')
    const remote = String(input.remote ?? '')
    const direction = (input.direction ?? 'both') as PeerSpec['direction']
    if (!DB_NAME.test(db) || db.startsWith('hub-')) throw badRequest('db must name a database of this hub')
    if (!/^https?:\/\/.+/.test(remote)) throw badRequest('remote must be the http(s) URL of a database on another hub or CouchDB')
    if (!['push', 'pull', 'both'].includes(direction)) throw badRequest('direction must be push, pull or both')
    if (!(await this.engine.exists(db))) {
      if (direction === 'push') throw notFound('Database does not exist.')
      await this.engine.create(db)
    }
    const spec: PeerSpec = { _id: `peer:${randomBytes(6).toString('hex')}`, db, remote, direction, continuous: input.continuous === true, createdAt: Date.now() }
    if (spec.continuous) {
      const r = await this.engine.db(PEERS_DB).put(spec as never)
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
    const local = this.engine.db(spec.db)
    const remote = new PouchDB(spec.remote, { skip_setup: false } as PouchDB.Configuration.RemoteDatabaseConfiguration)
    const opts = { live: spec.continuous, retry: spec.continuous, batch_size: 200 }
    const rep = spec.direction === 'push' ? PouchDB.replicate(local, remote, opts)
      : spec.direction === 'pull' ? PouchDB.replicate(remote, local, opts)
        : PouchDB.sync(local, remote, opts)
    s.state = 'running'
    s.lastRun = Date.now()
    s.cancel = () => rep.cancel()
    const emitter = rep as unknown as NodeJS.EventEmitter
    emitter.on('change', (info: { docs_written?: number; change?: { docs_written?: number } }) => {
      s.docsWritten += info.docs_written ?? info.change?.docs_written ?? 0
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

export const peerRoutes: FastifyPluginAsync<{ peers: Peers }> = async (app, { peers }) => {
  app.get('/', async (req) => { requireAdmin(req.principal); return peers.list() })
  app.post('/', async (req, reply) => {
    requireAdmin(req.principal)
    const r = await peers.add((req.body ?? {}) as Record<string, unknown>)
    return reply.code(r.result ? 200 : 202).send({ ok: true, ...r })
  })
  app.delete('/:id', async (req) => {
    requireAdmin(req.principal)
    await peers.remove((req.params as { id: string }).id)
    return { ok: true }
  })
}
