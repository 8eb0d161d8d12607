import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as D from '@/domain'
import SealKeysView from '@/features/sealkeys/SealKeysView.vue'
import SealKeysOpenView from '@/features/sealkeys/SealKeysOpenView.vue'
import VoteSetupView from '@/features/votes/VoteSetupView.vue'
import VoteResultsView from '@/features/votes/VoteResultsView.vue'
import ConflictsView from '@/features/conflicts/ConflictsView.vue'
import { newWrappedKeyPair, unwrapSecretKey } from '@/data/sealkeys'
import { signAct, unsignedClaim } from '@/shared/personacts'
import { openPersonKey } from '@/data/personkeys'
import { useSealsStore } from '@/stores/seals'
import { useConflictsStore } from '@/stores/conflicts'
import { useSupervisionStore } from '@/stores/supervision'
import { useActingStore } from '@/stores/acting'
import { useSessionStore } from '@/stores/session'
import { useDeviceNamesStore } from '@/stores/deviceNames'
import { mountFeature } from '../support/mount'
import { createAppI18n } from '@/i18n'
import { allMessages } from '@/i18n/messages'
import { formatters } from '@/i18n/format'
import { answerAsClerkWitness, clerkWitnesses, openApprovalVote, T0 } from '../votes/village'
import { FILLER, certifiedClerkKey, testHub, witnessedKey } from '../../support/personkeys'
import { decidedDoubleVote, PASS, sealVillage, soon, withSealKeys, type SealVillage } from './village'

/** The icons Vant's font draws: a name outside it shows as an empty square, or nothing. */
const VANT_ICONS = new Set([...readFileSync(join(process.cwd(), 'node_modules/vant/lib/index.css'), 'utf8').matchAll(/\.van-icon-([a-z0-9-]+):before/g)].map((m) => m[1]!))
const iconsOf = (w: { findAll(s: string): { classes(): string[] }[] }) => w.findAll('.van-icon').map((i) => i.classes().find((c) => c.startsWith('van-icon-') && c !== 'van-icon')!.slice('van-icon-'.length))

let village: SealVillage | undefined
afterEach(async () => { await village?.close(); village = undefined })

