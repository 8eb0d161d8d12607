import { bytesToHex } from '@noble/hashes/utils.js'
import { acceptBallot, acceptCheckOff } from './ballots.ts'
import { coarseCastTime, sealBallotRef } from './doublevote.ts'
import type { RandomBytes } from './doublevote.ts'
import { ballot as makeBallot, checkOff as makeCheckOff } from './model/voting.ts'
import type { Ballot, CheckOff, Time, Vote } from './model/types.ts'

export interface CastInput {
  vote: Vote
  voterId: string
  choices: readonly string[]
  /** The clerk (or kiosk account) who checks the voter off. */
  recordedBy: string
  device: string
  at: Time
  /** Cryptographic randomness (crypto.getRandomValues in the browser and in Node). */
  random: RandomBytes
}

/**
 * One vote cast, as the two records to store: the check-off (who) and the ballot (what), with
 * the secrecy measures of doublevote.ts applied — a random ballot id (nothing derived from
 * time or device), the ballot's time coarsened to the hour, and the check-off's seal when
 * the vote has supervisors' seal keys. Throws if the voter is not on the roster, the vote is
 * not open at `at`, or the choices break the ballot's rules.
 *
 * Lateness is judged on the check-off's exact time (`acceptCheckOff`); the ballot's coarse
 * time only has to fall inside the window.
 *
 * The storage layer must keep the two unlinkable too: do not give the ballot a per-device
 * sequence number or device time next to the check-off's (for instance, write ballots with
 * `seq` 0 and the coarse time, or hold and shuffle them in small batches).
 */
export function castVote(input: CastInput): { checkOff: CheckOff; ballot: Ballot } {
  const ballotId = `ballot:${bytesToHex(input.random(16))}`
  const seal = input.vote.sealKeys.length ? sealBallotRef(input.vote.sealKeys, ballotId, input.random) : ''
  const checkOff = makeCheckOff({ voteId: input.vote.id, voterId: input.voterId, at: input.at, device: input.device, recordedBy: input.recordedBy, seal })
  acceptCheckOff(input.vote, checkOff)
  const ballot = makeBallot({ id: ballotId, voteId: input.vote.id, choices: [...input.choices], castAt: coarseCastTime(input.at, input.vote.opensAt), device: input.device })
  const choices = acceptBallot(input.vote, ballot)
  return { checkOff, ballot: { ...ballot, choices } }
}
