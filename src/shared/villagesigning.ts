/**
 * The rule for a batch of records that bear on acts a person signs (the rule for one act or key:
 * src/shared/personacts.ts), the one rule of the hub (every push, sync-server/couch/push.ts) and a
 * tablet (every record another tablet hands it, src/data/peer/gate.ts, or a carried file). A record
 * that claims a person did a signed act (a supervisor's co-signature, a meeting's signature, a seal
 * key, the opening of void seals) carries the signature of each person it names, made with their key
 * good at the act's time among the village's `personkey` records the receiver holds (or that land
 * earlier in the same batch) that someone the village trusts vouches for (`witnessedKeys`); and a
 * `personkey` record is refused unless it is vouched for now (`witnessProblem`): a clerk's key
 * certified by the hub, or a key its clerk witnessed with that certified key — replacing only a key of
 * the same person.
 *
 * A key whose only lack is its witnessing clerk's key, which has not reached the receiver (`waiting`:
 * tablet B made a supervisor's key after getting the clerk's key by peer sync, and reached the hub
 * before tablet A), is kept, and so is an act whose signature verifies against such a key: both count
 * nowhere (every count reads only vouched keys) until the clerk's key arrives, then they count with no
 * one's action. What the receiver cannot check yet it keeps only under an id no genuine record will use
 * (src/shared/signedids.ts: a key's id is the digest of its content, an act's ends with its signers'
 * key ids), and only while the receiver has room for it (`WaitingRoom`: the hub's, sync-server/validate/waitingkeys.ts,
 * counts per village and per writing tablet within a window; a tablet's, `CappedRoom`, per village).
 * Any enrolled tablet can write records; only the person's passphrase opens their key, and only the
 * clerk's or the township's account gets a clerk's key certified.
 *
 * Pure: the receiver's records are read through `VillageRecords` (the hub's database, a tablet's RxDB).
 */
import { migrateBody, isDocKind } from './schemas/index'
import { claimedSignatures, keyStandings, sealKeyHolders, unentitledSigner, unsignedClaim, witnessProblem, type ActSignatureProblem, type ClerkKeyCertificate, type PersonKeyRecord, type RosterEntry, type SealKeyClaim, type WitnessProblem } from './personacts'
import type { HubKeys } from './hubkeys'
import { sealersMissing } from '../domain/voids'
import { ACTS } from '../domain/acts'
import { refusal, type Refusal } from './refusal'
import { rolesRefusal, signedRoster, type PersonRoles, type RolesSig } from './rosterroles'
import { actIdNamesSigners, idMustNameSigners, personKeyId } from './signedids'

/**
 * Person keys per village a receiver keeps while their witnessing clerk's key has not reached it: each
 * signs nothing until it does, but an enrolled tablet could send many. The hub's cap (sync-server/limits.ts).
 */
export const KEYS_WAITING_PER_VILLAGE = 50

/** A stored record as the rule reads it: kind, body version and body, its id (`_id` at the hub, `id` on a tablet), whether it is deleted. */
export interface SigningDoc { _id?: unknown; id?: unknown; kind?: unknown; v?: unknown; body?: unknown; _deleted?: unknown; /** the proven writing device */ device?: unknown }

/** The kinds of record the rule reads of what the receiver holds. */
export type SigningKind = 'personkey' | 'person' | 'vote' | 'sealkey'

/** The village's records of one kind the receiver holds (none deleted, none marked refused). */
export type VillageRecords = (kind: SigningKind) => Promise<readonly SigningDoc[]>

/**
 * Who judges: the village, the hub's keys (null: a tablet that has not pinned its hub yet), the receiver as reasons name it
 * ('the hub', 'this tablet'), and its room for keys waiting for their witness's key (read once, when the batch brings keys).
 */
export interface SigningContext { village: string; hubKeys: HubKeys | null; receiver: string; waitingRoom: () => Promise<WaitingRoom> }

