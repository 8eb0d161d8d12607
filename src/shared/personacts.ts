/**
 * Acts a person signs with their own key (src/domain/acts.ts `SIGNED_ACTS`): the tablet and the hub
 * verify them the same way.
 *
 * A person's key (`personkey` record) is an Ed25519 key pair whose secret half travels only sealed
 * with the person's passphrase, signed by itself (whoever made it held the secret). What vouches for
 * the public key (`witnessProblem`, the one rule of tablet, hub and township):
 * - a clerk's own key carries the hub's certificate (`certificate`): the hub signed "this is the key
 *   of clerk X of village V", on a request by the village's clerk account or its township's staff,
 *   for a person its roster names as clerk (sync-server/admin/clerkkeys.ts). The hub's key is the
 *   one every tablet pinned at enrollment (src/shared/hubkeys.ts, rotations followed);
 * - anyone else's key carries the signature of the clerk who witnessed it (`witness`), made with
 *   that clerk's certified key, good when the key was set up, over the new key's claim and village.
 * The witness is a clerk on the village's roster. A key vouched for by neither signs nothing; a key
 * whose witness's key has not reached this tablet yet signs nothing until it does (`waiting`).
 * A key is good for acts from its `createdAt` until the person's next key replaces it.
 *
 * An act's signature covers the act's kind, the village, the record's id and the fields that say
 * what was done (CLAIM_FIELDS), so it can be neither moved to another record nor edited.
 */
import { signValue, verifyValue } from './signature'
import { sealersMissing, type SealKeyOwner } from '../domain/voids'
import { mayDo, type Act } from '../domain/acts'
import { keysAt, type HubKeys } from './hubkeys'

export interface PersonKeyRecord {
  id: string
  personId: string
  publicKey: string
  createdAt: number
  witnessedBy: string
  replaces?: string
  signature: string
  /** A clerk's own key: the hub's certificate (`clerkKeyStatement`). */
  certificate?: ClerkKeyCertificate
  /** Anyone else's key: the witnessing clerk's key and signature (`witnessClaim`). */
  witness?: { keyId: string; signature: string }
}

/** The hub's signature over a clerk's key (`clerkKeyStatement`), who asked for it and when. */
export interface ClerkKeyCertificate { issuedAt: number; by: string; sig: string }

export const CLERK_KEY_FORMAT = 'yishi-clerk-key/1'
export const WITNESS_PURPOSE = 'yishi-witness/1'

/** What the hub signs to certify a clerk's key: the village, the person and their public key (nothing moves to another). */
export function clerkKeyStatement(village: string, key: Pick<PersonKeyRecord, 'personId' | 'publicKey'>, cert: Pick<ClerkKeyCertificate, 'issuedAt' | 'by'>) {
  return { format: CLERK_KEY_FORMAT, village, personId: key.personId, publicKey: key.publicKey, issuedAt: cert.issuedAt, by: cert.by }
}

/** What the witnessing clerk signs: the new key's own claim (person, public key, time, witness, replaced key), in the village. */
export function witnessClaim(village: string, key: Omit<PersonKeyRecord, 'id' | 'signature' | 'witness' | 'certificate'>) {
  return { purpose: WITNESS_PURPOSE, village, key: personKeyClaim(key) }
}

export function signWitness(village: string, key: Omit<PersonKeyRecord, 'id' | 'signature' | 'witness' | 'certificate'>, clerkSecretKey: string): string {
  return signValue(witnessClaim(village, key), clerkSecretKey)
}

/** The fields of each signed kind that the person's signature covers. */
export const CLAIM_FIELDS = {
  cosign: ['ledgerId', 'supervisorId', 'approve', 'note', 'at'],
  // a signature of a meeting's minutes (the chair's or a supervisor's), with the picture of the handwriting
  comment: ['on', 'by', 'role', 'text', 'photos', 'at'],
  // a supervisor's seal key, set up with the same passphrase as their signing key (signed by that key):
  // every field that matters, its sealed secret too (claim 3, `SEALKEY_CLAIM`; a key signed before it: `OLDER_SEALKEY_CLAIM`)
  sealkey: ['personId', 'publicKey', 'kdf', 'iterations', 'salt', 'cipher', 'iv', 'secret', 'createdAt', 'replaces'],
  // the ballots voided by the supervisors who opened the void seals together: each of them signs it
  voidlist: ['voteId', 'ballotIds', 'openedBy', 'decisions', 'at'],
} as const
export type SignedKind = keyof typeof CLAIM_FIELDS

