import { describe, expect, it } from 'vitest'
import { laterSignedRoles, rolesChangeProblem, rolesSigProblem, signedRoster, type PersonRoles, type RolesContext } from '@/shared/rosterroles'
import { unentitledSigner, witnessProblem } from '@/shared/personacts'
import { certifiedClerkKey, testHub, witnessedKey } from '../support/personkeys'
import { clerkRolesSig, hubRolesSig } from '../support/roles'

const T0 = Date.UTC(2026, 4, 1)
const V = 'qingbo'

describe('roles count only when the hub or a certified clerk signed them', () => {
  const hub = testHub()
  const clerkKey = certifiedClerkKey(V, 'person:clerk', T0, 'personkey:clerk', hub.secretKey)
  const clerk: PersonRoles = { id: 'person:clerk', roles: ['clerk'], rolesSig: hubRolesSig(V, 'person:clerk', ['clerk'], T0, hub.secretKey) }
  const sup: PersonRoles = { id: 'person:sup', roles: ['supervisor'], rolesSig: clerkRolesSig(V, 'person:sup', ['supervisor'], T0 + 1000, clerkKey) }
  const roster = [clerk, sup]
  const ctx: RolesContext = { village: V, hubKeys: hub.keys, keys: [clerkKey.record], roster }

  it('takes roles signed by the hub, or by the clerk with their certified key', () => {
    expect(rolesSigProblem(clerk, ctx)).toBeNull()
    expect(rolesSigProblem(sup, ctx)).toBeNull()
    expect(signedRoster(roster, ctx).map((p) => p.roles)).toEqual([['clerk'], ['supervisor']])
  })

  it('counts no roles a tablet wrote itself, edited after signing, moved to another person or village, or signed by a stranger\'s hub', () => {
    const self: PersonRoles = { id: 'person:me', roles: ['supervisor'] }
    expect(rolesSigProblem(self, ctx)).toBe('unsigned')
    expect(rolesSigProblem({ ...sup, roles: ['supervisor', 'clerk'] }, ctx)).toBe('bad-signature')
    expect(rolesSigProblem({ ...sup, id: 'person:me' }, ctx)).toBe('bad-signature')
    expect(rolesSigProblem(sup, { ...ctx, village: 'mingyue' })).not.toBeNull()
    const other = testHub()
    expect(rolesSigProblem({ ...clerk, rolesSig: hubRolesSig(V, 'person:clerk', ['clerk'], T0, other.secretKey) }, ctx)).toBe('bad-signature')
    expect(signedRoster([clerk, self], ctx).find((p) => p.id === 'person:me')?.roles).toEqual([])
  })

  it('counts no roles signed by a key that is not a certified clerk\'s, or by someone no longer clerk', () => {
    const witnessed = witnessedKey(V, 'person:sup', T0, 'personkey:sup', clerkKey)
    const bySup = { id: 'person:me', roles: ['supervisor'], rolesSig: clerkRolesSig(V, 'person:me', ['supervisor'], T0 + 5, witnessed) }
    expect(rolesSigProblem(bySup, { ...ctx, keys: [clerkKey.record, witnessed.record] })).toBe('uncertified-key')
    const formerClerk = { ...clerk, roles: [], rolesSig: hubRolesSig(V, 'person:clerk', [], T0 + 10, hub.secretKey) }
    expect(rolesSigProblem(sup, { ...ctx, roster: [formerClerk, sup] })).toBe('signer-not-clerk')
  })

  it('a clerk or supervisor by unsigned roles witnesses and co-signs nothing', () => {
    const fake: PersonRoles = { id: 'person:fake', roles: ['clerk', 'supervisor'] }
    const counted = signedRoster([clerk, fake], ctx)
    const cosign = { ledgerId: 'ledger:l1', supervisorId: 'person:fake', approve: true, note: '', at: T0 }
    expect(unentitledSigner('cosign', cosign, counted)?.personId).toBe('person:fake')
    const key = witnessedKey(V, 'person:x', T0 + 10, 'personkey:x', null, { witnessedBy: 'person:fake' })
    expect(witnessProblem(key.record, [key.record], { village: V, roster: counted, hubKeys: hub.keys })).toBe('not-clerk')
  })
})

