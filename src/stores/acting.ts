import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { combineLatest } from 'rxjs'
import * as D from '@/domain'
import type { Repositories, Stored } from '@/data'
import { clerks as clerksWithPin, memoryKeyValue, unlockWithPin, type KeyValue } from '@/data/identity'
import { pinnedHubKeys } from '@/data/devicekeys'
import { tryPassphrase, witnessSigner, type PersonKeyDoc } from '@/data/personkeys'
import { currentPersonKeys, keyStandings, signAct, type PersonKeyRecord, type SignedKind, type WitnessProblem } from '@/shared/personacts'
import { signRoles, signedRoster, type RolesSig } from '@/shared/rosterroles'
import { useSessionStore } from './session'
import { villageLink, type LinkOptions } from './support/villageLink'

export interface ActingPerson { id: string; name: string; roles: string[] }
/** Someone who may do the act asked for, and the secret they type: a clerk's PIN or their own passphrase. */
export interface ActCandidate { id: string; name: string; secret: 'pin' | 'passphrase' }
export interface ActRequest { act: D.Act; candidates: ActCandidate[]; personId: string }
/** Signs the act's record with the person's key (only for signed acts; the secret is dropped after the act); a clerk's key also witnesses a new key (`witness`). */
export interface ActSigner {
  keyId: string
  sign(kind: SignedKind, record: { id: string } & Record<string, unknown>): string
  witness(claim: Omit<PersonKeyRecord, 'id' | 'signature'>): string
  /** a clerk's signature of a person's roles (src/shared/rosterroles.ts) */
  roles(person: { id: string; roles: readonly string[] }, at: number): RolesSig
}
export interface Authorized { person: ActingPerson; signer: ActSigner | null }

export type ActAnswer = { ok: true } | { ok: false; reason: 'wrong'; remaining: number } | { ok: false; reason: 'locked'; until: number } | { ok: false; reason: 'not-allowed' }
export type ActRefusal = 'cancelled' | 'no-one'
/** The act was not done: the person cancelled, or nobody on this tablet may do it. */
export class ActRefused extends Error {
  // No message of its own: the prompt says it in the person's language (`refusal`), views show nothing more.
  constructor(readonly code: ActRefusal, readonly act: D.Act) { super(''); this.name = 'ActRefused' }
}

/**
 * Who is acting on this shared tablet, act by act. A store asks `authorize(act)` before it writes; the
 * domain's table (`D.ACTS`) says who may do the act, and the tablet asks that person for their own
 * secret now (ActingPrompt shows the request): a clerk's PIN, which then stays good for
 * `D.ACT_WINDOW_MS` after their last act, or a person's passphrase, which opens their key for this one
 * act only and signs it. A reload, the lock button or the window's end forgets who was acting.
 */