/** The field saying when each signed act was done (the key that signs it must be good then); `at` when not named. */
const ACT_TIME: Partial<Record<SignedKind, string>> = { sealkey: 'createdAt' }

/** One person's signature of an act: the key it is made with and the signature. */
export interface PersonSignature { personId: string; keyId: string; signature: string }

/** What a person key's own signature covers. */
export function personKeyClaim(k: Omit<PersonKeyRecord, 'id' | 'signature'>) {
  return { act: 'personkey', personId: k.personId, publicKey: k.publicKey, createdAt: k.createdAt, witnessedBy: k.witnessedBy, replaces: k.replaces ?? '' }
}

/** Whether the key record is signed by its own key. */
export function verifyPersonKey(k: PersonKeyRecord): boolean {
  // every check of an act checks its key (and the person's later keys) again: remembered by content
  const memo = JSON.stringify([personKeyClaim(k), k.signature])
  let ok = verifiedKeys.get(memo)
  if (ok === undefined) {
    ok = verifyValue(personKeyClaim(k), k.signature, k.publicKey)
    if (verifiedKeys.size >= 5000) verifiedKeys.clear()
    verifiedKeys.set(memo, ok)
  }
  return ok
}
const verifiedKeys = new Map<string, boolean>()

/** A person of the village's roster, as far as witnessing keys goes. */
export interface RosterEntry { id: string; roles?: readonly string[] }

/** What a key's witness is checked against: the village, its roster and the hub's keys (null: this tablet has not pinned its hub yet). */
export interface WitnessContext { village: string; roster: readonly RosterEntry[]; hubKeys: HubKeys | null }

/** Why a key is vouched for by no-one (see `witnessProblem`). `waiting`: the witness's key has not reached here yet. */
export type WitnessProblem = 'forged-key' | 'not-clerk' | 'bad-certificate' | 'unwitnessed' | 'waiting' | 'witness-other' | 'witness-uncertified' | 'witness-out-of-time' | 'bad-witness'

const clerksOf = (roster: readonly RosterEntry[]) => new Set(roster.filter((p) => p.roles?.includes('clerk')).map((p) => p.id))

/** Whether the hub certified this key as a clerk's of the village (by its key at the certificate's time); remembered by content. */
export function certified(key: PersonKeyRecord, ctx: WitnessContext): boolean {
  const c = key.certificate
  if (!c || !ctx.hubKeys || typeof c.sig !== 'string') return false
  const memo = JSON.stringify([ctx.village, ctx.hubKeys, key.personId, key.publicKey, c.issuedAt, c.by, c.sig])
  let ok = certifiedKeys.get(memo)
  if (ok === undefined) {
    const statement = clerkKeyStatement(ctx.village, key, c)
    ok = keysAt(ctx.hubKeys, c.issuedAt).some((hubKey) => verifyValue(statement, c.sig, hubKey))
    if (certifiedKeys.size >= 5000) certifiedKeys.clear()
    certifiedKeys.set(memo, ok)
  }
  return ok
}
const certifiedKeys = new Map<string, boolean>()

/**
 * A village's person keys looked up by id and by person, built once per list (`indexOf`): the checks of
 * every key and every act read it instead of scanning the list again (a large village: one pass, not n²).
 */
interface KeyIndex {
  size: number
  byId: Map<string, PersonKeyRecord>
  byPerson: Map<string, PersonKeyRecord[]>
  /** Per key id: when it stops being good (`keyEnd`), once asked. */
  ends: Map<string, number>
}
const indexes = new WeakMap<readonly PersonKeyRecord[], KeyIndex>()