describe('the supervisors\' key screen', { timeout: 60_000 }, () => {
  it('lets each supervisor set up a key with a passphrase typed twice; only the public key is in clear', async () => {
    const v = village = await sealVillage()
    useSessionStore(v.pinia).setEnrollment({ villageId: 'test-village', villageName: '测试村', townshipName: '', deviceId: 'tablet-test' })
    const { wrapper: w } = await mountFeature(SealKeysView, { path: '/seal-keys', pinia: v.pinia })
    const row = () => w.get('[data-testid="sealkey-person:sup1"]')
    await soon(() => w.find('[data-testid="sealkey-person:sup1"]').exists())
    expect(w.find('[data-testid="sealkey-person:clerk"]').exists()).toBe(false)
    expect(row().text()).toContain('李监事')
    expect(row().text()).toContain('还没有设口令')

    await row().get('[data-testid="sealkey-start-person:sup1"]').trigger('click')
    // the rule is said beside the field it is about, as soon as the person leaves it: not at the end of the form
    await row().get('[data-testid="sealkey-pass"]').setValue('12345')
    await row().get('[data-testid="sealkey-pass"]').trigger('blur')
    expect(row().get('[data-testid="sealkey-pass-problem"]').text()).toBe('口令太短：至少要 8 个字母或数字，或者 4 个汉字。')
    expect(row().get('[data-testid="sealkey-pass"]').attributes('aria-invalid')).toBe('true')
    await row().get('[data-testid="sealkey-repeat"]').setValue('12345')
    await row().get('form').trigger('submit')
    expect(row().find('[data-testid="sealkey-error"]').exists()).toBe(false)
    expect(row().find('[data-testid="sealkey-repeat-problem"]').exists()).toBe(false)
    await row().get('[data-testid="sealkey-pass"]').setValue('1234567890')
    expect(row().get('[data-testid="sealkey-pass-problem"]').text()).toBe('口令不能只有数字（容易被猜出），请加上字母或汉字。')
    await row().get('[data-testid="sealkey-pass"]').setValue(PASS['person:sup1'])
    expect(row().find('[data-testid="sealkey-pass-problem"]').exists()).toBe(false)
    await row().get('[data-testid="sealkey-repeat"]').setValue('李家院子124')
    await row().get('form').trigger('submit')
    expect(row().get('[data-testid="sealkey-repeat-problem"]').text()).toBe('两次输入的口令不一样，请重新输入。')
    // nothing was asked of the clerk, nothing written
    expect(useActingStore(v.pinia).request).toBeNull()
    expect(await v.data.sealKeys.list()).toHaveLength(0)

    await row().get('[data-testid="sealkey-repeat"]').setValue(PASS['person:sup1'])
    // both typed: the save button can be pressed
    expect(row().get('[data-testid="sealkey-save"]').attributes('disabled')).toBeUndefined()
    await row().get('[data-testid="sealkey-save"]').trigger('click')
    await answerAsClerkWitness(v.pinia)
    await soon(() => row().attributes('data-has-key') === 'true', 10_000)
    expect(w.get('[data-testid="sealkey-saved"]').text()).toBe('李监事的口令已设好')
    expect(row().find('[data-testid="sealkey-pass"]').exists()).toBe(false)

    const [key] = await v.data.sealKeys.list()
    expect(key).toMatchObject({ personId: 'person:sup1', kdf: 'pbkdf2-sha256', cipher: 'aes-256-gcm' })
    // the same passphrase set up their signing key, witnessed by the clerk's own key (the clerk typed their passphrase), and it signs the seal key
    const signing = (await v.data.personKeys.list()).find((k) => k.personId === 'person:sup1')
    const clerkKey = (await v.data.personKeys.list()).find((k) => k.personId === 'person:clerk')
    expect(signing).toMatchObject({ personId: 'person:sup1', witnessedBy: 'person:clerk', witness: { keyId: clerkKey!.id }, meta: { author: 'person:clerk' } })
    expect(key).toMatchObject({ keyId: signing!.id })
    expect(unsignedClaim('sealkey', 'test-village', key!, [signing!])).toBeNull()
    // the signature covers the sealed secret too (claim 3): a copy garbled on its way is no-one's seal key
    expect(key).toMatchObject({ claim: 3 })
    const garbled = { ...key!, secret: '00'.repeat(48) }
    expect(unsignedClaim('sealkey', 'test-village', garbled, [signing!])?.problem).toBe('bad-signature')
    expect(row().text()).toContain('由王文书见证设置')
    // what a villager can check: whose key, set up when, on which tablet, who witnessed — in words; the
    // fingerprint stays only as small print for staff, never the line a villager reads
    const meta = row().get('[data-testid="sealkey-meta"]')
    expect(meta.text()).toMatch(/^在本平板上设置 · 由王文书见证设置/)
    expect(row().get('[data-testid="sealkey-fp"]').element.tagName).toBe('SMALL')
    expect(row().get('[data-testid="sealkey-fp"]').text()).toMatch(/^工作人员核对用：\S{4} \S{4}$/)
    expect(row().get('.head').text()).toContain('李监事')
    expect(row().get('.head').text()).toMatch(/已设口令（.+）/)
    expect(key!.iterations).toBeGreaterThanOrEqual(200_000)
    // the stored record opens only with the passphrase, and holds the secret of its public key
    const secret = await unwrapSecretKey(key!, PASS['person:sup1'])
    expect(D.sealKeyPair(() => Uint8Array.from(secret.match(/../g)!.map((h) => parseInt(h, 16)))).publicKey).toBe(key!.publicKey)
    expect(JSON.stringify(key)).not.toContain(secret)
    await expect(unwrapSecretKey(key!, 'not-the-passphrase')).rejects.toMatchObject({ code: 'wrong-passphrase' })

    // replacing is a new record (older votes keep opening with the old key)
    await row().get('[data-testid="sealkey-start-person:sup1"]').trigger('click')
    expect(row().text()).toContain('新钥匙只用于以后的投票')
    await row().get('[data-testid="sealkey-pass"]').setValue('新的口令abc')
    await row().get('[data-testid="sealkey-repeat"]').setValue('新的口令abc')
    await row().get('form').trigger('submit')
    await answerAsClerkWitness(v.pinia)
    await soon(() => row().text().includes('已更换过 1 次'), 10_000)
    const keys = await v.data.sealKeys.list({ oldestFirst: true })
    expect(keys).toHaveLength(2)
    expect(keys[1]!.replaces).toBe(keys[0]!.id)
  })
})

