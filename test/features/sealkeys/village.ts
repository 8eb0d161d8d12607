import * as D from '@/domain'
import { useSealsStore } from '@/stores/seals'
import { useVotesStore } from '@/stores/votes'
import { useConflictsStore } from '@/stores/conflicts'
import { eventually } from '../support/village'
import { clerkWitnesses, openApprovalVote, openVoteVillage, T0, withClerkKey } from '../votes/village'

/** Bounded waits; key derivation (PBKDF2, 250k rounds) is slow on a busy machine. */
export const soon = (check: () => boolean | Promise<boolean>, ms = 15_000) => eventually(check, ms)

export type SealVillage = Awaited<ReturnType<typeof openVoteVillage>>

/** The two supervisors' own passphrases. */
export const PASS = { 'person:sup1': '李家院子123', 'person:sup2': 'zhao-456789' } as const

/** The vote village with the seals store attached and the clerk's key certified an hour ago (so the clerk can witness keys). */
export async function sealVillage(): Promise<SealVillage> {
  const v = await openVoteVillage()
  useSealsStore(v.pinia).attach(v.data, { now: v.now })
  await withClerkKey(v.data, v.kv, v.now() - 3_600_000)
  return v
}

/** Both supervisors set up their keys (through the store, as the key screen does, the clerk witnessing); returns the public keys. */
export async function withSealKeys(v: SealVillage): Promise<string[]> {
  const seals = useSealsStore(v.pinia)
  await soon(() => seals.supervisors.length === 2)
  for (const [id, p] of Object.entries(PASS)) await clerkWitnesses(v.pinia, () => seals.createKey(id, p, p))
  await soon(() => seals.currentKeys.length === 2)
  return seals.currentKeys.map((k) => k.publicKey)
}

/**
 * A sealed vote, closed, with a decided double vote: 张秀英 voted here (and 刘德华), and again on tablet B
 * (whose check-off lost the collision and came back as a conflict record, its ballot synced in). The council
 * decided the first ballot counts; the supervisors have not opened the void seal yet.
 */
export async function decidedDoubleVote(v: SealVillage, { sealers = 2, decided = true } = {}) {
  // `sealers: 1`: only 李监事's key seals the vote (both supervisors still have keys); `decided: false`: the council has not decided yet
  const sealKeys = (await withSealKeys(v)).slice(0, sealers)
  const vote = await openApprovalVote(v, { sealKeys })
  const votes = useVotesStore(v.pinia)
  await soon(() => votes.list.length === 1)
  await votes.castBallot(vote.id, 'person:zhang', ['project:lamps'], 'person:clerk')
  await votes.castBallot(vote.id, 'person:liu', ['project:road'], 'person:clerk')
  const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n))
  const other = D.castVote({ vote, voterId: 'person:zhang', choices: ['project:water'], recordedBy: 'person:clerk2', device: 'tablet-b', at: T0 + 600_000, random })
  await v.data.ballots.create({ ...other.ballot })
  await v.data.conflicts.create({
    id: 'conflict:tablet-b-7', subjectId: other.checkOff.id, reason: 'double-checkoff', winner: { device: 'tablet-test', seq: 2, author: 'person:clerk' },
    loser: { id: other.checkOff.id, kind: 'checkoff', v: 1, village: 'test-village', year: 2026, author: 'person:clerk2', device: 'tablet-b', deviceTime: T0 + 600_000, seq: 7, ref: vote.id, body: { ...other.checkOff, id: undefined } },
    fields: [], at: T0 + 700_000,
  })
  const conflicts = useConflictsStore(v.pinia)
  await soon(() => conflicts.open.length === 1)
  if (decided) await conflicts.resolve(other.checkOff.id, 'keep-earliest', '本人确认只投了一次，第二台平板重复登记', 'person:sup2')
  v.advance()
  await votes.close(vote.id)
  await soon(async () => (await v.data.ballots.count({ ref: vote.id })) === 3)
  return { vote, extra: other.ballot.id }
}