function indexOf(keys: readonly PersonKeyRecord[]): KeyIndex {
  const had = indexes.get(keys)
  // a list grown since it was indexed (the caller pushed to it) is indexed again
  if (had && had.size === keys.length) return had
  const byId = new Map<string, PersonKeyRecord>()
  const byPerson = new Map<string, PersonKeyRecord[]>()
  for (const k of keys) {
    if (!byId.has(k.id)) byId.set(k.id, k)
    const mine = byPerson.get(k.personId)
    if (mine) mine.push(k)
    else byPerson.set(k.personId, [k])
  }
  const index: KeyIndex = { size: keys.length, byId, byPerson, ends: new Map() }
  indexes.set(keys, index)
  return index
}

/** The person's keys after `key` (replacing it, or made later) that `good` says really replace it; the earliest one's creation, or Infinity. */
function endOf(key: PersonKeyRecord, index: KeyIndex, good: (k: PersonKeyRecord) => boolean): number {
  let end = Infinity
  for (const k of index.byPerson.get(key.personId) ?? []) {
    if (k.id !== key.id && (k.replaces === key.id || k.createdAt > key.createdAt) && k.createdAt < end && good(k)) end = k.createdAt
  }
  return end
}

/** Remembered for one context: the clerks on its roster, and per clerk key id when it stops witnessing (its next certified key). */
interface ContextMemo { clerks: ReadonlySet<string>; witnessEnds: Map<string, number> }
const memoOf = (ctx: WitnessContext): ContextMemo => ({ clerks: clerksOf(ctx.roster), witnessEnds: new Map() })

function problemOf(key: PersonKeyRecord, index: KeyIndex, ctx: WitnessContext, memo: ContextMemo): WitnessProblem | null {
  if (!verifyPersonKey(key)) return 'forged-key'
  if (!memo.clerks.has(key.witnessedBy)) return 'not-clerk'
  if (key.certificate) return key.witnessedBy === key.personId && certified(key, ctx) ? null : 'bad-certificate'
  if (!key.witness) return 'unwitnessed'
  const w = index.byId.get(key.witness.keyId)
  if (!w) return 'waiting'
  if (w.personId !== key.witnessedBy) return 'witness-other'
  if (!w.certificate || w.witnessedBy !== w.personId || !verifyPersonKey(w) || !certified(w, ctx)) return 'witness-uncertified'
  // the clerk's key is good until their next certified key (a self-signed key anyone could write for them ends nothing)
  let end = memo.witnessEnds.get(w.id)
  if (end === undefined) {
    end = endOf(w, index, (k) => verifyPersonKey(k) && certified(k, ctx))
    memo.witnessEnds.set(w.id, end)
  }
  if (key.createdAt < w.createdAt || key.createdAt >= end) return 'witness-out-of-time'
  return witnessed(ctx.village, key, key.witness.signature, w.publicKey) ? null : 'bad-witness'
}

/** Whether the clerk's key `clerkKey` signed the key's witness claim; remembered by content (every change to a village's keys checks them all again). */
function witnessed(village: string, key: PersonKeyRecord, signature: string, clerkKey: string): boolean {
  const claim = witnessClaim(village, key)
  const memo = JSON.stringify([claim, signature, clerkKey])
  let ok = witnessSignatures.get(memo)
  if (ok === undefined) {
    ok = verifyValue(claim, signature, clerkKey)
    if (witnessSignatures.size >= 5000) witnessSignatures.clear()
    witnessSignatures.set(memo, ok)
  }
  return ok
}
const witnessSignatures = new Map<string, boolean>()

/**
 * Why nobody the village trusts vouches for this key, or null when someone does: a clerk's key the hub
 * certified for them (a clerk on the roster), or a key the clerk it names (`witnessedBy`, a clerk on the
 * roster) signed with their certified key, good at the new key's `createdAt`. `keys`: the village's
 * person keys, where the witness's key is looked up.
 */
export function witnessProblem(key: PersonKeyRecord, keys: readonly PersonKeyRecord[], ctx: WitnessContext): WitnessProblem | null {
  return problemOf(key, indexOf(keys), ctx, memoOf(ctx))
}