describe('the words of the key screen, for a villager', { timeout: 60_000 }, () => {
  it('calls what a person types 口令 and what it opens 钥匙, never 密钥, and says what it is for in short lines', async () => {
    const v = village = await sealVillage()
    const { wrapper: w } = await mountFeature(SealKeysView, { path: '/seal-keys', pinia: v.pinia })
    await soon(() => w.find('[data-testid="sealkey-person:sup1"]').exists())
    expect(w.get('[data-testid="sealkey-person:sup1"]').text()).toContain('还没有设口令')
    await w.get('[data-testid="sealkey-start-person:sup1"]').trigger('click')
    const save = w.get('[data-testid="sealkey-person:sup1"] [data-testid="sealkey-save"]')
    expect(save.text()).toBe('保存口令')
    expect(w.text()).not.toContain('密钥')
    const lines = w.findAll('[data-testid="sealkeys-intro"] p').map((p) => p.text())
    expect(lines.length).toBeGreaterThanOrEqual(5)
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(45)
    // the clerk witnesses with their own passphrase (口令), never their PIN (密码): one word for each, on every screen
    expect(lines.join('')).not.toContain('密码')
    expect(lines).toContain('每个人当着文书的面，在这里设自己的口令，文书输入自己的口令作见证。')
  })
})

describe('what a passphrase is for, by who sets it', { timeout: 60_000 }, () => {
  it('tells a supervisor a forgotten passphrase leaves sealed ballots shut, and a council member only what theirs signs', async () => {
    const v = village = await sealVillage()
    await v.data.persons.create({ id: 'person:council', name: '孙议员', householdId: 'household:5-01', householdHead: true, roles: ['council-member'] })
    const { wrapper: w } = await mountFeature(SealKeysView, { path: '/seal-keys', pinia: v.pinia })
    await soon(() => w.find('[data-testid="sealkey-person:council"]').exists())
    await w.get('[data-testid="sealkey-start-person:council"]').trigger('click')
    expect(w.get('[data-testid="sealkey-person:council"] [data-testid="sealkey-help"]').text()).toBe('口令只有您自己知道，平板和服务器都不保存口令。签会议记录时要输入它。忘了口令，可以当着文书的面重新设一个。')
    expect(w.get('[data-testid="sealkey-person:council"]').text()).not.toContain('封的票')
    await w.get('[data-testid="sealkey-start-person:sup1"]').trigger('click')
    expect(w.get('[data-testid="sealkey-person:sup1"] [data-testid="sealkey-help"]').text()).toContain('用这把钥匙封的票就无法再打开')
  })
})

describe('dates on the key screen', { timeout: 60_000 }, () => {
  it('says when the clerk\'s key was certified and when a supervisor set theirs in the same words as every screen', async () => {
    const v = village = await sealVillage() // the clerk's key, certified an hour before now
    const seals = useSealsStore(v.pinia)
    await soon(() => seals.supervisors.length === 2)
    await clerkWitnesses(v.pinia, () => seals.createKey('person:sup1', PASS['person:sup1'], PASS['person:sup1']))
    useDeviceNamesStore(v.pinia).names = new Map([['tablet-test', '村委会办公室']])
    const { wrapper: w } = await mountFeature(SealKeysView, { path: '/seal-keys', pinia: v.pinia })
    await soon(() => w.find('[data-testid="clerkkey-person:clerk"]').attributes('data-has-key') === 'true' && w.get('[data-testid="sealkey-person:sup1"]').attributes('data-has-key') === 'true')
    const { dateTime } = formatters(createAppI18n('zh-CN', allMessages()).global)
    // and on which tablet, by the name it was enrolled with (never its code)
    expect(w.get('[data-testid="clerkkey-person:clerk"]').text()).toContain(`钥匙已经乡镇服务器确认（${dateTime(v.now() - 3_600_000)}） · 在平板「村委会办公室」上设置`)
    expect(w.get('[data-testid="sealkey-person:sup1"]').text()).toContain(`已设口令（${dateTime(v.now())}）`)
    // one style on the page: no browser-made short date such as "2026/5/10"
    expect(w.text()).not.toMatch(/\d{4}\/\d{1,2}\/\d{1,2}/)
  })
})

