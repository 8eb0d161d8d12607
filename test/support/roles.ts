/**
 * Roles as the village signs them (src/shared/rosterroles.ts): with a hub's key (as the hub's roles
 * route and the demo seed do) or with a certified clerk's key (as the roster screen does).
 */
import { signValue } from '@/shared/signature'
import { rolesClaim, signRoles, HUB_ROLES_KEY, type RolesSig } from '@/shared/rosterroles'
import type { MadeKey } from './personkeys'

/** The hub's signature of `roles` for `personId` (`hubSecret`: the test hub's secret key). */
export function hubRolesSig(village: string, personId: string, roles: readonly string[], at: number, hubSecret: string, by = 'clerk-account'): RolesSig {
  return { at, by, keyId: HUB_ROLES_KEY, signature: signValue(rolesClaim(village, personId, roles, at), hubSecret) }
}

/** A certified clerk's signature of `roles` for `personId`. */
export function clerkRolesSig(village: string, personId: string, roles: readonly string[], at: number, clerk: MadeKey): RolesSig {
  return signRoles(village, { id: personId, roles }, at, { personId: clerk.record.personId, keyId: clerk.record.id, secretKey: clerk.secret })
}

/** A person record's roles with the hub's signature (spread into a person: `{ ...person, ...hubSigned(...) }`). */
export function hubSigned(village: string, personId: string, roles: readonly string[], hubSecret: string, at = Date.UTC(2026, 0, 1)) {
  return { roles: [...roles], rolesSig: hubRolesSig(village, personId, roles, at, hubSecret) }
}