/** The room a receiver has for keys waiting for their witnessing clerk's key, grown by the keys a batch takes. */
export interface WaitingRoom {
  /** Why a waiting key `device` wrote is not kept now, or null: `waiting` are the village's keys still waiting (the batch's own included). */
  refusal(key: { personId: string }, device: string, waiting: readonly { id: string }[], village: string): Refusal | null
  /** A waiting key `device` wrote was taken in this batch. */
  took(id: string, device: string): void
  /** The keys this batch took while waiting, with who wrote them and when (the receiver's clock). */
  readonly taken: { id: string; device: string; at: number }[]
}

/** A tablet's room: at most `max` waiting keys per village, whoever wrote them (the hub also counts per writer and in a window). */
export class CappedRoom implements WaitingRoom {
  readonly taken: { id: string; device: string; at: number }[] = []
  constructor(private readonly max: number, private readonly receiver: string) {}
  refusal(key: { personId: string }, _device: string, waiting: readonly { id: string }[], village: string): Refusal | null {
    if (waiting.length < this.max) return null
    return refusal('personkey.too-many-waiting', `${this.receiver} already keeps ${this.max} keys of village ${village} waiting for their witnessing clerk's key; the key of ${key.personId} is not taken until some of them are vouched for`, { person: key.personId, max: this.max })
  }
  took(id: string, device: string): void { this.taken.push({ id, device, at: 0 }) }
}

type Doc = SigningDoc

/** The record's body brought to its kind's current version, with its id (the shape the shared rules read). */
function flat(doc: Doc): ({ id: string } & Record<string, unknown>) | null {
  const body = doc.body
  if (!isDocKind(doc.kind) || typeof doc.v !== 'number' || body === null || typeof body !== 'object' || Array.isArray(body)) return null
  try {
    return { ...migrateBody(doc.kind, doc.v, body as Record<string, unknown>).body, id: String(doc._id ?? doc.id) }
  } catch {
    return null
  }
}

/** Whether the batch holds anything the person-signature rules read (else nothing is loaded). */
function needed(docs: readonly Doc[]): { keys: boolean; roster: boolean; seals: boolean } {
  // the roster says who may witness a key, and who may do a signed act (a supervisor, the council's chair)
  // a person's roles count only when signed by the hub or a certified clerk's key (src/shared/rosterroles.ts)
  const keys = docs.some((d) => d.kind === 'personkey' || d.kind === 'person' || (d.body !== null && typeof d.body === 'object' && claimedSignatures(String(d.kind), d.body as Record<string, unknown>) !== null))
  return { roster: keys, seals: docs.some((d) => d.kind === 'voidlist'), keys }
}

async function rows(read: VillageRecords, kind: SigningKind): Promise<({ id: string } & Record<string, unknown>)[]> {
  return (await read(kind)).flatMap((doc) => {
    const record = doc.kind === kind ? flat(doc) : null
    return record ? [record] : []
  })
}

/** A person key record as the shared rules read it, its fields checked (the body passed its schema where it entered; this proves it to the compiler). */
function personKeyOf(r: { id: string } & Record<string, unknown>): PersonKeyRecord | null {
  const { id, personId, publicKey, createdAt, witnessedBy, replaces, signature, certificate, witness } = r
  const text = (v: unknown): v is string => typeof v === 'string'
  if (!text(personId) || !text(publicKey) || typeof createdAt !== 'number' || !text(witnessedBy) || !text(signature)) return null
  const cert = certificate as Partial<ClerkKeyCertificate> | undefined
  const wit = witness as { keyId?: unknown; signature?: unknown } | undefined
  return {
    id, personId, publicKey, createdAt, witnessedBy, signature, ...(text(replaces) ? { replaces } : {}),
    ...(cert && typeof cert.issuedAt === 'number' && text(cert.by) && text(cert.sig) ? { certificate: { issuedAt: cert.issuedAt, by: cert.by, sig: cert.sig } } : {}),
    ...(wit && text(wit.keyId) && text(wit.signature) ? { witness: { keyId: wit.keyId, signature: wit.signature } } : {}),
  }
}

