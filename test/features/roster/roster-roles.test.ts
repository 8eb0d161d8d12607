import { afterEach, describe, expect, it } from 'vitest'
import { useActingStore, ActRefused } from '@/stores/acting'
import { useRosterStore, type RosterRow } from '@/stores/roster'
import { rolesChangeProblem } from '@/shared/rosterroles'
import type { Role } from '@/domain'
import { eventually } from '../support/village'
import { mountFeature } from '../support/mount'
import RosterView from '@/features/roster/RosterView.vue'
import { CLERK_PASSPHRASE, openVoteVillage, villageHub, withClerkKey } from '../votes/village'

// Issue #14: who holds a role is the clerk's signed act (roster.roles, their own passphrase): the roles
// then count on this tablet, the hub and the township; roles in force are never taken away unsigned.

type Village = Awaited<ReturnType<typeof openVoteVillage>>
let v: Village | null = null
afterEach(async () => { await v?.close(); v = null })

const row = (name: string, household: string, roles: Role[]): RosterRow => ({ household, name, unit: '一组', roles, adult: true, eligible: true, householdHead: true })

describe('roles on the roster screen', { timeout: 60_000 }, () => {
  it('the clerk gives a villager a role with their own passphrase: signed with their key, it counts', async () => {
    v = await openVoteVillage()
    const clerkKey = await withClerkKey(v.data, v.kv, v.now() - 120_000)
    const acting = useActingStore(v.pinia)
    const roster = useRosterStore(v.pinia)
    await eventually(() => acting.candidatesFor('roster.roles').length === 1)
    const before = await v.data.persons.get('person:zhang')
    const done = roster.updatePerson('person:zhang', row('张秀英', '3-12', ['supervisor']))
    await eventually(() => acting.request?.act === 'roster.roles')
    expect(acting.request?.candidates.map((c) => c.id)).toEqual(['person:clerk'])
    expect(await acting.answer('person:clerk', CLERK_PASSPHRASE)).toEqual({ ok: true })
    await done
    const after = await v.data.persons.get('person:zhang')
    expect(after).toMatchObject({ roles: ['supervisor'], rolesSig: { by: 'person:clerk', keyId: clerkKey.id } })
    await eventually(() => acting.persons.find((p) => p.id === 'person:zhang')?.roles.includes('supervisor') ?? false)
    // the change the hub and every other tablet take (src/shared/rosterroles.ts, the one rule)
    const ctx = { village: v.data.writer.identity.villageId, hubKeys: villageHub(v.data, v.kv).keys, keys: [clerkKey], roster: await v.data.persons.list() }
    expect(rolesChangeProblem(before, after!, ctx)).toBeNull()
  })

  it('without a clerk\'s key on this tablet, roles in force are not taken away, and new roles wait unsigned, counting for nothing', async () => {
    v = await openVoteVillage()
    const acting = useActingStore(v.pinia)
    const roster = useRosterStore(v.pinia)
    await eventually(() => acting.persons.find((p) => p.id === 'person:sup1')?.roles.includes('supervisor') ?? false)
    await expect(roster.updatePerson('person:sup1', row('李监事', '1-02', []))).rejects.toBeInstanceOf(ActRefused)
    expect(acting.refusal).toEqual({ code: 'no-one', act: 'roster.roles' })
    expect((await v.data.persons.get('person:sup1'))?.roles).toEqual(['supervisor'])

    await roster.importRows([row('新监事', '7-01', ['supervisor'])])
    await eventually(() => roster.people.some((p) => p.name === '新监事'))
    const added = roster.people.find((p) => p.name === '新监事')!
    expect(added.roles).toEqual(['supervisor'])
    expect(added.rolesSig).toBeUndefined()
    expect(acting.persons.find((p) => p.id === added.id)?.roles).toEqual([])
    // the roster screen says so beside that person, and only there
    const { wrapper } = await mountFeature(RosterView, { pinia: v.pinia })
    await eventually(() => wrapper.findAll('[data-testid="roster-person"]').length > 0)
    const pending = wrapper.findAll('[data-testid="roster-person"]').filter((b) => b.find('[data-testid="roster-roles-pending"]').exists())
    expect(pending.map((b) => b.find('.roster-name').text())).toEqual(['新监事'])
    expect(pending[0]!.text()).toContain('职务还没有文书签名，暂不生效')
    wrapper.unmount()
  })

  it('roles imported while no clerk\'s key was here are signed later by the clerk, from the roster screen, and then count', async () => {
    v = await openVoteVillage()
    const acting = useActingStore(v.pinia)
    const roster = useRosterStore(v.pinia)
    await roster.importRows([row('新监事', '7-01', ['supervisor'])])
    await eventually(() => roster.pending.length === 1)
    await withClerkKey(v.data, v.kv, v.now() - 120_000)
    const { wrapper } = await mountFeature(RosterView, { pinia: v.pinia })
    await eventually(() => wrapper.find('[data-testid="roster-sign-pending"]').exists())
    expect(wrapper.get('[data-testid="roster-sign-pending"]').text()).toContain('让 1 人的职务生效')
    await wrapper.get('[data-testid="roster-sign-pending"]').trigger('click')
    await eventually(() => acting.request?.act === 'roster.roles')
    expect(await acting.answer('person:clerk', CLERK_PASSPHRASE)).toEqual({ ok: true })
    const id = roster.people.find((p) => p.name === '新监事')!.id
    await eventually(() => acting.persons.find((p) => p.id === id)?.roles.includes('supervisor') ?? false)
    await eventually(() => !wrapper.find('[data-testid="roster-sign-pending"]').exists() && !wrapper.find('[data-testid="roster-roles-pending"]').exists())
    wrapper.unmount()
  })
})
