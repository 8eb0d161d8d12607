import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify'
import { DB_NAME, type Engine } from './engine'
import type { CouchEngine } from './engine/couch'
import type { LocalEngine } from './engine/local'
import { requireAdmin } from './auth/access'
import { badRequest, notFound } from './couch/errors'
import { PouchPeers } from './peers/pouch'
import { CouchPeers } from './peers/couch'
import type { PeerInput, PeerSync, PeerView } from './peers/types'

export * from './peers/types'

/**
 * Peer sync between hubs (or with an Apache CouchDB): CouchDB replication of chosen databases,
 * on demand or continuous, resumable from checkpoints. On the local engine the hub replicates
 * itself; on CouchDB, CouchDB's replicator does (continuous ones in its `_replicator` database),
 * so hub processes in front of one CouchDB never run the same replication twice.
 */
export class Peers {
  private readonly sync: PeerSync

  constructor(private readonly engine: Engine, log: FastifyBaseLogger) {
    this.sync = engine.kind === 'couchdb' ? new CouchPeers(engine as CouchEngine) : new PouchPeers(engine as LocalEngine, log)
  }

  start(): Promise<void> { return this.sync.start() }
  list(): Promise<PeerView[]> { return this.sync.list() }
  remove(id: string): Promise<void> { return this.sync.remove(id) }
  stopAll(): void { this.sync.stopAll() }

  async add(input: { db?: unknown; remote?: unknown; direction?: unknown; continuous?: unknown }): Promise<{ id: string; result?: unknown }> {
    const db = String(input.db ?? '')
    const remote = String(input.remote ?? '')
    const direction = (input.direction ?? 'both') as PeerInput['direction']
    if (!DB_NAME.test(db) || db.startsWith('hub-')) throw badRequest('db must name a database of this hub')
    if (!/^https?:\/\/.+/.test(remote)) throw badRequest('remote must be the http(s) URL of a database on another hub or CouchDB')
    if (!['push', 'pull', 'both'].includes(direction)) throw badRequest('direction must be push, pull or both')
    if (!(await this.engine.exists(db))) {
      if (direction === 'push') throw notFound('Database does not exist.')
      await this.engine.create(db)
    }
    return this.sync.add({ db, remote, direction, continuous: input.continuous === true })
  }
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
