import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { combineLatest } from 'rxjs'
import * as D from '@/domain'
import type { ConflictRecordDoc, Decision, Repositories, SealKeyDoc, Stored, VoidListDoc } from '@/data'
import { SealKeyError, checkNewPassphrase, newWrappedKeyPair, unwrapSecretKey } from '@/data/sealkeys'
import { villageLink, type LinkOptions } from './support/villageLink'
import { useActingStore } from './acting'
import { useRosterStore } from './roster'
import { personName } from './support/names'
import { newSignedActId, newSigningPersonKey, openPersonKey, type PersonKeyDoc } from '@/data/personkeys'
import { SEALKEY_CLAIM, openedVoidLists, sealKeyHolders, signAct, signedActs, type ClerkKeyCertificate } from '@/shared/personacts'

export interface SupervisorKeyView {
  /** `key`: their latest seal key that they signed (the one new votes take); `unsignedKey`: a later one they did not sign (set up before seal keys were signed, or not by them) */
  personId: string; name: string; key: Stored<SealKeyDoc> | null; replaced: number; unsignedKey: boolean
  /** Whether the person is a supervisor (their passphrase also guards a seal key) or a council member who may chair. */
  supervisor: boolean
  /** Their own signing key (src/data/personkeys.ts), with who witnessed it being set up. */
  personKey: Stored<PersonKeyDoc> | null
  witnessedBy: string
  /** A newer key of theirs that signs nothing yet: the key of the clerk who witnessed it has not reached this tablet (it counts once it does). */
  waiting: boolean
  /** Their role on the roster waits for a signature: it counts for nothing yet (new votes do not take their seal key). */
  pending: boolean
}
/** A clerk on the roster and their own key, which the hub certified (it witnesses everyone else's). */
export interface ClerkKeyView { personId: string; name: string; personKey: Stored<PersonKeyDoc> | null; pending: boolean }
export interface SealerView {
  publicKey: string; personId: string; name: string; keyId: string; unlocked: boolean
  /** When the key was set up, and whether the supervisor has replaced it since (then the older passphrase opens it, and their current one signs the opening). */
  createdAt: number; replacedSince: boolean
}
/** A void list as the seals screen shows it; `signed`: every supervisor who opened it signed it (else it voids nothing). */
export interface OpenedView { id: string; ballots: number; openedBy: string[]; at: number; signed: boolean }
/** A council decision on a double vote of which some seals are void and not opened yet. */
export interface PendingVoidView { decisionId: string; voterName: string; outcome: string; reason: string; seals: number }

/** A double-vote decision as the conflicts store records it (a `decision` record with the resolution's fields). */
type VoidDecision = Stored<Decision> & { voteId?: string; voterId?: string; keptSeal?: string; voidedSeals?: string[]; decidedBy?: string[] }

/**
 * Supervisors' seal keys and the joint opening of void seals. Secret keys exist only in memory,
 * unlocked one supervisor at a time by their passphrase, and are forgotten after the opening
 * (or when the screen leaves). Only the void ballots' ids are ever recorded.
 */
