import { createHash } from 'node:crypto'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Engine } from '../engine'
import type { Accounts, Principal } from '../auth/accounts'
import type { Sessions } from '../auth/session'
import { CouchError, forbidden, notFound, toCouchError, unauthorized } from '../couch/errors'
import { summarizeVillage } from '../../src/shared/township/summarize'
import { fromCouchDocs } from '../../src/shared/township/records'
import type { TownshipSummary, VillageSummary } from '../../src/shared/township/types'
import { SyncTracker, type PeerView } from './tracker'
import type { HubKeys } from '../../src/shared/hubkeys'

export interface TownshipRouteOptions {
  engine: Engine
  accounts: Accounts
  sessions: Sessions
  /** The hub's peer syncs (sync-server/peers.ts), to tell when data reached the district upstream. */
  peers?: { list(): Promise<PeerView[]> }
  /** The hub's quarantine (couch/quarantine.ts): how many refused records each village has waiting. */
  quarantine: { count(db: string): Promise<number> }
  /** The hub's keys now: they certify the clerks' keys every person's act goes back to (src/shared/personacts.ts). */
  hubKeys: () => HubKeys | null
}

/**
 * Township staff read their villages at a glance: `GET /hub/township/summary` answers one
 * summary per village of the caller's township (admin: `?township=<id>`), computed from the
 * village databases and cached until a database changes. Staff open one village in full
 * through the ordinary CouchDB routes (`/couch/village-<id>/`).
 */
