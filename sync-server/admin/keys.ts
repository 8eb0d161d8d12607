import type { FastifyPluginAsync } from 'fastify'
import { AccountError, type Accounts } from '../auth/accounts'
import type { Provenance } from '../validate/signature'
import { CouchError, badRequest, forbidden, unauthorized } from '../couch/errors'

/**
 * Device keys under /couch/_hub (the rule: validate/signature.ts).
 * - `POST /device-key` `{ publicKey, unsignedUpTo }`: a tablet enrolled before keys existed registers
 *   its key once, authenticated by its device credential; answers `{ hubKey, certificate }` (the same
 *   key again gets a fresh certificate; another key: 409, the tablet must be enrolled again).
 * - `GET /trust[?village=]`: the village's device keys with revocations, signed by the hub — for its
 *   devices and accounts, township staff of its township and the admin. Tablets fetch it whenever
 *   online and hand it on to peers: that is how a revocation reaches tablets that never meet the hub.
 */
export const keyRoutes: FastifyPluginAsync<{ accounts: Accounts; provenance: Provenance }> = async (app, { accounts, provenance }) => {
  app.post('/device-key', async (req) => {
    const p = req.principal
    if (!p) throw unauthorized()
    if (p.kind !== 'device') throw forbidden('only an enrolled tablet registers its own key')
    const b = (req.body ?? {}) as { publicKey?: unknown; unsignedUpTo?: unknown }
    if (typeof b.publicKey !== 'string' || typeof b.unsignedUpTo !== 'number') throw badRequest('publicKey and unsignedUpTo are required')
    const publicKey = b.publicKey
    const unsignedUpTo = b.unsignedUpTo
    const device = await accounts.registerKey(p.name, publicKey, unsignedUpTo).catch((e: unknown) => {
      if (e instanceof AccountError) throw new CouchError(e.status, e.status === 409 ? 'conflict' : e.status === 404 ? 'not_found' : 'bad_request', e.message)
      throw e
    })
    req.log.info({ device: device.id, unsignedUpTo: device.unsignedUpTo }, 'device key registered')
    return { hubKey: provenance.hubKey, certificate: await provenance.certificate(device) }
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
}
