import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { fail } from './errors.ts'
import { asInput, checkId, id, list, str, time } from './model/check.ts'
import type { Ballot, CheckOff, Time } from './model/types.ts'

/**
 * One person, one vote — without giving up the secret ballot.
 *
 * The tension: to void a second vote we must know which ballot it was; to keep the vote
 * secret nobody may know which ballot is whose. The design:
 *
 * 1. A ballot carries no person (random id `ballot:…`). The check-off (`checkoff:<vote>:<voter>`,
 *    one deterministic id per voter, so two tablets that check off the same person collide on
 *    sync) carries a **seal**: the ballot id encrypted in layers to every supervisor's public
 *    key in `vote.sealKeys` (X25519 + HKDF-SHA-256 + HMAC, one layer per supervisor). Tablets
 *    and the hub hold public keys only: a stolen tablet or the hub's disk cannot link a
 *    check-off to a ballot. Opening a seal needs every supervisor, each removing their layer
 *    (`openSealLayer`) in turn — they open seals together, never alone.
 * 2. `findDoubleVotes` lists every voter with more than one check-off (conflicting revisions
 *    of the same check-off id, gathered from all devices). The council decides which one counts
 *    (by default the earliest) and records a `DoubleVoteResolution`: who decided, why, which
 *    seals are void. Seals are opaque, so the record names no ballot and reveals no choice.
 * 3. Only the seals listed as void are opened, once the vote is closed, by the supervisors
 *    together; the void ballot ids are published as one sorted `VoidList`, so anyone can
 *    recompute the tally from the raw ballots (`countableBallots`) but cannot tell which void
 *    ballot belongs to which voter when there are two or more. Kept ballots are never opened.
 *
 * Limits, written down on purpose: with a single double voter, the content of their voided
 * ballot(s) can be inferred from the void list; the supervisors who open a seal learn that one
 * link. Ballot and check-off must also not be linkable by metadata: a ballot's `castAt` is
 * coarsened (`coarseCastTime`) and the storage layer must not give a ballot a per-device
 * sequence number or device time adjacent to its check-off's.
 */
export const SEAL_INFO = utf8ToBytes('yishi-ballot-seal-v1')
const LAYER_OVERHEAD = 32 + 32 // ephemeral public key + MAC

export type RandomBytes = (n: number) => Uint8Array

/** A supervisor's key pair, from 32 random bytes. The public key (hex) goes in `vote.sealKeys`. */
export function sealKeyPair(random: RandomBytes): { secretKey: string; publicKey: string } {
  const secret = random(32)
  return { secretKey: bytesToHex(secret), publicKey: bytesToHex(x25519.getPublicKey(secret)) }
}

function layerKeys(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array, length: number) {
  const salt = new Uint8Array(64)
  salt.set(ephemeral, 0)
  salt.set(recipient, 32)
  const okm = hkdf(sha256, shared, salt, SEAL_INFO, length + 32)
  return { stream: okm.subarray(0, length), mac: okm.subarray(length) }
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number)
  return out
}

/** Seals a ballot id to all the vote's supervisors (outermost layer: `sealKeys[0]`). */
export function sealBallotRef(sealKeys: readonly string[], ballotId: string, random: RandomBytes): string {
  checkId('seal', 'ballotId', ballotId, 'ballot')
  if (sealKeys.length === 0) fail('seal.invalid', 'the vote has no supervisors\' seal keys')
  let data: Uint8Array = utf8ToBytes(ballotId)
  for (let k = sealKeys.length - 1; k >= 0; k--) {
    const recipient = hexToBytes(sealKeys[k] as string)
    const ephemeralSecret = random(32)
    const ephemeral = x25519.getPublicKey(ephemeralSecret)
    const keys = layerKeys(x25519.getSharedSecret(ephemeralSecret, recipient), ephemeral, recipient, data.length)
    const cipher = xor(data, keys.stream)
    const tag = hmac(sha256, keys.mac, cipher)
    const next = new Uint8Array(32 + cipher.length + 32)
    next.set(ephemeral, 0)
    next.set(cipher, 32)
    next.set(tag, 32 + cipher.length)
    data = next
  }
  return bytesToHex(data)
}

