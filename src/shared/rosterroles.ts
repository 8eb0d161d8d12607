/**
 * A person's roles on the village's roster are signed (the one rule of hub, tablet and township).
 *
 * Roles grant power: a clerk witnesses keys, a supervisor co-signs expenses and opens seals, a council
 * member signs minutes as chair. So a person record's `roles` carry `rolesSig`, a signature over the
 * claim `yishi-roles/1` (the village, the person, their roles sorted, the time `at`), made either
 * - by the hub's key (`keyId` 'hub', `by` the account that asked: the village's clerk account, its
 *   township's staff or the admin, through `POST /couch/_hub/roles`), good by the hub's key at `at`
 *   (src/shared/hubkeys.ts: a retired key for what it signed before its retirement); or
 * - by a clerk's own person key (`by` the clerk's person id, `keyId` their `personkey` record): a key
 *   the hub certified as that clerk's (`certified`, src/shared/personacts.ts), good at `at` (from its
 *   creation until the clerk's next certified key), of a person whom the roster names as clerk with
 *   roles themselves signed (checked one level deep: two clerks who named each other stay clerks).
 * Roles without a valid signature count as no roles wherever roles grant power (`signedRoles`,
 * `signedRoster`). Roles that count change only signed (`rolesChangeProblem`): newer than the signature
 * they replace (no replay of an older one), and never stripping the village's last clerk. Roles that
 * count for nothing may be written unsigned (a roster imported offline: they wait for a signature), and
 * a person with no roles needs none (a roster of plain residents imports as before).
 */
import { verifyValue, signValue } from './signature'
import { keysAt, type HubKeys } from './hubkeys'
import { certified, verifyPersonKey, type PersonKeyRecord } from './personacts'
import { refusal, type Refusal } from './refusal'

export const ROLES_FORMAT = 'yishi-roles/1'
/** `keyId` of a signature made with the hub's key. */
export const HUB_ROLES_KEY = 'hub'

/** The signature over a person's roles: when, by whom (an account or a clerk's person id), with which key. */
export interface RolesSig { at: number; by: string; keyId: string; signature: string }

/** A person of the roster as far as roles go. */
export interface PersonRoles { id: string; roles: readonly string[]; rolesSig?: RolesSig | undefined }

/** What the roles are checked against: the village, the hub's keys (null: not pinned yet), the village's person keys and roster. */
export interface RolesContext {
  village: string
  hubKeys: HubKeys | null
  keys: readonly PersonKeyRecord[]
  /** the roster the signer is looked up in (for a change: the roster as the receiver holds it) */
  roster: readonly PersonRoles[]
}

export type RolesSigProblem = 'unsigned' | 'bad-signature' | 'unknown-key' | 'other-person' | 'uncertified-key' | 'key-out-of-time' | 'signer-not-clerk'

/** Why a change of roles is refused (`rolesChangeProblem`). */
export type RolesChangeProblem = { code: 'unsigned'; problem: RolesSigProblem } | { code: 'replayed'; at: number } | { code: 'last-clerk' }

const sorted = (roles: readonly string[]) => [...new Set(roles)].sort()

/** What a roles signature covers: the village, the person, their roles (sorted) and the time. */
export function rolesClaim(village: string, personId: string, roles: readonly string[], at: number) {
  return { format: ROLES_FORMAT, village, personId, roles: sorted(roles), at }
}

/** A clerk's signature of a person's roles with their own key (`keyId`: the clerk's `personkey` record). */
export function signRoles(village: string, person: { id: string; roles: readonly string[] }, at: number, clerk: { personId: string; keyId: string; secretKey: string }): RolesSig {
  return { at, by: clerk.personId, keyId: clerk.keyId, signature: signValue(rolesClaim(village, person.id, person.roles, at), clerk.secretKey) }
}

/** The hub's signature of a person's roles (`sign`: the hub's signer), asked for by account `by`. */
export async function hubSignRoles(village: string, person: { id: string; roles: readonly string[] }, at: number, by: string, sign: (value: unknown) => Promise<string>): Promise<RolesSig> {
  return { at, by, keyId: HUB_ROLES_KEY, signature: await sign(rolesClaim(village, person.id, person.roles, at)) }
}