/** A person record's roles and their signature, as the roles rule reads them. */
function personRolesOf(r: { id: string } & Record<string, unknown>): PersonRoles {
  const sig = r.rolesSig as RolesSig | undefined
  return { id: r.id, roles: Array.isArray(r.roles) ? r.roles.map(String) : [], ...(sig && typeof sig === 'object' ? { rolesSig: sig } : {}) }
}

const sealKeysOf = (vote: Record<string, unknown>): string[] => (Array.isArray(vote.sealKeys) ? vote.sealKeys.map(String) : [])
const sealOwner = (k: { id: string } & Record<string, unknown>): SealKeyClaim => ({
  ...k, id: k.id, personId: String(k.personId ?? ''), publicKey: String(k.publicKey ?? ''), createdAt: Number(k.createdAt ?? 0),
  ...(typeof k.keyId === 'string' ? { keyId: k.keyId } : {}), ...(typeof k.signature === 'string' ? { signature: k.signature } : {}),
})

/** Why an act's signature proves nothing, in words (`receiver`: who judges, 'the hub' or 'this tablet'). */
const PROBLEMS = (receiver: string): Record<ActSignatureProblem, string> => ({
  'unsigned': 'it carries no signature of theirs',
  'unknown-key': `it is signed with a key ${receiver} does not hold for this village`,
  'other-person': 'it is signed with another person\'s key',
  'forged-key': 'the key it is signed with is not signed by itself',
  'before-key': 'it is dated before their key was set up',
  'key-replaced': 'it is dated after their key was replaced',
  'bad-signature': 'its signature does not match the record',
})

/** Why no-one the village trusts vouches for a key, in words (`receiver`: who judges). */
const WITNESS_PROBLEMS = (receiver: string): Record<WitnessProblem, string> => ({
  'forged-key': 'it is not signed by itself: whoever wrote it did not hold its secret',
  'not-clerk': 'the witness it names is not a clerk on the village\'s roster',
  'bad-certificate': 'its clerk\'s certificate was not issued by this hub for this person, key and village',
  'unwitnessed': 'it carries no signature of the clerk who witnessed it',
  'waiting': `${receiver} holds no key of the clerk who witnessed it yet`,
  'witness-other': 'it is witnessed with another person\'s key than the clerk it names',
  'witness-uncertified': 'the key of the clerk who witnessed it is not certified by this hub',
  'witness-out-of-time': 'it was set up when the witnessing clerk\'s key was not good (before it, or after it was replaced)',
  'bad-witness': 'the clerk\'s witness signature does not match the key',
})

/**
 * What one batch is checked against: the village's person keys the receiver holds and, when the batch
 * brings keys, its roster (who may witness a key) — both grown by what the batch lands, in order.
 */
export class VillageSigning {
  /** The keys vouched for now, and those waiting for their witness's key (recomputed when a key or a roster entry lands). */
  private standing: { vouched: PersonKeyRecord[]; waiting: PersonKeyRecord[] } | null = null

  /** The roster with only the roles that count (recomputed when a key or a roster entry lands). */
  private signed: RosterEntry[] | null = null

  private constructor(private keys: PersonKeyRecord[], private readonly persons: Map<string, PersonRoles>,
    /** When the batch brings a void list: the village's votes' seal keys, and who holds each. */
    private readonly seals: { votes: Map<string, readonly string[]>; owners: SealKeyClaim[] },
    private readonly ctx: SigningContext,
    /** When the batch brings keys: the room the receiver has for keys waiting for their witness's key. */
    private readonly room: WaitingRoom | null) {}

  private get village(): string { return this.ctx.village }
  private get hubKeys(): HubKeys | null { return this.ctx.hubKeys }

