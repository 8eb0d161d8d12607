import type { FastifyPluginAsync } from 'fastify'
import type { Engine } from '../engine'
import type { Accounts, Principal } from '../auth/accounts'
import type { Provenance } from '../validate/signature'
import { hubRoster } from '../validate/signing'
import { migrateBody } from '../../src/shared/schemas/index'
import type { Pusher } from '../couch/push'
import { writeSignedRoles } from './roles'
import { CouchError, badRequest, forbidden, unauthorized } from '../couch/errors'

const KEY_TEXT = /^[A-Za-z0-9_-]{43}$/
const PERSON_ID = /^person:[A-Za-z0-9_.:-]{1,120}$/

/** May `p` vouch for a clerk of `village`: the village's own clerk account, its township's staff, or the admin — a person who signed in, never a tablet. */
export function mayCertify(accounts: Accounts, p: Principal, village: string): boolean {
  if (p.kind === 'admin') return true
  if (p.kind !== 'user') return false
  if (p.role === 'clerk') return p.village === village
  return p.role === 'township' && accounts.villages.get(village)?.township === p.township
}

/**
 * `POST /couch/_hub/clerk-key` `{ village, personId, publicKey }`: the hub certifies a clerk's own
 * person key (src/shared/personacts.ts: the root every witnessed key goes back to). Asked by a person
 * who signs in with their account — the village's clerk account or its township's staff — never by a
 * tablet's credential (whoever holds one enrolled tablet holds that); for a person the village's
 * roster, as the hub holds it, names as clerk with signed roles. Answers `{ certificate, hubKey, hubKeys }`; the
 * certificate names the village, the person and the key, so it cannot be moved to another of any.
 */
export const clerkKeyRoutes: FastifyPluginAsync<{ accounts: Accounts; provenance: Provenance; engine: Engine; pusher: Pusher }> = async (app, { accounts, provenance, engine, pusher }) => {
  app.post('/clerk-key', async (req) => {
    const p = req.principal
    if (!p) throw unauthorized()
    const b = (req.body ?? {}) as { village?: unknown; personId?: unknown; publicKey?: unknown }
    if (typeof b.village !== 'string' || typeof b.personId !== 'string' || !PERSON_ID.test(b.personId) || typeof b.publicKey !== 'string' || !KEY_TEXT.test(b.publicKey)) {
      throw badRequest('village, personId (person:…) and publicKey are required')
    }
    const { village, personId, publicKey } = b as { village: string; personId: string; publicKey: string }
    if (p.kind === 'device') throw forbidden('a tablet alone cannot certify a clerk\'s key: the clerk or the township signs in with their own account')
    if (!accounts.villages.has(village) || !mayCertify(accounts, p, village)) throw forbidden(`${p.name} may not certify a clerk's key for village ${village}`)
    const db = `village-${village}`
    // the roles that count: signed by this hub or a certified clerk (src/shared/rosterroles.ts)
    const roster = (await engine.exists(db)) ? await hubRoster(engine.db(db), village, provenance.keys) : []
    if (!roster.some((r) => r.id === personId && r.roles?.includes('clerk'))) {
      // a roster imported offline names its clerk unsigned: the account that vouches for the clerk's key vouches for the role too
      const raw = (await engine.exists(db)) ? await engine.db(db).get(personId).catch(() => null) as Record<string, unknown> | null : null
      const roles = rosterRoles(raw)
      if (roles.includes('clerk')) await writeSignedRoles({ engine, provenance, pusher }, p, village, personId, roles)
    }
    const signed = (await engine.exists(db)) ? await hubRoster(engine.db(db), village, provenance.keys) : []
    if (!signed.some((r) => r.id === personId && r.roles?.includes('clerk'))) throw new CouchError(409, 'conflict', `${personId} is not a clerk on the village's roster the hub holds: sync the roster first`)
    const certificate = await provenance.certifyClerkKey(village, { personId, publicKey }, p.name)
    req.log.info({ village, personId, by: p.name }, 'clerk key certified')
    return { certificate, hubKey: provenance.hubKey, hubKeys: provenance.history }
  })
}

/** A person record's roles as written (signed or not), from the hub's stored document. */
function rosterRoles(doc: Record<string, unknown> | null): string[] {
  if (!doc || doc._deleted || doc.refused !== undefined || doc.kind !== 'person' || typeof doc.v !== 'number' || typeof doc.body !== 'object' || doc.body === null) return []
  try {
    const roles = migrateBody('person', doc.v, doc.body as Record<string, unknown>).body.roles
    return Array.isArray(roles) ? roles.map(String) : []
  } catch { return [] }
}