describe('seal keys the supervisor did not sign', { timeout: 60_000 }, () => {
  it('are flagged on the key screen and no new vote takes them, even when newer than the supervisor\'s own', async () => {
    const v = village = await sealVillage()
    const seals = useSealsStore(v.pinia)
    await soon(() => seals.supervisors.length === 2)
    await clerkWitnesses(v.pinia, () => seals.createKey('person:sup1', PASS['person:sup1'], PASS['person:sup1']))
    await soon(() => seals.currentKeys.length === 1)
    const own = seals.currentKeys[0]!.publicKey
    // a tablet writes seal keys in both supervisors' names without their signing keys (as an older version did, or anyone could)
    for (const personId of ['person:sup1', 'person:sup2']) await v.data.sealKeys.create({ personId, ...await newWrappedKeyPair(personId, 'someone-else-123'), createdAt: v.now() + 1000 })
    await soon(async () => (await v.data.sealKeys.list()).length === 3 && seals.supervisors.every((s) => s.unsignedKey))
    expect(seals.currentKeys.map((k) => [k.personId, k.publicKey])).toEqual([['person:sup1', own]])
    const { wrapper: w } = await mountFeature(SealKeysView, { path: '/seal-keys', pinia: v.pinia })
    await soon(() => w.find('[data-testid="sealkey-person:sup2"] [data-testid="sealkey-unsigned"]').exists())
    expect(w.get('[data-testid="sealkey-person:sup2"]').text()).toContain('没有本人的签名')
    expect(w.get('[data-testid="sealkey-person:sup2"]').attributes('data-has-key')).toBe('false')
    expect(w.find('[data-testid="sealkey-person:sup1"] [data-testid="sealkey-unsigned"]').exists()).toBe(true)
  })
})

describe('vote set-up with supervisors\' seals', { timeout: 60_000 }, () => {
  async function fillVote(w: Awaited<ReturnType<typeof mountFeature>>['wrapper']) {
    await w.get('[data-testid="setup-title"]').setValue('2026 年项目')
    await w.get('[data-testid="cand-name-1"]').setValue('村口装路灯')
    await w.get('[data-testid="cand-cost-1"]').setValue('30000')
    await w.get('[data-testid="setup-add"]').trigger('click')
    await w.get('[data-testid="cand-name-2"]').setValue('修水渠')
    await w.get('[data-testid="cand-cost-2"]').setValue('40000')
  }

  it('without any key, explains what that means and creates the vote only after an explicit acknowledgement', async () => {
    const v = village = await sealVillage()
    const { wrapper: w, router } = await mountFeature(VoteSetupView, { path: '/votes/new', pinia: v.pinia })
    await soon(() => w.find('[data-testid="setup-seals-none"]').exists())
    expect(w.get('[data-testid="setup-seals-none"]').text()).toContain('无法找出作废')
    expect(w.get('[data-testid="setup-to-keys"]').attributes('href')).toContain('/seal-keys')
    // the link names the page it opens, by that page's title (本人口令), not another word for it (监事钥匙)
    expect(w.get('[data-testid="setup-to-keys"]').text()).toContain('去“本人口令”页')
    expect(w.get('[data-testid="setup-to-keys"]').text()).not.toContain('钥匙')
    await fillVote(w)
    await w.get('form').trigger('submit')
    expect(w.get('[data-testid="setup-error"]').text()).toBe('请先让监事设好钥匙，或勾选上面的确认。')
    expect(await v.data.votes.list()).toHaveLength(0)
    await w.get('[data-testid="setup-seals-ack"]').setValue(true)
    await w.get('form').trigger('submit')
    await soon(() => router.currentRoute.value.name === 'vote')
    const [vote] = await v.data.votes.list()
    expect(vote!.sealKeys).toEqual([])
  })

  it('takes the current public keys of all supervisors, shown by name', async () => {
    const v = village = await sealVillage()
    const keys = await withSealKeys(v)
    const { wrapper: w, router } = await mountFeature(VoteSetupView, { path: '/votes/new', pinia: v.pinia })
    await soon(() => w.find('[data-testid="setup-seal-names"]').exists())
    expect(w.get('[data-testid="setup-seal-names"]').text()).toContain('李监事')
    expect(w.get('[data-testid="setup-seal-names"]').text()).toContain('赵监事')
    expect(w.find('[data-testid="setup-seals-ack"]').exists()).toBe(false)
    // the way to the keys shows the key screen's own lock, not a settings gear
    expect(iconsOf(w.get('[data-testid="setup-to-keys"]'))).toEqual(['lock'])
    await fillVote(w)
    await w.get('form').trigger('submit')
    await soon(() => router.currentRoute.value.name === 'vote')
    const [vote] = await v.data.votes.list()
    expect(vote!.sealKeys).toEqual(keys)
  })
})