/** Each key's standing, in the order of `keys`: null when vouched for, else why not (`witnessProblem`). One pass over the village's keys. */
export function keyStandings(keys: readonly PersonKeyRecord[], ctx: WitnessContext): (WitnessProblem | null)[] {
  const index = indexOf(keys)
  const memo = memoOf(ctx)
  return keys.map((k) => problemOf(k, index, ctx, memo))
}

/** The keys someone the village trusts vouches for (`witnessProblem`); the others sign nothing. */
export function witnessedKeys<K extends PersonKeyRecord>(keys: readonly K[], ctx: WitnessContext): K[] {
  const standings = keyStandings(keys, ctx)
  return keys.filter((_, i) => standings[i] === null)
}

/**
 * The keys whose only lack is their witness's key (`waiting`): kept by the hub, signing nothing anywhere
 * until the witnessing clerk's key arrives, then vouched for (or not) like any other.
 */
export function waitingKeys<K extends PersonKeyRecord>(keys: readonly K[], ctx: WitnessContext): K[] {
  const standings = keyStandings(keys, ctx)
  return keys.filter((_, i) => standings[i] === 'waiting')
}

/**
 * The claim a seal key signed now covers (body version 3 on, `claim: 3` in its body): every field of
 * `CLAIM_FIELDS.sealkey`, the sealed secret too, and the claim's own number. A key whose body carries
 * no `claim` was signed before (version 2) and keeps the claim it was signed with: who holds which
 * public key since when, not the sealed secret (a garbled copy of such a key still verifies; only keys
 * signed from now on are safe from it). The number is in the body, not read from the envelope's
 * version, because tablets and the township read bodies as stored and the hub reads them migrated; the
 * two claims differ in their fields, so a signature made over one never verifies as the other.
 */
export const SEALKEY_CLAIM = 3
const OLDER_SEALKEY_CLAIM = ['personId', 'publicKey', 'createdAt', 'replaces'] as const

/** What a person's signature of an act covers. */
export function actClaim(kind: SignedKind, village: string, record: { id: string } & Record<string, unknown>) {
  const sealed = kind === 'sealkey' && record.claim === SEALKEY_CLAIM
  const names = kind === 'sealkey' && !sealed ? OLDER_SEALKEY_CLAIM : CLAIM_FIELDS[kind]
  const fields = Object.fromEntries(names.map((f) => [f, record[f] ?? null]))
  return { act: kind, village, id: record.id, ...(sealed ? { claim: SEALKEY_CLAIM } : {}), ...fields }
}

export function signAct(kind: SignedKind, village: string, record: { id: string } & Record<string, unknown>, secretKey: string): string {
  return signValue(actClaim(kind, village, record), secretKey)
}

/** When each of a person's keys stops being good: the creation of the key that replaced it (Infinity for the current one). */
function keyEnd(key: PersonKeyRecord, index: KeyIndex): number {
  let end = index.ends.get(key.id)
  // only a key its maker really held replaces another (a forged record ends nothing)
  if (end === undefined) { end = endOf(key, index, verifyPersonKey); index.ends.set(key.id, end) }
  return end
}

/** Why an act's signature proves nothing (see `checkActSignature`). */
export type ActSignatureProblem = 'unsigned' | 'unknown-key' | 'other-person' | 'forged-key' | 'before-key' | 'key-replaced' | 'bad-signature'

/**
 * Whether the act is signed by `personId`: `keyId` names a self-signed key of that person, good at
 * the act's time `at` (from its creation until the person's next key), and the signature covers the act.
 */