/** One supervisor removes their (outermost) layer; returns what to hand to the next one. */
export function openSealLayer(seal: string, secretKey: string): string {
  let bytes: Uint8Array
  try { bytes = hexToBytes(seal) } catch { fail('seal.invalid', 'the seal is not hex') }
  if (bytes.length <= LAYER_OVERHEAD) fail('seal.invalid', 'the seal is too short')
  const secret = hexToBytes(secretKey)
  const ephemeral = bytes.subarray(0, 32)
  const cipher = bytes.subarray(32, bytes.length - 32)
  const tag = bytes.subarray(bytes.length - 32)
  const keys = layerKeys(x25519.getSharedSecret(secret, ephemeral), ephemeral, x25519.getPublicKey(secret), cipher.length)
  const expected = hmac(sha256, keys.mac, cipher)
  let diff = 0
  for (let i = 0; i < 32; i++) diff |= (expected[i] as number) ^ (tag[i] as number)
  if (diff !== 0) fail('seal.invalid', 'this key does not open the seal (wrong supervisor, wrong order, or an altered seal)')
  return bytesToHex(xor(cipher, keys.stream))
}

/** All supervisors together, in `sealKeys` order: the ballot id inside the seal. */
export function openSeal(seal: string, secretKeysInOrder: readonly string[]): string {
  let data = seal
  for (const key of secretKeysInOrder) data = openSealLayer(data, key)
  const text = new TextDecoder().decode(hexToBytes(data))
  return checkId('seal', 'ballotId', text, 'ballot')
}

/** A ballot's cast time rounded down to `granularityMs` (default 1 hour), not before the vote opened. */
export function coarseCastTime(at: Time, opensAt: Time, granularityMs = 3_600_000): Time {
  return Math.max(opensAt, at - (at % granularityMs))
}

export interface DoubleVote { voteId: string; voterId: string; checkOffs: CheckOff[] }

/**
 * Every voter with more than one distinct check-off in a vote. Pass every revision of every
 * check-off (the winning one and the conflicting ones the sync produced); identical copies
 * of the same check-off count once. Check-offs are listed earliest first.
 */
export function findDoubleVotes(checkOffs: readonly CheckOff[]): DoubleVote[] {
  const groups = new Map<string, Map<string, CheckOff>>()
  for (const c of checkOffs) {
    const key = `${c.voteId}\u0000${c.voterId}`
    const distinct = groups.get(key) ?? new Map<string, CheckOff>()
    distinct.set(`${c.device}\u0000${c.at}\u0000${c.seal}`, c)
    groups.set(key, distinct)
  }
  const out: DoubleVote[] = []
  for (const distinct of groups.values()) {
    if (distinct.size < 2) continue
    const list = [...distinct.values()].sort(compareCheckOffs)
    const first = list[0] as CheckOff
    out.push({ voteId: first.voteId, voterId: first.voterId, checkOffs: list })
  }
  return out.sort((a, b) => (a.voteId + a.voterId < b.voteId + b.voterId ? -1 : 1))
}

function compareCheckOffs(a: CheckOff, b: CheckOff): number {
  return a.at - b.at || (a.device < b.device ? -1 : a.device > b.device ? 1 : 0) || (a.seal < b.seal ? -1 : a.seal > b.seal ? 1 : 0)
}

/** The council's recorded decision on one double vote. Immutable. */
export interface DoubleVoteResolution {
  id: string
  voteId: string
  voterId: string
  /** The seal whose ballot counts; '' when none of them counts. */
  keptSeal: string
  /** Seals whose ballots are void (opened later, together, by the supervisors). */
  voidedSeals: string[]
  decidedBy: string[]
  reason: string
  at: Time
}

/** Default proposal for the council: the earliest check-off counts, the later ones are void. */
export function proposeResolution(dv: DoubleVote): { keptSeal: string; voidedSeals: string[] } {
  const [first, ...rest] = dv.checkOffs
  return { keptSeal: first?.seal ?? '', voidedSeals: rest.map((c) => c.seal) }
}

/**
 * Whether a decision on a double vote names among its deciders the voter it is about. Nobody
 * decides on their own second vote: which of their ballots counts is the council's call, not theirs.
 * `deciders` are person ids (a decision record's `decidedBy`, or its single `by`).
 */
export function isOwnDoubleVote(voterId: string, deciders: readonly string[]): boolean {
  return voterId !== '' && deciders.includes(voterId)
}