describe('a change of roles', () => {
  const hub = testHub()
  const clerkKey = certifiedClerkKey(V, 'person:clerk', T0, 'personkey:clerk', hub.secretKey)
  const clerk: PersonRoles = { id: 'person:clerk', roles: ['clerk'], rolesSig: hubRolesSig(V, 'person:clerk', ['clerk'], T0, hub.secretKey) }
  const sup: PersonRoles = { id: 'person:sup', roles: ['supervisor'], rolesSig: clerkRolesSig(V, 'person:sup', ['supervisor'], T0 + 1000, clerkKey) }
  const ctx: RolesContext = { village: V, hubKeys: hub.keys, keys: [clerkKey.record], roster: [clerk, sup] }

  it('keeps a name or household edit that leaves roles and signature as they were', () => {
    expect(rolesChangeProblem(sup, { ...sup }, ctx)).toBeNull()
    expect(rolesChangeProblem({ id: 'person:old', roles: ['clerk'] }, { id: 'person:old', roles: ['clerk'] }, ctx)).toBeNull()
    expect(rolesChangeProblem(null, { id: 'person:new', roles: [] }, ctx)).toBeNull()
  })

  it('refuses roles that count changed without a signature: stripping the clerk or the supervisor, or swapping their roles', () => {
    expect(rolesChangeProblem(clerk, { id: 'person:clerk', roles: [] }, ctx)).toEqual({ code: 'unsigned', problem: 'unsigned' })
    expect(rolesChangeProblem(sup, { ...sup, roles: [] }, ctx)).toEqual({ code: 'unsigned', problem: 'bad-signature' })
    expect(rolesChangeProblem(sup, { id: 'person:sup', roles: ['clerk'] }, ctx)?.code).toBe('unsigned')
  })

  it('takes unsigned roles only where nothing counted: they count for nothing until signed', () => {
    const self = { id: 'person:me', roles: ['supervisor'] }
    expect(rolesChangeProblem(null, self, ctx)).toBeNull()
    expect(rolesChangeProblem({ id: 'person:me', roles: [] }, self, ctx)).toBeNull()
    expect(signedRoster([clerk, self], ctx).find((p) => p.id === 'person:me')?.roles).toEqual([])
    // a made-up time on unsigned roles does not block the signature that comes later
    const blocker = { id: 'person:me', roles: ['supervisor'], rolesSig: { at: 9e12, by: 'x', keyId: 'hub', signature: 'A'.repeat(86) } }
    const signed = { id: 'person:me', roles: ['supervisor'], rolesSig: clerkRolesSig(V, 'person:me', ['supervisor'], T0 + 5000, clerkKey) }
    expect(rolesChangeProblem(blocker, signed, ctx)).toBeNull()
  })

  it('takes a change the clerk signed, refuses an older signature replayed', () => {
    const newer = { id: 'person:sup', roles: [], rolesSig: clerkRolesSig(V, 'person:sup', [], T0 + 2000, clerkKey) }
    expect(rolesChangeProblem(sup, newer, ctx)).toBeNull()
    const older = { id: 'person:sup', roles: ['supervisor'], rolesSig: clerkRolesSig(V, 'person:sup', ['supervisor'], T0 + 500, clerkKey) }
    expect(rolesChangeProblem(newer, older, { ...ctx, roster: [clerk, newer] })).toEqual({ code: 'replayed', at: T0 + 2000 })
  })

  it('refuses stripping the last clerk, even signed; takes it once another clerk holds the role', () => {
    const stripped = { id: 'person:clerk', roles: [], rolesSig: hubRolesSig(V, 'person:clerk', [], T0 + 3000, hub.secretKey) }
    expect(rolesChangeProblem(clerk, stripped, ctx)).toEqual({ code: 'last-clerk' })
    const second = { id: 'person:c2', roles: ['clerk'], rolesSig: hubRolesSig(V, 'person:c2', ['clerk'], T0 + 10, hub.secretKey) }
    expect(rolesChangeProblem(clerk, stripped, { ...ctx, roster: [clerk, sup, second] })).toBeNull()
  })
})

describe('whose roles prevail when two edits of one person meet', () => {
  const hub = testHub()
  const signed = (at: number) => ({ rolesSig: hubRolesSig(V, 'person:li', ['supervisor'], at, hub.secretKey) })
  it('signed over unsigned, the later signature over the earlier; undecided when neither is signed or both at once', () => {
    expect(laterSignedRoles(signed(T0), {})).toBe('a')
    expect(laterSignedRoles({}, signed(T0))).toBe('b')
    expect(laterSignedRoles(signed(T0), signed(T0 + 1))).toBe('b')
    expect(laterSignedRoles(signed(T0 + 1), signed(T0))).toBe('a')
    expect(laterSignedRoles({}, {})).toBeNull()
    expect(laterSignedRoles(signed(T0), signed(T0))).toBeNull()
    // something that is not a signature signs nothing
    expect(laterSignedRoles({ rolesSig: { at: T0 } }, {})).toBeNull()
  })
})