export function checkActSignature(kind: SignedKind, village: string, record: { id: string; keyId?: string; signature?: string } & Record<string, unknown>,
  personId: string, keys: readonly PersonKeyRecord[]): { ok: true; key: PersonKeyRecord } | { ok: false; problem: ActSignatureProblem } {
  if (!record.keyId || !record.signature) return { ok: false, problem: 'unsigned' }
  const index = indexOf(keys)
  const key = index.byId.get(record.keyId)
  if (!key) return { ok: false, problem: 'unknown-key' }
  if (key.personId !== personId) return { ok: false, problem: 'other-person' }
  if (!verifyPersonKey(key)) return { ok: false, problem: 'forged-key' }
  const time = record[ACT_TIME[kind] ?? 'at']
  const at = typeof time === 'number' ? time : -1
  if (at < key.createdAt) return { ok: false, problem: 'before-key' }
  if (at >= keyEnd(key, index)) return { ok: false, problem: 'key-replaced' }
  return verifyValue(actClaim(kind, village, record), record.signature, key.publicKey) ? { ok: true, key } : { ok: false, problem: 'bad-signature' }
}

/** The key that signed this act, when the signature is good (`checkActSignature`); otherwise null. */
export function actSigner(kind: SignedKind, village: string, record: { id: string; keyId?: string; signature?: string; at: number } & Record<string, unknown>,
  personId: string, keys: readonly PersonKeyRecord[]): PersonKeyRecord | null {
  const r = checkActSignature(kind, village, record, personId, keys)
  return r.ok ? r.key : null
}

/** Roles of a meeting's signatures (a `comment` on the meeting with this `role` is signed by `by`). */
export const SIGNATURE_ROLES = ['chair', 'supervisor'] as const

const text = (v: unknown) => (typeof v === 'string' ? v : '')

/**
 * The signatures a record must carry to be the act it claims, one per person it names as having done
 * it, or null when no person signs a record like it: a co-signature names its supervisor; a comment
 * signs only as a meeting's signature (`role` chair or supervisor), in the name of `by`; a seal key is
 * its supervisor's; a void list is signed by every supervisor in `openedBy` (`signatures`).
 */
export function claimedSignatures(kind: string, record: Record<string, unknown>): { kind: SignedKind; claims: PersonSignature[] } | null {
  const one = (personId: unknown) => [{ personId: text(personId), keyId: text(record.keyId), signature: text(record.signature) }]
  if (kind === 'cosign') return { kind, claims: one(record.supervisorId) }
  if (kind === 'comment' && (SIGNATURE_ROLES as readonly unknown[]).includes(record.role)) return { kind, claims: one(record.by) }
  if (kind === 'sealkey') return { kind, claims: one(record.personId) }
  if (kind === 'voidlist') {
    const given = Array.isArray(record.signatures) ? record.signatures as Partial<PersonSignature>[] : []
    const openedBy = Array.isArray(record.openedBy) ? record.openedBy.map(text) : []
    return { kind, claims: [...new Set(openedBy)].map((personId) => {
      const s = given.find((g) => g?.personId === personId)
      return { personId, keyId: text(s?.keyId), signature: text(s?.signature) }
    }) }
  }
  return null
}

/** The act a signed record is (the domain's table `ACTS` says who may do it), by its kind and, for a meeting's signature, its role. */
export function signedActOf(kind: string, record: Record<string, unknown>): Act | null {
  if (kind === 'cosign') return 'expense.cosign'
  if (kind === 'comment' && record.role === 'chair') return 'meeting.sign-chair'
  if (kind === 'comment' && record.role === 'supervisor') return 'meeting.sign-supervisor'
  if (kind === 'sealkey') return 'sealkey.create'
  if (kind === 'voidlist') return 'seal.open'
  return null
}

/**
 * The first person a signed record names who may not do its act by their roles on the village's
 * roster (the domain's `mayDo`): a co-signature by someone who is not a supervisor, a meeting signed
 * "as chair" by someone who is not on the council. Null when every one may (or no one signs it).
 */
export function unentitledSigner(kind: string, record: Record<string, unknown>, roster: readonly RosterEntry[]): { act: Act; personId: string } | null {
  const act = signedActOf(kind, record)
  const claimed = claimedSignatures(kind, record)
  if (!act || !claimed) return null
  for (const { personId } of claimed.claims) {
    const person = roster.find((p) => p.id === personId)
    if (!person || !mayDo(act, person.roles ?? [])) return { act, personId }
  }
  return null
}

