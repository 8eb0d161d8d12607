import { createHmac } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { canonicalJson } from '../../src/domain/audit'
import { sameSecret, type Accounts, type Principal } from '../auth/accounts'
import type { Engine } from '../engine'
import type { Pusher } from '../couch/push'
import { rowsByKeys } from '../couch/keys'
import { sameContent } from '../validate/rules'
import { CouchError, badRequest, forbidden, tooLarge, unauthorized } from '../couch/errors'
import { LIMITS } from '../limits'

type Doc = Record<string, unknown> & { _id?: string; _rev?: string }

/**
 * `POST /couch/_hub/import`: an export file carried from a tablet without a network
 * (src/data/carry.ts). Its HMAC is checked with the hash of the origin device's secret (what
 * the hub keeps), so the file may be brought by anyone of that village — another tablet,
 * a clerk, township staff — and its records are judged as if their own device pushed them:
 * the same rules and quarantine. Records the hub already has are skipped.
 */
export const importRoutes: FastifyPluginAsync<{ accounts: Accounts; engine: Engine; pusher: Pusher }> = async (app, { accounts, engine, pusher }) => {
  app.post('/import', async (req) => {
    const p = req.principal
    if (!p) throw unauthorized()
    const b = (req.body ?? {}) as { format?: unknown; village?: unknown; device?: unknown; docs?: unknown; signature?: unknown }
    if (b.format !== 'yishi-export/1' || !Array.isArray(b.docs) || typeof b.signature !== 'string' || typeof b.device !== 'string' || typeof b.village !== 'string') {
      throw badRequest('this is not a Yishi export file (format yishi-export/1)')
    }
    const village = b.village
    const mayBring = p.kind === 'admin' || (p.kind === 'user' && p.role === 'township' ? accounts.villages.get(village)?.township === p.township : (p as { village?: string }).village === village)
    if (!mayBring) throw forbidden(`${p.name} may not bring records of village ${village}`)
    const device = accounts.devices.get(b.device)
    if (!device || device.village !== village) throw forbidden(`device ${b.device} is not enrolled in village ${village}`)
    if (device.revoked) throw forbidden(`device ${b.device} has been revoked; its file is not accepted`)
    const { signature, ...unsigned } = b
    const expected = createHmac('sha256', device.secretHash).update(canonicalJson(unsigned)).digest('hex')
    if (!sameSecret(expected, signature as string)) throw forbidden('the file\'s signature does not match its device: it was changed or made elsewhere')

    const db = `village-${village}`
    if (!(await engine.exists(db))) throw new CouchError(404, 'not_found', 'Database does not exist.')
    if (b.docs.length > LIMITS.docsPerBatch) throw tooLarge(`an export file holds at most ${LIMITS.docsPerBatch} records; export in parts`)
    const docs: Doc[] = (b.docs as unknown[]).map((d, i) => {
      if (d === null || typeof d !== 'object' || Array.isArray(d)) throw badRequest(`record ${i + 1} of the file is not a record`)
      const { id, _id, _rev: _r, _meta: _m, ...rest } = d as Record<string, unknown>
      const named = id ?? _id
      if (typeof named !== 'string' || named === '') throw badRequest(`record ${i + 1} of the file has no id`)
      if (id !== undefined && _id !== undefined && id !== _id) throw badRequest(`record ${i + 1} of the file names two ids`)
      return { ...rest, _id: named }
    })
    const existing = await rowsByKeys(engine.db(db), docs.map((d) => d._id as string), { include_docs: true })
    const current = new Map(existing.rows.filter((r) => r.doc).map((r) => [r.key, r.doc as Doc]))
    let skipped = 0
    const conflicts: string[] = []
    const fresh = docs.filter((d) => {
      const cur = current.get(d._id as string)
      if (!cur) return true
      if (sameContent({ ...d, _rev: cur._rev }, cur)) skipped++
      else conflicts.push(d._id as string)
      return false
    })
    const as: Principal = { kind: 'device', name: device.id, township: device.township, village }
    const results = fresh.length > 0 ? await pusher.push(as, db, fresh, true) : []
    const refused = results.filter((r) => 'error' in r).map((r) => ({ id: r.id, reason: 'reason' in r ? r.reason : '' }))
    req.log.info({ village, device: device.id, by: p.name, added: results.length - refused.length, skipped, refused: refused.length }, 'export file imported')
    return { ok: true, added: results.length - refused.length, skipped, conflicts, refused }
  })
}