export const useActingStore = defineStore('acting', () => {
  const session = useSessionStore()
  const persons = shallowRef<Stored<D.Person>[]>([])
  /** The village's person keys someone the village trusts vouches for (src/shared/personacts.ts `witnessProblem`): only they sign. */
  const keys = shallowRef<Stored<PersonKeyDoc>[]>([])
  /** Keys vouched for by no-one yet, with why (`waiting`: the witnessing clerk's key has not reached this tablet). */
  const unvouched = shallowRef<{ key: Stored<PersonKeyDoc>; problem: WitnessProblem }[]>([])
  const link = villageLink()
  let kv: KeyValue = globalThis.localStorage ?? memoryKeyValue()
  const clock = ref(Date.now())
  const person = ref<ActingPerson | null>(null)
  const until = ref(0)
  const request = ref<ActRequest | null>(null)
  /** The last act refused, shown by the prompt until dismissed or the next request. */
  const refusal = ref<{ code: ActRefusal; act: D.Act } | null>(null)
  let pending: { resolve: (a: Authorized) => void; reject: (e: Error) => void } | null = null

  function attach(r: Repositories, opts: LinkOptions & { kv?: KeyValue } = {}): void {
    const subs = link.connect(r, opts)
    if (opts.kv) kv = opts.kv
    subs.push(combineLatest([r.persons.list$({ oldestFirst: true }), r.personKeys.list$()]).subscribe(([p, k]) => {
      // the hub's key pinned at enrollment certifies the clerks' keys and signs roles; read now (a rotation moves it on)
      const hubKeys = pinnedHubKeys(kv)
      const village = r.writer.identity.villageId
      // roles count only signed (src/shared/rosterroles.ts): who may act as clerk, supervisor or chair
      persons.value = signedRoster(p, { village, hubKeys, keys: k })
      const ctx = { village, roster: persons.value, hubKeys }
      const standings = keyStandings(k, ctx)
      const checked = k.map((key, i) => ({ key, problem: standings[i] ?? null }))
      keys.value = checked.filter((c) => c.problem === null).map((c) => c.key)
      unvouched.value = checked.flatMap((c) => (c.problem ? [{ key: c.key, problem: c.problem }] : []))
    }))
  }

  const currentKeys = computed(() => currentPersonKeys(keys.value))
  const nameOf = (id: string) => persons.value.find((p) => p.id === id)?.name ?? ''
  const rolesOf = (id: string): string[] => [...(persons.value.find((p) => p.id === id)?.roles ?? [])]
  /**
   * A clerk's PIN on this tablet was set at enrollment or by another clerk: they act as the clerk, unless
   * the roster names them and gives them no clerk role while it names a clerk (the roster decides).
   */
  const clerkRoles = (id: string): string[] => {
    const roles = rolesOf(id)
    const rosterHasClerk = persons.value.some((p) => p.roles.includes('clerk'))
    return persons.value.some((p) => p.id === id) && rosterHasClerk ? roles : [...new Set([...roles, 'clerk'])]
  }
  const acting = computed(() => (person.value && until.value > clock.value ? person.value : null))

  /** Who on this tablet may do the act, with the secret each would type. */
  function candidatesFor(act: D.Act): ActCandidate[] {
    const out: ActCandidate[] = []
    if (!D.needsSignature(act)) {
      for (const c of clerksWithPin(kv)) if (D.mayDo(act, clerkRoles(c.personId))) out.push({ id: c.personId, name: nameOf(c.personId) || c.name, secret: 'pin' })
    }
    for (const p of persons.value) {
      if (out.some((c) => c.id === p.id) || !D.mayDo(act, p.roles) || !currentKeys.value.has(p.id)) continue
      out.push({ id: p.id, name: p.name, secret: 'passphrase' })
    }
    return out
  }

  function setActing(p: ActingPerson | null, windowMs: number): void {
    person.value = p
    clock.value = Date.now()
    until.value = p ? clock.value + windowMs : 0
    session.setPerson(p?.id ?? '', p?.name ?? '')
  }

  /**
   * Resolves with the person who may do `act` (and a signer for signed acts) once they have typed their
   * secret; a clerk still within their window is not asked again. Rejects with ActRefused.
   */
  function authorize(act: D.Act, opts: { personId?: string } = {}): Promise<Authorized> {
    clock.value = Date.now()
    const now = acting.value
    if (now && !D.needsSignature(act) && D.mayDo(act, now.roles) && (!opts.personId || opts.personId === now.id)) {
      until.value = clock.value + D.ACT_WINDOW_MS
      return Promise.resolve({ person: now, signer: null })
    }
    const candidates = candidatesFor(act).filter((c) => !opts.personId || c.id === opts.personId)
    refusal.value = null
    if (candidates.length === 0) { refusal.value = { code: 'no-one', act }; return Promise.reject(new ActRefused('no-one', act)) }
    pending?.reject(new ActRefused('cancelled', request.value?.act ?? act))
    request.value = { act, candidates, personId: opts.personId ?? (candidates.length === 1 ? candidates[0]!.id : '') }
    return new Promise<Authorized>((resolve, reject) => { pending = { resolve, reject } })
  }

  function finish(result: Authorized | ActRefused): void {
    const p = pending
    pending = null
    request.value = null
    if (result instanceof ActRefused) { refusal.value = { code: result.code, act: result.act }; p?.reject(result) }
    else p?.resolve(result)
  }

  /** The prompt's answer: the chosen person's PIN or passphrase. */
  async function answer(personId: string, secret: string): Promise<ActAnswer> {
    const req = request.value
    if (!req) return { ok: false, reason: 'not-allowed' }
    const chosen = req.candidates.find((c) => c.id === personId) ?? req.candidates.find((c) => c.secret === 'pin')
    if (!chosen) return { ok: false, reason: 'not-allowed' }
    if (chosen.secret === 'pin') {
      const r = await unlockWithPin(kv, secret)
      if (!r.ok) return r.reason === 'locked' ? { ok: false, reason: 'locked', until: r.until } : r.reason === 'wrong-pin' ? { ok: false, reason: 'wrong', remaining: r.remaining } : { ok: false, reason: 'not-allowed' }
      const roles = clerkRoles(r.personId)
      if (!req.candidates.some((c) => c.id === r.personId) || !D.mayDo(req.act, roles)) return { ok: false, reason: 'not-allowed' }
      const who = { id: r.personId, name: nameOf(r.personId) || r.name, roles }
      setActing(who, D.ACT_WINDOW_MS)
      finish({ person: who, signer: null })
      return { ok: true }
    }
    const key = currentKeys.value.get(chosen.id)
    const record = keys.value.find((k) => k.id === key?.id)
    if (!record) return { ok: false, reason: 'not-allowed' }
    const r = await tryPassphrase(kv, record, secret, Date.now())
    if (!r.ok) return r
    const village = session.enrollment?.villageId ?? (record as { villageId?: string }).villageId ?? ''
    const secretKey = r.secretKey
    const who = { id: chosen.id, name: chosen.name, roles: rolesOf(chosen.id) }
    finish({ person: who, signer: {
      keyId: record.id, sign: (kind, rec) => signAct(kind, (rec.villageId as string | undefined) ?? village, rec, secretKey), witness: witnessSigner(village, secretKey),
      roles: (p, at) => signRoles(village, p, at, { personId: chosen.id, keyId: record.id, secretKey }),
    } })
    return { ok: true }
  }

  function cancel(): void { if (request.value) finish(new ActRefused('cancelled', request.value.act)) }

  /** Runs a write as `who` (the envelope's author), then goes back to whoever was acting before. */
  async function as<T>(who: ActingPerson, write: () => Promise<T>): Promise<T> {
    const before = acting.value
    session.setPerson(who.id, who.name)
    try { return await write() } finally { session.setPerson(before?.id ?? '', before?.name ?? '') }
  }

  /** The lock button: nobody is acting until someone types their secret again. */
  function lock(): void { setActing(null, 0) }

  /** For tests and for a clerk who has just typed their PIN elsewhere (the kiosk): acts as `who` for the window. */
  function begin(who: ActingPerson, windowMs = D.ACT_WINDOW_MS): void { setActing(who, windowMs) }

  /** Refreshes the clock (the badge calls it) and forgets a clerk whose window has passed. */
  function tick(): void {
    clock.value = Date.now()
    if (person.value && until.value <= clock.value) setActing(null, 0)
  }

  const dismiss = () => { refusal.value = null }
  /** Says the act was refused for want of anyone who may do it here (a store that checked before asking). */
  const refuse = (act: D.Act) => { refusal.value = { code: 'no-one', act } }

  return { attach, acting, until, request, refusal, dismiss, refuse, candidatesFor, authorize, answer, cancel, as, lock, begin, tick, nameOf, currentKeys, keys, unvouched, persons }
})
