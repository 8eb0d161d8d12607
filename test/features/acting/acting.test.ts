import { afterEach, describe, expect, it } from 'vitest'
import { ACTS, ACTORS } from '@/domain'
import { createAppI18n } from '@/i18n'
import { allMessages } from '@/i18n/messages'
import ActingPrompt from '@/features/acting/ActingPrompt.vue'
import { useActingStore } from '@/stores/acting'
import { memoryKeyValue, newPersonKey, setClerkPin } from '@/data'
import { mountFeature } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'
import { openVoteVillage, villageHub, withClerkKey, withPersonKey, witnessedPersonKey } from '../votes/village'
import { TRUST_KEY } from '@/data/identity'

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

describe('the prompt that asks the person an act needs', () => {
  it('names every act and every kind of person in both languages (no key shown raw)', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const { global: i18n } = createAppI18n(locale, allMessages())
      for (const act of Object.keys(ACTS)) expect(i18n.te(`acting.act.${act.replace('.', '-')}`), `${locale} ${act}`).toBe(true)
      for (const who of ACTORS) expect(i18n.te(`acting.who.${who}`), `${locale} ${who}`).toBe(true)
    }
  })

  it('on a locked tablet asks the clerk for their PIN, counts wrong tries, and refuses in words when cancelled', async () => {
    village = await openTestVillage({ locked: true })
    const kv = memoryKeyValue()
    await setClerkPin(kv, { personId: 'person:clerk', name: '王文书' }, '2468')
    const acting = useActingStore(village.pinia)
    acting.attach(village.data, { kv })
    const { wrapper: w } = await mountFeature(ActingPrompt, { pinia: village.pinia })
    const asked = acting.authorize('roster.edit')
    await eventually(() => w.find('[data-testid="acting-prompt"]').exists())
    expect(w.get('[data-testid="acting-prompt"]').text()).toContain('要由本人确认：修改村民名册')
    expect(w.get('[data-testid="acting-prompt"]').text()).toContain('这件事只能由文书来做。')
    await w.get('[data-testid="acting-secret"]').setValue('1111')
    await w.get('form').trigger('submit')
    await eventually(() => w.find('[data-testid="acting-error"]').exists(), 8_000)
    expect(w.get('[data-testid="acting-error"]').text()).toBe('密码或口令不对，还可以再试 4 次。')
    await w.get('[data-testid="acting-cancel"]').trigger('click')
    await expect(asked).rejects.toMatchObject({ name: 'ActRefused', code: 'cancelled' })
    await eventually(() => w.find('[data-testid="acting-refused"]').exists())
    expect(w.get('[data-testid="acting-refused"]').text()).toContain('没有做：修改村民名册需要本人输入密码或口令。')
    expect(acting.acting).toBeNull()
    // The clerk's PIN: the act goes ahead, and the clerk acts for a while without typing it again.
    const again = acting.authorize('roster.edit')
    await eventually(() => w.find('[data-testid="acting-secret"]').exists())
    await w.get('[data-testid="acting-secret"]').setValue('2468')
    await w.get('form').trigger('submit')
    await expect(again).resolves.toMatchObject({ person: { id: 'person:clerk' }, signer: null })
    await expect(acting.authorize('meeting.run')).resolves.toMatchObject({ person: { id: 'person:clerk' } })
    // A supervisor's act is not the clerk's, whoever is acting: nobody here may do it.
    await expect(acting.authorize('expense.cosign')).rejects.toMatchObject({ code: 'no-one' })
    w.unmount()
  })
})

// key derivation (PBKDF2, 250k rounds per key: the clerk's, each person's) is slow on a busy machine
describe('whose keys sign acts on this tablet (issue #14: the witness is the clerk\'s own signature)', { timeout: 60_000 }, () => {
  it('a key written naming the real clerk as witness, without the clerk\'s signature, signs nothing: its person is not offered for their acts', async () => {
    const v = await openVoteVillage()
    const acting = useActingStore(v.pinia)
    await withPersonKey(v, 'person:sup2', 'zhao-456789')
    // written behind the app by whoever holds this tablet: it names the clerk, but the clerk never signed it
    const { witness: _w, ...bare } = await witnessedPersonKey(v.data, v.kv, { personId: 'person:sup1', passphrase: '李家院子123', createdAt: v.now() - 60_000 })
    await v.data.personKeys.create({ ...bare, witnessedBy: 'person:clerk' })
    // and one "witnessed" by a villager's key, which no hub certified
    await v.data.personKeys.create({ ...await newPersonKey({ personId: 'person:zhang', passphrase: '张家院子123', repeat: '张家院子123', voucher: { certify: async () => ({ issuedAt: v.now(), by: 'me', sig: 'x'.repeat(86) }) }, createdAt: v.now() - 60_000 }) })
    await eventually(() => acting.keys.length >= 2 && acting.unvouched.length >= 2)
    expect(acting.candidatesFor('expense.cosign').map((c) => c.id)).toEqual(['person:sup2'])
    expect(acting.keys.map((k) => k.personId).sort()).toEqual(['person:clerk', 'person:sup2'])
    expect(acting.unvouched.map((u) => [u.key.personId, u.problem]).sort()).toEqual([['person:sup1', 'unwitnessed'], ['person:zhang', 'not-clerk']])
    await v.close()
  })

  it('a key whose witnessing clerk\'s key has not reached this tablet waits, and signs once it arrives', async () => {
    const v = await openVoteVillage()
    const acting = useActingStore(v.pinia)
    // the clerk's key and a supervisor's key it witnessed, made on another tablet: the supervisor's arrives first
    // another tablet of the same village: the same hub
    const other = await openVoteVillage({ hub: villageHub(v.data, v.kv) })
    const clerkKey = await withClerkKey(other.data, other.kv, other.now() - 120_000)
    v.kv.setItem(TRUST_KEY, JSON.stringify({ hubKey: clerkKey.hub.keys.current, certificate: null, list: null }))
    const sup = await witnessedPersonKey(other.data, other.kv, { personId: 'person:sup1', passphrase: '李家院子123', createdAt: other.now() - 60_000 })
    await v.data.personKeys.create({ ...sup })
    await eventually(() => acting.unvouched.length === 1)
    expect(acting.unvouched[0]!.problem).toBe('waiting')
    expect(acting.candidatesFor('expense.cosign')).toEqual([])
    const { id, meta: _m, hub: _h, ...clerkRecord } = clerkKey
    await v.data.personKeys.create({ ...clerkRecord, id })
    await eventually(() => acting.candidatesFor('expense.cosign').length === 1)
    expect(acting.candidatesFor('expense.cosign').map((c) => c.id)).toEqual(['person:sup1'])
    await v.close()
    await other.close()
  })
})