export const townshipRoutes: FastifyPluginAsync<TownshipRouteOptions> = async (app, opts) => {
  const { engine, accounts, sessions } = opts
  const tracker = new SyncTracker(engine)
  await tracker.load()
  tracker.follow()
  const peerWatch = setInterval(() => {
    if (opts.peers) void opts.peers.list().then((l) => tracker.observePeers(l), () => undefined)
  }, 5_000)
  app.addHook('onClose', async () => { clearInterval(peerWatch); await tracker.close() })

  const cache = new Map<string, { seq: string; summary: VillageSummary; at: number }>()
  const computing = new Map<string, Promise<VillageSummary>>()
  /** Notice windows open and close with time: a summary is recomputed at least this often. */
  const MAX_AGE_MS = 3_600_000

  async function compute(villageId: string, seq: string): Promise<VillageSummary> {
    const name = `village-${villageId}`
    const all = await engine.db(name).allDocs({ include_docs: true })
    const docs = fromCouchDocs(all.rows.map((r) => r.doc))
    const now = Date.now()
    const s = summarizeVillage(villageId, docs, now, opts.hubKeys())
    if (!s.name || s.name === villageId) s.name = accounts.villages.get(villageId)?.name ?? villageId
    s.townshipId ||= accounts.villages.get(villageId)?.township ?? ''
    cache.set(name, { seq, summary: s, at: now })
    return s
  }

  // Refused documents held in the hub's quarantine, not yet released, per database (counted from ids).
  const quarantined = (db: string) => opts.quarantine.count(db)

  /** The name a tablet was given at enrollment, for staff to read instead of its code (none given: the hub stored its id). */
  const tabletLabel = (device: string): { label?: string } => {
    const label = accounts.devices.get(device)?.label
    return label && label !== device ? { label } : {}
  }

  /** A village's summary: from the cache while its database is unchanged, else recomputed (once at a time). */
  async function summary(villageId: string, now: number): Promise<VillageSummary> {
    const name = `village-${villageId}`
    const seq = String((await engine.db(name).info()).update_seq)
    const hit = cache.get(name)
    let s: VillageSummary
    if (hit && hit.seq === seq && now - hit.at < MAX_AGE_MS) s = hit.summary
    else {
      let pending = computing.get(name)
      if (!pending) {
        pending = compute(villageId, seq).finally(() => computing.delete(name))
        computing.set(name, pending)
      }
      s = await pending
    }
    // Arrival times change without the records changing: always fresh from the tracker.
    const synced = tracker.get(name)
    return {
      ...s, quarantined: await quarantined(name), lastReachedTownship: synced.last, lastReachedDistrict: synced.district ?? null,
      tablets: s.tablets.map((t) => ({ ...t, ...tabletLabel(t.device), lastSyncAt: synced.devices[t.device] ?? null })),
    }
  }

  // Keep summaries warm in the background: after a village's data changes (once it is quiet
  // for 2 s), and every 15 minutes for those getting old, so staff rarely wait for a recompute.
  let closed = false
  const debounce = new Map<string, NodeJS.Timeout>()
  const warm = (villageId: string) => { if (!closed) void summary(villageId, Date.now()).catch(() => undefined) }
  tracker.onChange = (db) => {
    const villageId = db.slice('village-'.length)
    clearTimeout(debounce.get(db))
    debounce.set(db, setTimeout(() => { debounce.delete(db); warm(villageId) }, 2_000))
  }
  const warmAll = async () => {
    for (const v of [...accounts.villages.values()]) {
      if (closed) return
      const hit = cache.get(`village-${v.id}`)
      if ((!hit || Date.now() - hit.at > MAX_AGE_MS * 0.75) && (await engine.exists(`village-${v.id}`))) {
        await summary(v.id, Date.now()).catch(() => undefined)
      }
    }
  }
  const warmer = setInterval(() => { void warmAll() }, 15 * 60_000)
  const firstWarm = setTimeout(() => { void warmAll() }, 1_000)
  app.addHook('preClose', async () => {
    closed = true
    clearInterval(warmer)
    clearTimeout(firstWarm)
    for (const t of debounce.values()) clearTimeout(t)
    await Promise.allSettled([...computing.values()])
  })

  async function who(req: FastifyRequest): Promise<Principal> {
    const p = await sessions.identify(req)
    if (!p) throw unauthorized()
    return p
  }

  function townshipFor(p: Principal, asked: string | undefined): string {
    if (p.kind === 'admin') {
      if (!asked) throw new CouchError(400, 'bad_request', 'Say which township: ?township=<id>.')
      return asked
    }
    if (p.kind === 'user' && p.role === 'township') {
      if (asked && asked !== p.township) throw forbidden(`${p.name} may see township ${p.township} only.`)
      return p.township
    }
    throw forbidden('Only township staff and admins see township summaries.')
  }

  function fail(reply: FastifyReply, err: unknown) {
    const e = toCouchError(err)
    return reply.code(e.status).send(e.toJSON())
  }

  app.get<{ Querystring: { township?: string } }>('/summary', async (req, reply) => {
    try {
      const p = await who(req)
      const townshipId = townshipFor(p, req.query.township)
      const township = accounts.townships.get(townshipId)
      if (!township) throw notFound(`No township ${townshipId}.`)
      await tracker.refresh() // arrivals other hub processes recorded
      const now = Date.now()
      const ids = [...accounts.villages.values()].filter((v) => v.township === townshipId).map((v) => v.id).sort()
      const villages: VillageSummary[] = []
      for (let i = 0; i < ids.length; i += 4) {
        const batch = ids.slice(i, i + 4)
        const present = await Promise.all(batch.map(async (id) => ((await engine.exists(`village-${id}`)) ? summary(id, now) : null)))
        for (const s of present) if (s) villages.push(s)
      }
      // Frugal on 2G: unchanged summaries cost a 304 (the browser revalidates with its ETag).
      const etag = `"${createHash('sha256').update(JSON.stringify([townshipId, township.name, villages.map(({ computedAt: _c, ...v }) => v)])).digest('base64url').slice(0, 27)}"`
      reply.header('cache-control', 'private, no-cache').header('etag', etag).header('vary', 'Cookie, Authorization')
      if (req.headers['if-none-match'] === etag) return reply.code(304).send()
      const body: TownshipSummary = { townshipId, townshipName: township.name, villages, at: now }
      return reply.send(body)
    } catch (err) {
      return fail(reply, err)
    }
  })
}