  /** Null when the batch holds no person's act and no key (nothing to load). `read`: the receiver's records; `ctx.hubKeys` certify clerks' keys. */
  static async load(read: VillageRecords, docs: readonly Doc[], ctx: SigningContext): Promise<VillageSigning | null> {
    const need = needed(docs)
    if (!need.keys) return null
    const keys = (await rows(read, 'personkey')).map(personKeyOf).filter((k): k is PersonKeyRecord => k !== null)
    const roster = need.roster ? await rows(read, 'person') : []
    const votes = need.seals ? await rows(read, 'vote') : []
    const owners = need.seals ? (await rows(read, 'sealkey')).map(sealOwner) : []
    const room = docs.some((d) => d.kind === 'personkey') ? await ctx.waitingRoom() : null
    return new VillageSigning(keys, new Map(roster.map((p) => [p.id, personRolesOf(p)])),
      { votes: new Map(votes.map((v) => [v.id, sealKeysOf(v)])), owners }, ctx, room)
  }

  /** The keys this batch took while they wait for their witness's key, to be noted once written (WaitingKeys.note). */
  get waitingTaken(): { id: string; device: string; at: number }[] { return this.room?.taken ?? [] }

  /** Who may witness and sign: the roster's roles as far as they are signed (`signedRoster`). */
  private get roster(): RosterEntry[] { return (this.signed ??= signedRoster([...this.persons.values()], { village: this.village, hubKeys: this.hubKeys, keys: this.keys })) }
  private get context() { return { village: this.village, roster: this.roster, hubKeys: this.hubKeys } }
  private get keyStanding(): { vouched: PersonKeyRecord[]; waiting: PersonKeyRecord[] } {
    if (!this.standing) {
      const standings = keyStandings(this.keys, this.context)
      this.standing = { vouched: this.keys.filter((_, i) => standings[i] === null), waiting: this.keys.filter((_, i) => standings[i] === 'waiting') }
    }
    return this.standing
  }

  /** A record of the batch was accepted: a key signs, and a roster entry witnesses, what comes after it. */
  accepted(doc: Doc): void {
    const record = ['personkey', 'person', 'vote', 'sealkey'].includes(String(doc.kind)) ? flat(doc) : null
    if (!record) return
    // a new list, not a longer one: the shared rules index a list of keys once
    if (doc.kind === 'personkey') { const key = personKeyOf(record); if (key) this.keys = [...this.keys, key] }
    else if (doc.kind === 'vote') this.seals.votes.set(record.id, sealKeysOf(record))
    else if (doc.kind === 'sealkey') this.seals.owners.push(sealOwner(record))
    else this.persons.set(record.id, personRolesOf(record))
    if (doc.kind === 'personkey' || doc.kind === 'person') { this.standing = null; this.signed = null }
  }