/** Throws `doublevote.own-vote` when the voter is among the deciders of their own double vote. */
export function assertMayDecideDoubleVote(voterId: string, deciders: readonly string[]): void {
  if (isOwnDoubleVote(voterId, deciders)) fail('doublevote.own-vote', `${voterId} cannot decide on their own double vote`, { voterId })
}

/** Validating constructor; `dv` is the double vote it resolves (every seal must be decided). */
export function doubleVoteResolution(input: unknown, dv: DoubleVote): DoubleVoteResolution {
  const i = asInput('decision', input)
  const r: DoubleVoteResolution = {
    id: id('decision', i, 'id', 'decision'),
    voteId: id('decision', i, 'voteId', 'vote'),
    voterId: str('decision', i, 'voterId', { max: 140 }),
    keptSeal: str('decision', i, 'keptSeal', { optional: true, max: 4000 }),
    voidedSeals: list('decision', i, 'voidedSeals', (v, n) => str('decision', { [`voidedSeals[${n}]`]: v }, `voidedSeals[${n}]`, { max: 4000 }), { unique: (s) => s }),
    decidedBy: list('decision', i, 'decidedBy', (v, n) => checkId('decision', `decidedBy[${n}]`, v, 'person'), { min: 1, unique: (s) => s }),
    reason: str('decision', i, 'reason', { min: 4, max: 2000 }),
    at: time('decision', i, 'at'),
  }
  assertMayDecideDoubleVote(r.voterId, r.decidedBy)
  if (r.voteId !== dv.voteId || r.voterId !== dv.voterId) fail('doublevote.invalid', `the decision is about ${r.voterId} in ${r.voteId}, not ${dv.voterId} in ${dv.voteId}`)
  const seals = new Set(dv.checkOffs.map((c) => c.seal))
  const decided = new Set([...(r.keptSeal ? [r.keptSeal] : []), ...r.voidedSeals])
  if (r.keptSeal && r.voidedSeals.includes(r.keptSeal)) fail('doublevote.invalid', 'a seal cannot be both kept and void')
  for (const s of decided) if (!seals.has(s)) fail('doublevote.invalid', 'the decision names a seal that is not on any of this voter\'s check-offs')
  if (decided.size !== seals.size) fail('doublevote.invalid', `all ${seals.size} check-offs must be decided (kept or void); ${decided.size} are`, { checkOffs: seals.size, decided: decided.size })
  return r
}

/** The ballots opened from void seals, published together and sorted (so order reveals nothing). */
export interface VoidList { voteId: string; ballotIds: string[]; openedBy: string[]; at: Time }

export function voidList(voteId: string, ballotIds: readonly string[], openedBy: readonly string[], at: Time): VoidList {
  for (const b of ballotIds) checkId('voidlist', 'ballotIds', b, 'ballot')
  if (openedBy.length < 1) fail('invalid.required', 'voidlist.openedBy: required')
  return { voteId, ballotIds: [...new Set(ballotIds)].sort(), openedBy: [...openedBy], at }
}

/** The ballots that count: this vote's, minus the void ones. */
export function countableBallots<B extends Ballot>(ballots: readonly B[], voteId: string, voids: readonly Pick<VoidList, 'voteId' | 'ballotIds'>[]): B[] {
  const voided = new Set(voids.filter((v) => v.voteId === voteId).flatMap((v) => v.ballotIds))
  return ballots.filter((b) => b.voteId === voteId && !voided.has(b.id))
}

/**
 * Ballots that no check-off accounts for. A voter checked off on two tablets leaves one
 * check-off (the ids collide) but two ballots; until supervisors open the extra ballot's seal
 * and void it, nobody can tell which ballot is the extra one, so the result counts both.
 * The result must say so: this is how many ballots it counts beyond the voters checked off.
 */
export function surplusBallots(ballots: readonly Ballot[], checkOffs: readonly CheckOff[], voteId: string, voids: readonly Pick<VoidList, 'voteId' | 'ballotIds'>[] = []): number {
  const counted = countableBallots(ballots, voteId, voids).length
  const voters = new Set(checkOffs.filter((c) => c.voteId === voteId).map((c) => c.voterId)).size
  return Math.max(0, counted - voters)
}
