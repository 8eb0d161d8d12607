import type { FastifyPluginAsync } from 'fastify'
import type { Engine } from '../engine'
import { AccountError, type Accounts } from '../auth/accounts'
import { RotationError, type Provenance } from '../validate/signature'
import { CouchError, badRequest, forbidden, unauthorized } from '../couch/errors'

/**
 * Device keys under /couch/_hub (the rule: validate/signature.ts).
 * - `POST /device-key` `{ publicKey, unsignedUpTo }`: a tablet enrolled before keys existed registers
 *   its key once, authenticated by its device credential; answers `{ hubKey, certificate }` (the same
 *   key again gets a fresh certificate; another key: 409, the tablet must be enrolled again). Its
 *   `unsignedUpTo` is capped at the highest seq of the audit events the hub holds from it: a tablet
 *   can declare unsigned only records it has already sent, never ones still to come.
 * - `GET /trust[?village=]`: the village's device keys with revocations, signed by the hub — for its
 *   devices and accounts, township staff of its township and the admin. Tablets fetch it whenever
 *   online and hand it on to peers: that is how a revocation reaches tablets that never meet the hub.
 *   Once the hub's key has rotated, the list carries the key history (`chain`) tablets follow.
 * - `GET /hub-keys`: the hub's key and its history (public), for anyone signed in.
 * - `POST /hub-key/rotate` (admin): replaces the hub's signing key (validate/signature.ts `rotate`);
 *   answers the succession the old key signed.
 */
export const keyRoutes: FastifyPluginAsync<{ accounts: Accounts; provenance: Provenance; engine: Engine }> = async (app, { accounts, provenance, engine }) => {
  app.post('/device-key', async (req) => {
    const p = req.principal
    if (!p) throw unauthorized()
    if (p.kind !== 'device') throw forbidden('only an enrolled tablet registers its own key')
    const b = (req.body ?? {}) as { publicKey?: unknown; unsignedUpTo?: unknown }
    if (typeof b.publicKey !== 'string' || typeof b.unsignedUpTo !== 'number') throw badRequest('publicKey and unsignedUpTo are required')
    const publicKey = b.publicKey
    const unsignedUpTo = Math.min(b.unsignedUpTo, await highestSeqSent(engine, p.village, p.name))
    const device = await accounts.registerKey(p.name, publicKey, unsignedUpTo).catch((e: unknown) => {
      if (e instanceof AccountError) throw new CouchError(e.status, e.status === 409 ? 'conflict' : e.status === 404 ? 'not_found' : 'bad_request', e.message)
      throw e
    })
    req.log.info({ device: device.id, unsignedUpTo: device.unsignedUpTo }, 'device key registered')
    const certificate = await provenance.certificate(device) // first: it reads the key as stored
    return { hubKey: provenance.hubKey, hubKeys: provenance.history, certificate }
  })

  app.get('/trust', async (req) => {
    const p = req.principal
    if (!p) throw unauthorized()
    const asked = (req.query as { village?: string }).village
    const village = p.kind === 'device' || (p.kind === 'user' && p.role !== 'township') ? p.village : asked
    if (!village || !accounts.villages.has(village)) throw badRequest('which village? (?village=)')
    const may = p.kind === 'admin' || (p.kind === 'user' && p.role === 'township' ? accounts.villages.get(village)?.township === p.township : p.village === village)
    if (!may) throw forbidden(`${p.name} may not read the device keys of village ${village}`)
    return provenance.trustList(village)
  })

  app.get('/hub-keys', async (req) => {
    if (!req.principal) throw unauthorized()
    return { hubKey: provenance.hubKey, chain: provenance.history }
  })

  app.post('/hub-key/rotate', async (req) => {
    const p = req.principal
    if (!p) throw unauthorized()
    if (p.kind !== 'admin') throw forbidden('only the hub\'s admin rotates its key')
    const succession = await provenance.rotate().catch((e: unknown) => {
      if (e instanceof RotationError) throw new CouchError(e.status, 'conflict', e.message)
      throw e
    })
    req.log.warn({ index: succession.index, key: succession.next }, 'hub signing key rotated')
    return { ok: true, index: succession.index, previous: succession.previous, hubKey: succession.next, from: succession.from }
  })
}

/**
 * The highest record seq of `device` the village database holds, read from its audit events
 * (`audit:<device>-<n>`, each stamped after the record it tells of): 0 when it has sent none.
 */
async function highestSeqSent(engine: Engine, village: string, device: string): Promise<number> {
  const name = `village-${village}`
  if (!(await engine.exists(name))) return 0
  const db = engine.db(name)
  let highest = 0
  let startkey = `audit:${device}-`
  for (let page = 0; page < 10_000; page++) {
    const r = await db.allDocs({ startkey, endkey: `audit:${device}-\ufff0`, include_docs: true, limit: 500, ...(page > 0 ? { skip: 1 } : {}) })
    for (const row of r.rows) {
      const doc = row.doc as { device?: unknown; seq?: unknown } | null | undefined
      if (doc?.device === device && typeof doc.seq === 'number' && doc.seq > highest) highest = doc.seq
    }
    if (r.rows.length < 500) break
    startkey = r.rows[r.rows.length - 1]!.key
  }
  return highest
}