  /** Why the receiver refuses this record as a person's act or key, or null. */
  refusal(doc: Doc): Refusal | null {
    const record = flat(doc)
    if (!record) return null
    if (doc.kind === 'person') return this.rolesRefusal(personRolesOf(record))
    if (doc.kind === 'personkey') {
      const key = personKeyOf(record)
      return key ? this.keyRefusal(key, doc.body as Record<string, unknown>, String(doc.device ?? '')) : refusal('form.invalid', 'a person key without its fields', { kind: 'personkey' })
    }
    const { vouched, waiting } = this.keyStanding
    const bad = unsignedClaim(String(doc.kind), this.village, record, vouched)
    if (bad && !this.signedByWaitingKeys(String(doc.kind), record, vouched, waiting)) {
      if (bad.kind === 'sealkey' && bad.problem === 'bad-signature') {
        return refusal('sealkey.altered', `the seal key of ${bad.personId} does not match their signature: its sealed secret or another field was changed after they signed it`, { person: bad.personId })
      }
      return refusal('act.unsigned', `a ${bad.kind} in the name of ${bad.personId || 'no-one'} must be signed by that person with their own key, but ${PROBLEMS(this.ctx.receiver)[bad.problem]}`,
        { kind: bad.kind, person: bad.personId, problem: bad.problem })
    }
    if (bad && !actIdNamesSigners(String(doc.kind), record)) {
      return refusal('form.id', `a ${String(doc.kind)} signed with a key whose witness has not reached ${this.ctx.receiver} is kept only under an id that ends with its signers' key ids (src/shared/signedids.ts), and ${record.id} does not`,
        { kind: String(doc.kind) })
    }
    if (idMustNameSigners(String(doc.kind), record) && !actIdNamesSigners(String(doc.kind), record)) {
      return refusal('form.id', `a ${String(doc.kind)} is taken only under an id that ends with its signer's key id (src/shared/signedids.ts), and ${record.id} does not`, { kind: String(doc.kind) })
    }
    const unentitled = unentitledSigner(String(doc.kind), record, this.roster)
    if (unentitled) {
      return refusal('act.not-entitled', `${unentitled.personId} may not sign a ${doc.kind}${record.role ? ` as ${String(record.role)}` : ''}: "${unentitled.act}" is for ${ACTS[unentitled.act].join(' or ')} on the village's roster`,
        { kind: String(doc.kind), person: unentitled.personId, act: unentitled.act })
    }
    return doc.kind === 'voidlist' ? this.voidListRefusal(record) : null
  }

  /**
   * Whether every signature the act carries verifies against a key the receiver holds, vouched for or waiting
   * for its witness's key (the act is then genuinely its signers', though it counts nowhere yet). Only
   * the waiting keys it names are added: another waiting key in a signer's name, which anyone could
   * write, does not end the key the act is signed with.
   */
  private signedByWaitingKeys(kind: string, record: { id: string } & Record<string, unknown>, vouched: readonly PersonKeyRecord[], waiting: readonly PersonKeyRecord[]): boolean {
    const named = new Set(claimedSignatures(kind, record)?.claims.map((c) => c.keyId) ?? [])
    const theirs = waiting.filter((k) => named.has(k.id))
    return theirs.length > 0 && unsignedClaim(kind, this.village, record, [...vouched, ...theirs]) === null
  }

  /**
   * A void list is opened by every supervisor who sealed its vote (the domain's `sealersMissing`), all
   * together: refused when a sealer the receiver knows did not open it. A seal key on no seal-key record the
   * receiver holds yet (another tablet's record still on its way) is no reason to refuse: the list is kept,
   * and voids nothing anywhere (`openedVoidLists`) until that record arrives and shows its holder opened it.
   */
  private voidListRefusal(list: Record<string, unknown>): Refusal | null {
    const voteId = String(list.voteId ?? '')
    const sealKeys = this.seals.votes.get(voteId)
    if (!sealKeys) return refusal('voidlist.vote-unknown', `a void list is opened by every supervisor who sealed its vote, but ${this.ctx.receiver} does not hold vote ${voteId}`, { kind: 'voidlist', vote: voteId })
    const openedBy = Array.isArray(list.openedBy) ? list.openedBy.map(String) : []
    // who holds each seal key: records signed with vouched keys (one signed with a waiting key names no-one yet)
    const named = sealersMissing(openedBy, { sealKeys }, sealKeyHolders(this.seals.owners, this.keyStanding.vouched, this.village)).filter((m) => m !== '')
    if (named.length === 0) return null
    return refusal('voidlist.sealers-missing', `a void list is opened by every supervisor who sealed its vote, but ${named.join(', ')} did not open this one`,
      { kind: 'voidlist', vote: voteId, people: named.join(',') })
  }

  /** A person's roles change only signed (by the hub's key or a certified clerk's), newer than before, never stripping the last clerk. */
  private rolesRefusal(after: PersonRoles): Refusal | null {
    return rolesRefusal(this.persons.get(after.id) ?? null, after, { village: this.village, hubKeys: this.hubKeys, keys: this.keys, roster: [...this.persons.values()] }, this.ctx.receiver)
  }