describe('opening the void seals together', { timeout: 60_000 }, () => {
  async function decided() {
    const v = village = await sealVillage()
    return { v, ...await decidedDoubleVote(v) }
  }

  it('a seal-key record claiming a supervisor\'s seal key, signed with a key no clerk vouches for here, does not take that supervisor\'s place', async () => {
    const v = village = await sealVillage()
    const [pk1, pk2] = await withSealKeys(v)
    const vote = await openApprovalVote(v, { sealKeys: [pk1, pk2] })
    const seals = useSealsStore(v.pinia)
    await soon(() => seals.sealers(vote.id).every((s) => s.personId !== ''))
    // another tablet's key in 张秀英's name, witnessed by a clerk key this tablet does not hold (it waits), signs a claim on 李监事's seal key
    const elsewhere = certifiedClerkKey('test-village', 'person:clerk', T0 - 7_200_000, 'personkey:elsewhere', testHub().secretKey)
    const squatter = witnessedKey('test-village', 'person:zhang', T0 - 3_600_000, 'personkey:squatter', elsewhere)
    await v.data.personKeys.create({ ...squatter.record, ...FILLER })
    const claim = { id: 'sealkey:claim.squatter', personId: 'person:zhang', publicKey: pk1!, ...FILLER, secret: 'ef'.repeat(32), createdAt: v.now() }
    await v.data.sealKeys.create({ ...claim, keyId: squatter.record.id, signature: signAct('sealkey', 'test-village', claim, squatter.secret) })
    const acting = useActingStore(v.pinia)
    await soon(() => acting.unvouched.some((u) => u.key.id === 'personkey:squatter'))
    await soon(async () => (await v.data.sealKeys.list()).some((k) => k.id === 'sealkey:claim.squatter'))
    expect(seals.sealers(vote.id).map((s) => s.personId)).toEqual(['person:sup1', 'person:sup2'])
  })

  it('says 由李监事开封, not 共同开封, when one supervisor sealed and opened the vote alone', async () => {
    const v = village = await sealVillage()
    const { vote } = await decidedDoubleVote(v, { sealers: 1 })
    const { wrapper: w } = await mountFeature(SealKeysOpenView, { path: `/votes/${vote.id}/seals`, pinia: v.pinia })
    await soon(() => w.find('[data-testid="sealer-1"]').exists())
    expect(w.find('[data-testid="sealer-2"]').exists()).toBe(false)
    expect(w.findAll('[data-testid="seals-intro"] p').length).toBeGreaterThan(1)
    await w.get('[data-testid="sealer-pass-1"]').setValue(PASS['person:sup1'])
    await w.get('[data-testid="sealer-1"] form').trigger('submit')
    await soon(() => w.get('[data-testid="sealer-1"]').attributes('data-unlocked') === 'true', 10_000)
    await soon(() => w.get('[data-testid="seals-open"]').attributes('disabled') === undefined)
    await w.get('[data-testid="seals-open"]').trigger('click')
    await soon(() => w.find('[data-testid="seals-opened"]').exists())
    expect(w.get('[data-testid="seals-opened"]').text()).toContain('已作废 1 张选票，由李监事开封')
    expect(w.get('[data-testid="seals-opened"]').text()).not.toContain('共同')
    w.unmount()
    const results = await mountFeature(VoteResultsView, { path: `/votes/${vote.id}/results`, pinia: v.pinia })
    await soon(() => results.wrapper.find('[data-testid="results-voided"]').exists())
    expect(results.wrapper.get('[data-testid="results-voided"]').text()).toContain('1 张选票已由监事会作废（李监事开封）')
  }, 30_000)

  it('needs every supervisor\'s passphrase in turn; a wrong one records nothing; then only the void ballot is voided and results exclude it', async () => {
    const { v, vote, extra } = await decided()
    // the supervision checklist: the double vote is decided, but its extra ballot is not voided yet
    const supervision = useSupervisionStore(v.pinia)
    supervision.attach(v.data, { now: v.now })
    const check = (key: string) => supervision.checklist.find((c) => c.key === key)?.ok
    await soon(() => check('voidSeals') === false)
    expect(check('doubleVotes')).toBe(true)
    // results before: one ballot more than voters, and the decision waits for the supervisors
    const results = await mountFeature(VoteResultsView, { path: `/votes/${vote.id}/results`, pinia: v.pinia })
    await soon(() => results.wrapper.find('[data-testid="results-void-waiting"]').exists())
    expect(results.wrapper.get('[data-testid="results-surplus"]').text()).toContain('选票比登记投票的人多 1 张')
    expect(results.wrapper.get('[data-testid="results-ballots"]').text()).toBe('共 3 张票（电子 3，纸质 0）')
    expect(results.wrapper.get('[data-testid="result-project:water"]').text()).toContain('1 票')
    // the money waits for the exact result
    expect(results.wrapper.get('[data-testid="results-allocate"]').attributes('disabled')).toBeDefined()
    results.wrapper.unmount()

    // the conflicts queue leads there
    const queue = await mountFeature(ConflictsView, { path: '/conflicts', pinia: v.pinia })
    await soon(() => queue.wrapper.find('[data-testid="conflict-to-seals"]').exists())
    expect(queue.wrapper.get('[data-testid="conflict-to-seals"]').attributes('href')).toBe(`/votes/${vote.id}/seals`)
    queue.wrapper.unmount()

    // a void list written behind the app, naming the council's decision and the right ballot but signed by no supervisor, voids nothing
    const decisionId = (await v.data.decisions.list())[0]!.id
    await v.data.voidLists.create({ voteId: vote.id, ballotIds: [extra], openedBy: ['person:sup1', 'person:sup2'], decisions: [decisionId], at: v.now() })
    await soon(async () => (await v.data.voidLists.list()).length === 1)
    const stillWaiting = await mountFeature(VoteResultsView, { path: `/votes/${vote.id}/results`, pinia: v.pinia })
    await soon(() => stillWaiting.wrapper.find('[data-testid="results-void-waiting"]').exists())
    expect(stillWaiting.wrapper.get('[data-testid="results-ballots"]').text()).toBe('共 3 张票（电子 3，纸质 0）')
    expect(stillWaiting.wrapper.get('[data-testid="result-project:water"]').text()).toContain('1 票')
    stillWaiting.wrapper.unmount()
    expect(check('voidSeals')).toBe(false)

    // 李监事 alone, signing with their own key, voids nothing either: 赵监事 sealed the vote too
    const sup1Key = (await v.data.personKeys.list()).filter((k) => k.personId === 'person:sup1').sort((a, b) => b.createdAt - a.createdAt)[0]!
    const alone = v.data.voidLists.build({ voteId: vote.id, ballotIds: [extra], openedBy: ['person:sup1'], decisions: [decisionId], at: v.now() })
    const aloneSigned = signAct('voidlist', vote.villageId, alone as unknown as { id: string } & Record<string, unknown>, await openPersonKey(sup1Key, PASS['person:sup1']))
    await v.data.voidLists.create({ ...alone, signatures: [{ personId: 'person:sup1', keyId: sup1Key.id, signature: aloneSigned }] })
    await soon(async () => (await v.data.voidLists.list()).length === 2)
    // signed as it should be by the one who opened it: what is missing is the other sealer
    const aloneRecord = { ...alone, signatures: [{ personId: 'person:sup1', keyId: sup1Key.id, signature: aloneSigned }] } as { id: string }
    expect(unsignedClaim('voidlist', vote.villageId, aloneRecord, await v.data.personKeys.list())).toBeNull()
    const oneSupervisor = await mountFeature(VoteResultsView, { path: `/votes/${vote.id}/results`, pinia: v.pinia })
    await soon(() => oneSupervisor.wrapper.find('[data-testid="results-void-waiting"]').exists())
    expect(oneSupervisor.wrapper.get('[data-testid="results-ballots"]').text()).toBe('共 3 张票（电子 3，纸质 0）')
    oneSupervisor.wrapper.unmount()
    expect(check('voidSeals')).toBe(false)
    expect(useConflictsStore(v.pinia).items.find((i) => i.voteId === vote.id)?.voids).toBe('waiting')

    // 李监事 replaced their key after this vote was sealed: the vote still opens with the old one
    await clerkWitnesses(v.pinia, () => useSealsStore(v.pinia).createKey('person:sup1', '换过的新口令', '换过的新口令'))
    const { wrapper: w } = await mountFeature(SealKeysOpenView, { path: `/votes/${vote.id}/seals`, pinia: v.pinia })
    await soon(() => w.find('[data-testid="sealer-2"]').exists())
    await soon(() => w.find('[data-testid="sealer-old-key"]').exists())
    expect(w.get('[data-testid="sealer-1"]').text()).toContain('请输入当时的口令')
    expect(w.find('[data-testid="sealer-2"] [data-testid="sealer-old-key"]').exists()).toBe(false)
    expect(w.get('[data-testid="seals-pending"]').text()).toContain('张秀英')
    // the decision in plain words, no bracket inside a bracket; every icon one Vant draws, the button's not a dustbin
    expect(w.get('[data-testid="seals-pending"]').text()).toContain('张秀英：先投的一张有效，后投的作废')
    expect(w.get('[data-testid="seals-pending"]').text()).not.toMatch(/）（|（[^）]*（/)
    for (const name of iconsOf(w)) expect(VANT_ICONS.has(name), `icon ${name}`).toBe(true)
    expect(iconsOf(w.get('[data-testid="seals-open"]'))).toEqual(['certificate'])
    expect(w.get('[data-testid="seals-unsigned"]').text()).toContain('不算数')
    expect(w.get('[data-testid="sealer-1"]').text()).toContain('李监事')
    expect(w.get('[data-testid="sealer-2"]').text()).toContain('赵监事')
    expect(w.get('[data-testid="seals-open"]').attributes('disabled')).toBeDefined()
    // the field asks for the passphrase; the button beside it confirms it (it repeated 输入口令)
    expect(w.get('[data-testid="sealer-unlock-2"]').text()).toBe('确认口令')

    await w.get('[data-testid="sealer-pass-1"]').setValue('wrong passphrase')
    await w.get('[data-testid="sealer-1"] form').trigger('submit')
    await soon(() => w.find('[data-testid="sealer-error-1"]').exists(), 10_000)
    expect(w.get('[data-testid="sealer-error-1"]').text()).toBe('口令不对，钥匙没有打开。什么都没有记录。')
    expect((w.get('[data-testid="sealer-pass-1"]').element as HTMLInputElement).value).toBe('')
    expect((await v.data.voidLists.list()).map((l) => l.signatures?.length ?? 0).sort()).toEqual([0, 1]) // only the two written behind the app

    // the old passphrase opens the old seal key; the opening is signed with 李监事's key of now
    await w.get('[data-testid="sealer-pass-1"]').setValue(PASS['person:sup1'])
    await w.get('[data-testid="sealer-current-1"]').setValue(PASS['person:sup1'])
    await w.get('[data-testid="sealer-1"] form').trigger('submit')
    await soon(() => w.find('[data-testid="sealer-error-1"]').exists(), 10_000)
    expect(w.get('[data-testid="sealer-error-1"]').text()).toBe('现在的口令不对：开封记录要用您现在的口令签名。什么都没有记录。')
    await w.get('[data-testid="sealer-pass-1"]').setValue(PASS['person:sup1'])
    await w.get('[data-testid="sealer-current-1"]').setValue('换过的新口令')
    await w.get('[data-testid="sealer-1"] form').trigger('submit')
    await soon(() => w.get('[data-testid="sealer-1"]').attributes('data-unlocked') === 'true', 10_000)
    await w.get('[data-testid="sealer-pass-2"]').setValue(PASS['person:sup2'])
    await w.get('[data-testid="sealer-2"] form').trigger('submit')
    await soon(() => w.get('[data-testid="sealer-2"]').attributes('data-unlocked') === 'true', 10_000)
    await soon(() => w.get('[data-testid="seals-open"]').attributes('disabled') === undefined)
    const before = w.text()
    await w.get('[data-testid="seals-open"]').trigger('click')
    await soon(() => w.find('[data-testid="seals-opened"]').exists())
    expect(w.get('[data-testid="seals-opened"]').text()).toContain('已作废 1 张选票，由李监事、赵监事共同开封')
    await soon(() => check('voidSeals') === true)
    // nothing on screen, before or after, names a ballot or a choice
    for (const text of [before, w.text()]) {
      expect(text).not.toContain('ballot:')
      for (const c of ['村口装路灯', '三组道路硬化', '修水渠']) expect(text).not.toContain(c)
    }

    const list = (await v.data.voidLists.list()).find((l) => l.signatures?.length === 2)
    expect(list).toMatchObject({ voteId: vote.id, ballotIds: [extra], openedBy: ['person:sup1', 'person:sup2'] })
    expect(Object.keys(list!).sort()).toEqual(['at', 'ballotIds', 'decisions', 'id', 'meta', 'openedBy', 'signatures', 'villageId', 'voteId'])
    expect(list!.signatures!.map((x) => x.personId)).toEqual(['person:sup1', 'person:sup2'])
    w.unmount()

    // a list written behind the app, voiding more than the council decided, changes nothing
    await v.data.voidLists.create({ voteId: vote.id, ballotIds: (await v.data.ballots.list({ ref: vote.id })).map((b) => b.id), openedBy: ['person:sup1'], decisions: list!.decisions, at: list!.at + 1 })
    const after = await mountFeature(VoteResultsView, { path: `/votes/${vote.id}/results`, pinia: v.pinia })
    await soon(() => after.wrapper.find('[data-testid="results-voided"]').exists())
    expect(after.wrapper.find('[data-testid="results-surplus"]').exists()).toBe(false)
    expect(after.wrapper.find('[data-testid="results-void-waiting"]').exists()).toBe(false)
    expect(after.wrapper.get('[data-testid="results-ballots"]').text()).toBe('共 2 张票（电子 2，纸质 0）')
    expect(after.wrapper.get('[data-testid="results-voided"]').text()).toContain('1 张选票已由监事会作废（李监事、赵监事共同开封）')
    expect(after.wrapper.get('[data-testid="results-voided"]').text()).toContain('第二台平板重复登记')
    // the voided ballot was 修水渠; the kept ones are 路灯 and 道路
    expect(after.wrapper.get('[data-testid="result-project:water"]').text()).toContain('0 票')
    expect(after.wrapper.get('[data-testid="result-project:lamps"]').text()).toContain('1 票')
    expect(after.wrapper.get('[data-testid="results-allocate"]').attributes('disabled')).toBeUndefined()
  }, 30_000) // three PBKDF2 key derivations and a seal opening: seconds of CPU on a shared, loaded machine
})