export const useSealsStore = defineStore('seals', () => {
  const persons = shallowRef<Stored<D.Person>[]>([])
  const keys = shallowRef<Stored<SealKeyDoc>[]>([])
  const votes = shallowRef<Stored<D.Vote>[]>([])
  const decisions = shallowRef<VoidDecision[]>([])
  const voidLists = shallowRef<Stored<VoidListDoc>[]>([])
  const conflicts = shallowRef<Stored<ConflictRecordDoc>[]>([])
  const checkoffs = shallowRef<Stored<D.CheckOff>[]>([])
  const link = villageLink()
  const { now } = link
  const acting = useActingStore()
  /** Unlocked secret keys by public key, and the signing keys (person id → key id, secret) that sign the opening: never in reactive state, never written. */
  const secrets = new Map<string, string>()
  const signing = new Map<string, { keyId: string; secretKey: string }>()
  const unlockedKeys = ref<string[]>([])
  /** Unlocked keys are forgotten this long after the last unlock, if the opening never happens. */
  const FORGET_AFTER_MS = 10 * 60_000
  let forgetTimer: ReturnType<typeof setTimeout> | null = null

  function attach(r: Repositories, opts: LinkOptions = {}): void {
    const subs = link.connect(r, opts)
    subs.push(combineLatest([r.persons.list$({ oldestFirst: true }), r.sealKeys.list$(), r.votes.list$(), r.decisions.list$(), r.voidLists.list$()])
      .subscribe(([p, k, v, d, l]) => { persons.value = p; keys.value = k; votes.value = v; decisions.value = d as VoidDecision[]; voidLists.value = l }))
    subs.push(combineLatest([r.conflicts.list$(), r.checkoffs.list$()]).subscribe(([c, k]) => { conflicts.value = c; checkoffs.value = k }))
  }

  const nameOf = (id: string) => personName(persons.value, id, 'supervisor')
  const latestFirst = (a: Stored<SealKeyDoc>, b: Stored<SealKeyDoc>) => b.createdAt - a.createdAt || b.meta.deviceTime - a.meta.deviceTime

  /** Seal keys signed by the supervisor they belong to, with their signing key set up at the same moment. */
  const signedKeys = computed(() => new Set(signedActs('sealkey', keys.value, acting.keys).map((k) => k.id)))
  const view = (p: Stored<D.Person>, supervisor: boolean, pending: boolean): SupervisorKeyView => {
    const own = keys.value.filter((k) => k.personId === p.id).sort(latestFirst)
    const signed = own.filter((k) => signedKeys.value.has(k.id))
    const personKey = acting.currentKeys.get(p.id) ?? null
    const stored = personKey ? acting.keys.find((k) => k.id === personKey.id) ?? null : null
    const waiting = acting.unvouched.some((u) => u.key.personId === p.id && u.problem === 'waiting' && u.key.createdAt > (stored?.createdAt ?? -1))
    return {
      personId: p.id, name: p.name, key: signed[0] ?? null, replaced: Math.max(0, own.length - 1), unsignedKey: !!own[0] && !signedKeys.value.has(own[0].id),
      supervisor, personKey: stored, witnessedBy: stored ? acting.nameOf(stored.witnessedBy) : '', waiting, pending,
    }
  }
  const roster = useRosterStore()
  /** The roster's records of the people it names to `roles` (roster store `holders`: whose role counts, then `pending`). */
  const named = (roles: readonly D.Role[]) => roster.holders(roles).flatMap((h) => {
    const p = persons.value.find((x) => x.id === h.id)
    return p ? [{ p, h }] : []
  })
  /** Every supervisor on the roster with their current key (the latest they made), if any; those whose role waits for a signature last. */
  const supervisors = computed<SupervisorKeyView[]>(() => named(['supervisor']).map(({ p, h }) => view(p, true, h.pending)))
  /** Everyone who signs acts with their own passphrase: supervisors, then council members who may chair a meeting. */
  const signers = computed<SupervisorKeyView[]>(() => [
    ...supervisors.value,
    ...named(D.COUNCIL_ROLES).filter(({ p }) => !supervisors.value.some((s) => s.personId === p.id)).map(({ p, h }) => view(p, false, h.pending)),
  ])
  /** The public keys a new vote takes: the current signed key of every supervisor whose role counts, in roster order. */
  const currentKeys = computed(() => supervisors.value.filter((s) => s.key && !s.pending).map((s) => ({ personId: s.personId, name: s.name, publicKey: s.key!.publicKey })))

  /** The clerks on the roster, each with their own certified key if they have one. */
  const clerks = computed<ClerkKeyView[]>(() => named(['clerk']).map(({ p, h }) => {
    const key = acting.currentKeys.get(p.id)
    return { personId: p.id, name: p.name, personKey: key ? acting.keys.find((k) => k.id === key.id) ?? null : null, pending: h.pending }
  }))

  /**
   * Sets up (or replaces) a clerk's own key, sealed with their passphrase and certified by the hub:
   * `certify` asks for the certificate (online, signed in with the village's clerk account or its
   * township's staff account). Nothing is written unless the hub certified it.
   */
  async function createClerkKey(personId: string, passphrase: string, repeat: string, certify: (publicKey: string) => Promise<ClerkKeyCertificate>): Promise<Stored<PersonKeyDoc>> {
    const r = link.need()
    // a clerk whose role waits for its signature too: the account that certifies the key signs the role
    // with it (sync-server/admin/clerkkeys.ts) — a roster imported offline has no other first signer
    const who = clerks.value.find((c) => c.personId === personId)
    if (!who) throw new Error(`${nameOf(personId)} is not a clerk on the roster`)
    checkNewPassphrase(passphrase, repeat)
    const { record } = await newSigningPersonKey({ personId, passphrase, repeat, voucher: { certify }, createdAt: now(), ...(who.personKey ? { replaces: who.personKey.id } : {}) })
    return r.personKeys.create({ ...record })
  }

  /**
   * Sets up (or replaces) a person's own passphrase, in front of the clerk, whose own key (opened with their passphrase) witnesses it:
   * their signing key, and for a supervisor also their seal key (replacing one serves future votes
   * only), which their new signing key signs. Both are sealed with the passphrase, which the tablet never keeps.
   */
  async function createKey(personId: string, passphrase: string, repeat: string): Promise<Stored<SealKeyDoc> | null> {
    const r = link.need()
    const who = signers.value.find((s) => s.personId === personId)
    if (!who) throw new Error(`${nameOf(personId)} does not sign acts: not a supervisor or council member on the roster`)
    checkNewPassphrase(passphrase, repeat)
    const { person: witness, signer } = await acting.authorize('personkey.witness')
    if (!signer) throw new Error('a key is witnessed with the clerk\'s own key')
    const at = now()
    const voucher = { witness: { personId: witness.id, keyId: signer.keyId, sign: signer.witness } }
    const { record, sign } = await newSigningPersonKey({ personId, passphrase, repeat, voucher, createdAt: at, ...(who.personKey ? { replaces: who.personKey.id } : {}) })
    const personKey = await r.personKeys.create({ ...record })
    if (!who.supervisor) return null
    const wrapped = await newWrappedKeyPair(personId, passphrase)
    const latest = keys.value.filter((k) => k.personId === personId).sort(latestFirst)[0]
    const sealKey = r.sealKeys.build({ id: newSignedActId('sealkey', [personKey.id]), personId, ...wrapped, createdAt: at, ...(latest ? { replaces: latest.id } : {}), claim: SEALKEY_CLAIM })
    return r.sealKeys.create({ ...sealKey, keyId: personKey.id, signature: sign('sealkey', r.writer.identity.villageId, sealKey) })
  }

  const voteOf = (voteId: string) => votes.value.find((v) => v.id === voteId) ?? null
  /** Whether the vote is closed now (seals are opened only after the close). */
  const isClosed = (voteId: string) => { const v = voteOf(voteId); return !!v && D.voteStatus(v, now()) === 'closed' }

  /** Who sealed this vote, in the order the layers open (the vote's `sealKeys` order). */
  /** Seal-key records that name who holds each key (src/shared/personacts.ts `sealKeyHolders`): one signed with a key no-one vouches for names no-one. */
  const holders = computed(() => sealKeyHolders(keys.value, acting.keys))
  function sealers(voteId: string): SealerView[] {
    return (voteOf(voteId)?.sealKeys ?? []).map((publicKey) => {
      const key = holders.value.find((k) => k.publicKey === publicKey)
      const current = supervisors.value.find((x) => x.personId === key?.personId)?.key
      return {
        publicKey, personId: key?.personId ?? '', name: key ? nameOf(key.personId) : '', keyId: key?.id ?? '', unlocked: unlockedKeys.value.includes(publicKey),
        createdAt: key?.createdAt ?? 0, replacedSince: !!key && !!current && current.id !== key.id,
      }
    })
  }

  function voidDecisions(voteId: string): VoidDecision[] {
    return decisions.value.filter((d) => d.voteId === voteId && (d.voidedSeals?.length ?? 0) > 0 && D.resolvesDoubleVote(d, checkoffs.value, conflicts.value))
  }
  /** Void lists opened by every supervisor who sealed the vote, each signing it: only those void ballots. */
  const signedLists = computed(() => openedVoidLists(voidLists.value, votes.value, keys.value, acting.keys))
  /** Decisions on this vote's double votes whose void seals are not opened yet. */
  function pending(voteId: string): PendingVoidView[] {
    const opened = new Set(D.acceptedVoidLists(signedLists.value, voidDecisions(voteId), voteId).flatMap((l) => l.decisions))
    return voidDecisions(voteId).filter((d) => !opened.has(d.id)).map((d) => ({
      decisionId: d.id, voterName: personName(persons.value, d.voterId ?? '', 'voter'), outcome: d.outcome, reason: d.reason, seals: d.voidedSeals?.length ?? 0,
    }))
  }
  /** The void lists recorded for this vote, with the names of who opened them; unsigned ones are shown as such (they void nothing). */
  function opened(voteId: string): OpenedView[] {
    const show = (l: Stored<VoidListDoc>, signed: boolean) => ({ id: l.id, ballots: l.ballotIds.length, openedBy: l.openedBy.map(nameOf), at: l.at, signed })
    const counted = D.acceptedVoidLists(signedLists.value, voidDecisions(voteId), voteId)
    const signed = new Set(signedLists.value.map((l) => l.id))
    return [...counted.map((l) => show(l, true)), ...voidLists.value.filter((l) => l.voteId === voteId && !signed.has(l.id)).map((l) => show(l, false))]
  }

  /**
   * One supervisor unlocks their seal key with their passphrase, and their current signing key, which
   * signs the opening, with the same one — or with `current`, their passphrase now, when they have
   * replaced the key that sealed this vote (both kept in memory until `forget`).
   */
  async function unlock(voteId: string, publicKey: string, passphrase: string, current = passphrase): Promise<void> {
    const s = sealers(voteId).find((x) => x.publicKey === publicKey)
    const key = keys.value.find((k) => k.publicKey === publicKey)
    if (!s || !key) throw new Error('this key is not one of the keys that sealed this vote')
    const personKey = acting.currentKeys.get(s.personId)
    const stored = personKey ? acting.keys.find((k) => k.id === personKey.id) : undefined
    if (!stored) throw new SealKeyError('no-signing-key', `${s.name || s.personId} has no signing key on this tablet: they set their passphrase again first`)
    const secret = await unwrapSecretKey(key, passphrase)
    const signer = await openPersonKey(stored, current).catch((e: unknown) => {
      throw e instanceof SealKeyError && e.code === 'wrong-passphrase' ? new SealKeyError('wrong-signing-passphrase', 'this passphrase does not open their current signing key') : e
    })
    signing.set(s.personId, { keyId: stored.id, secretKey: signer })
    secrets.set(publicKey, secret)
    unlockedKeys.value = [...new Set([...unlockedKeys.value, publicKey])]
    if (forgetTimer) clearTimeout(forgetTimer)
    forgetTimer = setTimeout(forget, FORGET_AFTER_MS)
    ;(forgetTimer as { unref?: () => void }).unref?.()
  }

  function forget(): void {
    if (forgetTimer) clearTimeout(forgetTimer)
    forgetTimer = null
    secrets.clear()
    signing.clear()
    unlockedKeys.value = []
  }

  /**
   * With every sealer's key unlocked and the vote closed: opens the void seals of the pending
   * decisions and records one void list (sorted ballot ids, who opened it), signed by each of them
   * with their own signing key. Kept seals are never opened. Keys are forgotten afterwards, whatever happens.
   */
  async function openVoids(voteId: string): Promise<Stored<VoidListDoc>> {
    const r = link.need()
    try {
      const vote = voteOf(voteId)
      if (!vote) throw new Error(`${voteId} is not on this tablet`)
      if (D.voteStatus(vote, now()) !== 'closed') D.fail('vote.not-closed', 'close the vote before opening seals')
      const order = sealers(voteId)
      if (order.length === 0) D.fail('seal.invalid', 'this vote has no supervisors\' seal keys: its seals cannot be opened')
      const missing = order.filter((s) => !secrets.has(s.publicKey))
      if (missing.length) D.fail('seal.invalid', `every supervisor who sealed this vote must unlock their key first (${missing.length} missing)`)
      const todo = pending(voteId)
      if (todo.length === 0) D.fail('seal.invalid', 'no decided double vote is waiting for its seals to be opened')
      const secretKeys = order.map((s) => secrets.get(s.publicKey) as string)
      const byId = new Map(voidDecisions(voteId).map((d) => [d.id, d]))
      const ballotIds = todo.flatMap((p) => (byId.get(p.decisionId)?.voidedSeals ?? []).map((seal) => D.openSeal(seal, secretKeys)))
      const openers = [...new Set(order.map((s) => s.personId))].map((personId) => {
        const key = signing.get(personId)
        if (!key) D.fail('seal.invalid', `every supervisor who sealed this vote must unlock their key first (${nameOf(personId)} has not)`)
        return { personId, key }
      })
      const id = newSignedActId('voidlist', openers.map((o) => o.key.keyId))
      const list = r.voidLists.build({ id, voteId, ballotIds, openedBy: order.map((s) => s.personId), decisions: todo.map((p) => p.decisionId), at: now() })
      const signatures = openers.map(({ personId, key }) => ({ personId, keyId: key.keyId, signature: signAct('voidlist', vote.villageId, list, key.secretKey) }))
      return await r.voidLists.create({ ...list, signatures })
    } finally {
      forget()
    }
  }

  return { supervisors, signers, clerks, currentKeys, createKey, createClerkKey, sealers, pending, opened, unlock, forget, openVoids, attach, voteOf, isClosed }
})