/** The first person the record names whose signature fails, with why; null when every claimed signature is good (or none is claimed). */
export function unsignedClaim(kind: string, village: string, act: { id: string }, keys: readonly PersonKeyRecord[]): { kind: SignedKind; personId: string; problem: ActSignatureProblem } | null {
  const record = act as { id: string } & Record<string, unknown>
  const claimed = claimedSignatures(kind, record)
  if (!claimed) return null
  // an act claimed by no-one (a void list opened by nobody) is signed by no-one
  if (claimed.claims.length === 0) return { kind: claimed.kind, personId: '', problem: 'unsigned' }
  for (const c of claimed.claims) {
    const r = checkActSignature(claimed.kind, village, { ...record, keyId: c.keyId, signature: c.signature }, c.personId, keys)
    if (!r.ok) return { kind: claimed.kind, personId: c.personId, problem: r.problem }
  }
  return null
}

/**
 * Records of a signed kind that every person they name signed; the others prove nothing and count for
 * nothing. The village is the record's own (`villageId`) when it says, else `village`.
 */
export function signedActs<R extends { id: string }>(kind: SignedKind, records: readonly R[], keys: readonly PersonKeyRecord[], village = ''): R[] {
  return records.filter((r) => {
    const own = (r as { villageId?: unknown }).villageId
    return unsignedClaim(kind, typeof own === 'string' ? own : village, r, keys) === null
  })
}

/** A seal-key record as far as who holds the key goes, with the signature it carries (absent on keys set up before seal keys were signed). */
export type SealKeyClaim = SealKeyOwner & { id: string; createdAt: number; keyId?: string; signature?: string }

/**
 * The seal-key records that say who holds a seal key: signed by the supervisor they name with a key
 * someone the village trusts vouches for, or set up before seal keys were signed (no signature, taken
 * as they were then). One signed with a key not vouched for — kept by the hub while its witness's key
 * is on its way — names no-one until it is: otherwise anyone's unvouched key could add a name every
 * void list of a vote must carry.
 */
export function sealKeyHolders<S extends SealKeyClaim>(sealKeys: readonly S[], keys: readonly PersonKeyRecord[], village = ''): S[] {
  const unsigned = (s: S) => !s.keyId && !s.signature
  const signed = new Set(signedActs('sealkey', sealKeys.filter((s) => !unsigned(s)), keys, village))
  return sealKeys.filter((s) => unsigned(s) || signed.has(s))
}

/**
 * The void lists that void ballots: signed by every supervisor they name as opening them (`signedActs`)
 * and opened by every supervisor who sealed their vote (the domain's `sealersMissing`, over the holders
 * `sealKeyHolders` shows). A list whose vote is not here cannot be checked and voids nothing.
 * `sealKeys`: the village's seal-key records.
 */
export function openedVoidLists<L extends { id: string; voteId: string; openedBy: readonly string[] }>(lists: readonly L[], votes: readonly { id: string; sealKeys: readonly string[] }[],
  sealKeys: readonly SealKeyClaim[], keys: readonly PersonKeyRecord[], village = ''): L[] {
  const signed = signedActs('voidlist', lists, keys, village)
  const holders = signed.length ? sealKeyHolders(sealKeys, keys, village) : []
  return signed.filter((l) => {
    const vote = votes.find((v) => v.id === l.voteId)
    return vote !== undefined && sealersMissing(l.openedBy, vote, holders).length === 0
  })
}

/** Co-signatures signed by the supervisor they name; the others prove nothing and count for nothing. */
export function signedCosigns<C extends { id: string; supervisorId: string; keyId?: string; signature?: string; at: number }>(cosigns: readonly C[], keys: readonly PersonKeyRecord[], village: string): C[] {
  return signedActs('cosign', cosigns, keys, village)
}

/** The current key of each person (the latest self-signed one). */
export function currentPersonKeys(keys: readonly PersonKeyRecord[]): Map<string, PersonKeyRecord> {
  const out = new Map<string, PersonKeyRecord>()
  for (const k of keys) {
    if (!verifyPersonKey(k)) continue
    const had = out.get(k.personId)
    if (!had || k.createdAt > had.createdAt) out.set(k.personId, k)
  }
  return out
}