const isSig = (s: unknown): s is RolesSig => {
  const x = s as RolesSig
  return typeof x === 'object' && x !== null && typeof x.at === 'number' && typeof x.by === 'string' && typeof x.keyId === 'string' && typeof x.signature === 'string'
}

/** Whether `key` is good at `at`: from its creation until the same person's next key the hub certified. */
function goodAt(key: PersonKeyRecord, at: number, ctx: RolesContext): boolean {
  const wctx = { village: ctx.village, roster: [], hubKeys: ctx.hubKeys }
  const end = ctx.keys.filter((k) => k.personId === key.personId && k.id !== key.id && (k.replaces === key.id || k.createdAt > key.createdAt) && verifyPersonKey(k) && certified(k, wctx))
    .reduce((m, k) => Math.min(m, k.createdAt), Infinity)
  return at >= key.createdAt && at < end
}

/** `verifyValue`, remembered by content: every screen and summary checks the whole roster again. */
function verified(claim: unknown, signature: string, publicKey: string): boolean {
  const memo = JSON.stringify([claim, signature, publicKey])
  let ok = verifiedClaims.get(memo)
  if (ok === undefined) {
    ok = verifyValue(claim, signature, publicKey)
    if (verifiedClaims.size >= 5000) verifiedClaims.clear()
    verifiedClaims.set(memo, ok)
  }
  return ok
}
const verifiedClaims = new Map<string, boolean>()

function problemAt(person: PersonRoles, ctx: RolesContext, depth: number): RolesSigProblem | null {
  const s = person.rolesSig
  if (!isSig(s)) return 'unsigned'
  const claim = rolesClaim(ctx.village, person.id, person.roles, s.at)
  if (s.keyId === HUB_ROLES_KEY) {
    if (!ctx.hubKeys) return 'unknown-key'
    return keysAt(ctx.hubKeys, s.at).some((k) => verified(claim, s.signature, k)) ? null : 'bad-signature'
  }
  const key = ctx.keys.find((k) => k.id === s.keyId)
  if (!key) return 'unknown-key'
  if (key.personId !== s.by) return 'other-person'
  if (!key.certificate || key.witnessedBy !== key.personId || !verifyPersonKey(key) || !certified(key, { village: ctx.village, roster: [], hubKeys: ctx.hubKeys })) return 'uncertified-key'
  if (!goodAt(key, s.at, ctx)) return 'key-out-of-time'
  if (!verified(claim, s.signature, key.publicKey)) return 'bad-signature'
  if (depth > 0) return null
  // the signer is a clerk on the roster, by roles signed themselves (one level: no endless chain, no cycle)
  const signer = ctx.roster.find((p) => p.id === s.by)
  return signer && signer.roles.includes('clerk') && problemAt(signer, ctx, depth + 1) === null ? null : 'signer-not-clerk'
}

/** Why this person's roles are not vouched for, or null when they are (no roles need no signature). */
export function rolesSigProblem(person: PersonRoles, ctx: RolesContext): RolesSigProblem | null {
  if (person.roles.length === 0) return null
  return problemAt(person, ctx, 0)
}

/** The roles that count: the person's roles when validly signed, none otherwise. */
export function signedRoles(person: PersonRoles, ctx: Omit<RolesContext, 'roster'> & { roster?: readonly PersonRoles[] }): string[] {
  const full = { ...ctx, roster: ctx.roster ?? [] }
  return rolesSigProblem(person, full) === null ? [...person.roles] : []
}

/** The roster with only the roles that count (`signedRoles`): what every rule that roles grant power to reads. */
export function signedRoster<P extends PersonRoles>(persons: readonly P[], ctx: Omit<RolesContext, 'roster'>): P[] {
  const full = { ...ctx, roster: persons }
  // the same person, with no roles when theirs are not signed (an empty list is a list of any role type)
  return persons.map((p) => (rolesSigProblem(p, full) === null ? p : { ...p, roles: [] as P['roles'] }))
}