  /**
   * A key is taken when someone the village trusts vouches for it, or kept when only its witness's key
   * is missing (`waiting`) — under its content's id, and while the village and its writer `device` have room for one more.
   */
  private keyRefusal(key: PersonKeyRecord, body: Record<string, unknown>, device: string): Refusal | null {
    const person = key.personId
    // the witness is looked up among every key held: a key held but not a certified clerk's witnesses nothing
    const problem = witnessProblem(key, this.keys, this.context)
    if (problem === 'forged-key') return refusal('personkey.not-self-signed', `the key of ${key.personId} is not signed by itself: whoever wrote it did not hold its secret`, { person })
    if (problem === 'waiting') {
      if (key.id !== personKeyId(body)) {
        return refusal('form.id', `the key of ${key.personId} waits for its witness's key, so ${this.ctx.receiver} keeps it only under the digest of its content (${personKeyId(body)}), not ${key.id}`, { kind: 'personkey' })
      }
      if (!this.room) throw new Error('a person key judged without its village\'s room for waiting keys')
      const full = this.room.refusal(key, device, this.keyStanding.waiting, this.village)
      if (full) return full
    } else if (problem) {
      return refusal('personkey.unvouched', `the key of ${key.personId} is vouched for by no-one the village trusts: ${WITNESS_PROBLEMS(this.ctx.receiver)[problem]}`, { person, problem })
    }
    const replaced = key.replaces ? this.keys.find((k) => k.id === key.replaces) : undefined
    if (replaced && replaced.personId !== key.personId) return refusal('personkey.replaces-other', `the key of ${key.personId} cannot replace ${replaced.personId}'s key`, { person, other: replaced.personId })
    if (problem === 'waiting') this.room?.took(key.id, device)
    return null
  }
}

/** Rounds one batch is judged in at most: longer than any chain the app writes (roles, a clerk's key, a key it witnessed, an act signed with it). */
export const SIGNING_ROUNDS = 8

/**
 * The records of `docs` (each past every other check) that the rule refuses, with why: the one way the
 * hub (a push, sync-server/couch/push.ts) and a tablet (a peer's batch, a carried file, its quarantine
 * judged again) judge a batch. Each is judged against what the receiver holds and what of the batch was
 * taken before it; one refused is judged again once more of the batch is taken, until a round takes
 * nothing more. A tablet sends its records in the order it last wrote them (a supervisor's person record
 * edited after they co-signed comes after the co-signature), not in the order they rest on each other;
 * what would be taken sent in a good order is taken. Bounded: at most SIGNING_ROUNDS rounds, so at most
 * that many checks a record (unbounded, a chain sent backwards cost records × records: 100 × 100 checks
 * for one push); what a longer chain leaves is judged again when the quarantine is.
 */
export function signingRefusals<D extends Doc>(rule: Pick<VillageSigning, 'refusal' | 'accepted'> | null, docs: readonly D[]): Map<D, Refusal> {
  const refused = new Map<D, Refusal>()
  if (!rule) return refused
  let pending = docs
  for (let round = 0; round < SIGNING_ROUNDS && pending.length > 0; round++) {
    const left: D[] = []
    for (const doc of pending) {
      const why = rule.refusal(doc)
      if (why) { refused.set(doc, why); left.push(doc) } else { refused.delete(doc); rule.accepted(doc) }
    }
    if (left.length === pending.length) break
    pending = left
  }
  return refused
}

/** The village's roster as the receiver holds it, with only the roles that count (`signedRoster`): who is clerk, supervisor, on the council. */
export async function signedVillageRoster(read: VillageRecords, village: string, hubKeys: HubKeys | null): Promise<RosterEntry[]> {
  const keys = (await rows(read, 'personkey')).map(personKeyOf).filter((k): k is PersonKeyRecord => k !== null)
  const persons = (await rows(read, 'person')).map(personRolesOf)
  return signedRoster(persons, { village, hubKeys, keys })
}
