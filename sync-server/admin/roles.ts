import type { FastifyPluginAsync } from 'fastify'
import type { Engine } from '../engine'
import type { Accounts, Principal } from '../auth/accounts'
import type { Provenance } from '../validate/signature'
import type { Pusher } from '../couch/push'
import { BODY_VERSIONS, migrateBody } from '../../src/shared/schemas/index'
import { HUB_DEVICE } from '../../src/shared/provenance'
import { hubSignRoles, type RolesSig } from '../../src/shared/rosterroles'
import { ROLES } from '../../src/domain/model/types'
import { CouchError, badRequest, forbidden, unauthorized } from '../couch/errors'
import { mayCertify } from './clerkkeys'

const PERSON_ID = /^person:[A-Za-z0-9_.:-]{1,120}$/

/** The hub's own write sequence for the records it writes here: tenths of a second since the epoch, strictly increasing. */
let hubSeq = 0

/**
 * `POST /couch/_hub/roles` `{ village, personId, roles }`: the hub signs a person's roles with its key
 * (src/shared/rosterroles.ts) and writes the person's record with them, as its own record (device
 * `hub`, signed). Asked by a person who signs in with their account — the village's clerk account, its
 * township's staff or the admin — never by a tablet's credential (whoever holds one enrolled tablet
 * holds that); for a person the hub's roster already holds. The write meets the hub's rules like any
 * push (the last clerk keeps the role). Answers `{ ok, rev, rolesSig }`; a refused change is 409 with
 * the refusal's code.
 */
export const rolesRoutes: FastifyPluginAsync<{ accounts: Accounts; provenance: Provenance; engine: Engine; pusher: Pusher }> = async (app, { accounts, provenance, engine, pusher }) => {
  app.post('/roles', async (req) => {
    const p = req.principal
    if (!p) throw unauthorized()
    const b = (req.body ?? {}) as { village?: unknown; personId?: unknown; roles?: unknown }
    const roles = Array.isArray(b.roles) ? b.roles : null
    if (typeof b.village !== 'string' || typeof b.personId !== 'string' || !PERSON_ID.test(b.personId) || !roles || roles.length > 10
      || roles.some((r) => !(ROLES as readonly unknown[]).includes(r))) {
      throw badRequest(`village, personId (person:…) and roles (of ${ROLES.join(', ')}) are required`)
    }
    const { village, personId } = b as { village: string; personId: string }
    if (p.kind === 'device') throw forbidden('a tablet alone cannot sign roles: the clerk or the township signs in with their own account')
    if (!accounts.villages.has(village) || !mayCertify(accounts, p, village)) throw forbidden(`${p.name} may not sign roles for village ${village}`)
    const { rev, rolesSig, roles: sorted } = await writeSignedRoles({ engine, provenance, pusher }, p, village, personId, roles as string[])
    req.log.info({ village, personId, roles: sorted, by: p.name }, 'roles signed')
    return { ok: true, rev, rolesSig }
  })
}

/**
 * Signs `roles` of `personId` with the hub's key, asked by account `p`, and writes the person's record
 * with them as the hub's own record (device `hub`, signed) through the hub's rules (the last clerk keeps
 * the role). Throws 409 when the roster the hub holds has no such person or the rules refuse the change.
 */
export async function writeSignedRoles(hub: { engine: Engine; provenance: Provenance; pusher: Pusher }, p: Principal, village: string, personId: string, roles: readonly string[]) {
  const { engine, provenance, pusher } = hub
  const dbName = `village-${village}`
  const cur = (await engine.exists(dbName)) ? await engine.db(dbName).get(personId).catch(() => null) as Record<string, unknown> | null : null
  if (!cur || cur._deleted || cur.refused !== undefined || cur.kind !== 'person' || typeof cur.v !== 'number' || typeof cur.body !== 'object' || cur.body === null) {
    throw new CouchError(409, 'conflict', `${personId} is not on the village's roster the hub holds: sync the roster first`)
  }
  const body = migrateBody('person', cur.v, cur.body as Record<string, unknown>).body
  const prior = body.rolesSig as RolesSig | undefined
  const at = Math.max(Date.now(), typeof prior?.at === 'number' ? prior.at + 1 : 0)
  const sorted = [...new Set(roles)].sort()
  const rolesSig = await hubSignRoles(village, { id: personId, roles: sorted }, at, p.name, (v) => provenance.hub.sign(v))
  const seq = hubSeq = Math.max(hubSeq + 1, Math.floor(at / 100))
  const doc: Record<string, unknown> = {
    _id: personId, _rev: cur._rev, kind: 'person', v: BODY_VERSIONS.person, village, year: cur.year, author: p.name, device: HUB_DEVICE,
    deviceTime: at, seq, ref: '', body: { ...body, roles: sorted, rolesSig },
  }
  await provenance.signHubDocs([doc])
  const [result] = await pusher.push(p, dbName, [doc], true)
  if (!result || 'error' in result) {
    const r = result as { reason?: string; code?: string; params?: Record<string, string | number> } | undefined
    throw new CouchError(409, 'conflict', r?.reason ?? 'the hub did not take the roles', {}, r?.code ? { code: r.code, params: r.params ?? {} } : undefined)
  }
  return { rev: String(result.rev), rolesSig, roles: sorted }
}
