import type { Accounts, Principal } from './accounts'
import { forbidden, unauthorized } from '../couch/errors'

/** The village a database belongs to (`village-<id>`), or null. */
export function villageOf(db: string): string | null {
  return db.startsWith('village-') ? db.slice('village-'.length) : null
}

/**
 * May `p` read and write database `db`? Hub-private databases (`hub-*`) are reachable by
 * no client route. Admin: every other database. Township staff: their township's
 * villages and `township-<id>`. Clerks, supervisors and devices: their own village only.
 */
export function mayUse(accounts: Accounts, p: Principal, db: string): boolean {
  if (db.startsWith('hub-')) return false
  if (p.kind === 'admin') return true
  const village = villageOf(db)
  if (p.kind === 'user' && p.role === 'township') {
    if (db === `township-${p.township}`) return true
    return village !== null && accounts.villages.get(village)?.township === p.township
  }
  return village !== null && village === p.village
}

/** Throws 401 for anonymous, 403 for someone without access to `db`. */
export function requireDb(accounts: Accounts, p: Principal | null, db: string): Principal {
  if (!p) throw unauthorized()
  if (!mayUse(accounts, p, db)) throw forbidden(`${p.name} may not use database ${db}.`)
  return p
}

export function requireAdmin(p: Principal | null): Principal {
  if (!p) throw unauthorized()
  if (p.kind !== 'admin') throw forbidden('You are not a server admin.')
  return p
}