/** The fields of a person record that travel as one: the roles and the signature over them. */
export const ROLES_FIELDS = ['roles', 'rolesSig'] as const

/**
 * Whose roles prevail when two edits of one person meet (a sync's merge, src/data/conflicts.ts): `a`,
 * `b`, or null when their signatures do not decide (both unsigned, or signed at the same time). Roles
 * go with their own signature — never one edit's roles with the other's signature, which verifies for
 * neither. Signed roles prevail over unsigned ones (unsigned roles never replace roles that count, the
 * hub's rule too), and the later signature over the earlier (the hub and tablets refuse an older one
 * after a newer). The signatures are not verified again here: each side passed the roles rule on its
 * way in (the hub's version the hub's checks, a tablet's own its roster store or its gate from peers
 * and files), and a forged newer signature that prevails is refused by the hub and every tablet.
 */
export function laterSignedRoles(a: { rolesSig?: unknown }, b: { rolesSig?: unknown }): 'a' | 'b' | null {
  const at = (s: unknown) => (isSig(s) ? s.at : -Infinity)
  const [x, y] = [at(a.rolesSig), at(b.rolesSig)]
  return x === y ? null : x > y ? 'a' : 'b'
}

const sameRoles = (a: readonly string[], b: readonly string[]) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b))
const sameSig = (a: RolesSig | undefined, b: RolesSig | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

/**
 * Why `after` may not replace `before` (null: a new person) as far as roles go, or null when it may.
 * Unchanged roles and signature (a name or household edit) always may. Roles without a valid signature
 * may be written only over roles that counted for nothing (they count for nothing either: a tablet
 * naming itself supervisor gains nothing, an imported roster's roles wait for a signature); roles that
 * count change only validly signed (the signer looked up in `ctx.roster`, the roster as the receiver
 * holds it), later than the signature they replace, and the last clerk of the roster keeps the role.
 */
export function rolesChangeProblem(before: PersonRoles | null, after: PersonRoles, ctx: RolesContext): RolesChangeProblem | null {
  if (before && sameRoles(before.roles, after.roles) && sameSig(before.rolesSig, after.rolesSig)) return null
  const had = before ? signedRoles(before, ctx) : []
  const problem = after.roles.length === 0 && !after.rolesSig ? 'unsigned' : problemAt(after, ctx, 0)
  // roles that count for nothing may be written while nothing counted before (an imported roster's
  // roles, waiting for the clerk's or the hub's signature); roles that count are never taken away unsigned
  if (problem) return had.length === 0 ? null : { code: 'unsigned', problem }
  // only a signature that holds is replaced by a newer one (a made-up time on unsigned roles blocks nothing)
  const prior = before?.rolesSig
  if (before && isSig(prior) && problemAt(before, ctx, 1) === null && after.rolesSig!.at <= prior.at) return { code: 'replayed', at: prior.at }
  if (had.includes('clerk') && !after.roles.includes('clerk')) {
    const others = ctx.roster.filter((p) => p.id !== after.id && p.roles.includes('clerk') && rolesSigProblem(p, ctx) === null)
    if (others.length === 0) return { code: 'last-clerk' }
  }
  return null
}

/** `rolesChangeProblem` as a refusal (its code, src/shared/refusal.ts): what the hub and a tablet answer. `receiver`: 'the hub' or 'this tablet'. */
export function rolesRefusal(before: PersonRoles | null, after: PersonRoles, ctx: RolesContext, receiver: string): Refusal | null {
  const why = rolesChangeProblem(before, after, ctx)
  if (!why) return null
  const person = after.id
  if (why.code === 'unsigned') return refusal('roles.unsigned', `the roles of ${person} changed without a valid signature of the hub or a certified clerk (${why.problem})`, { person, problem: why.problem })
  if (why.code === 'replayed') return refusal('roles.replayed', `the roles of ${person} carry a signature no newer than the one ${receiver} holds (${new Date(why.at).toISOString()})`, { person, at: why.at })
  return refusal('roles.last-clerk', `${person} is the village's last clerk: the role cannot be removed before someone else holds it`, { person })
}
