// View models for the vote screens. The votes store maps repository records to these; components
// only render them and emit what the person did. Money is integer fen.
import type { PaperDifference, ProposalCategory } from '@/domain'

export type BallotType = 'approval' | 'knapsack' | 'choose-one'
export type SelectionMethod = 'greedy' | 'greedy-no-skip' | 'mes'
/** As the records show at this moment (domain `voteStatus`). */
export type VoteStatus = 'scheduled' | 'open' | 'closed'

export interface CandidateView {
  id: string
  name: string
  /** fen */
  cost: number
  /** A small image as a data: URL, or '' for the placeholder. */
  picture: string
  /** What the project is about (its proposal's category): the screens show its icon when there is no picture. */
  category: ProposalCategory
  description: string
}

export interface VoteView {
  id: string
  title: string
  ballotType: BallotType
  method: SelectionMethod
  /** Most options a voter may tick (0 = no limit). */
  maxChoices: number
  /** fen */
  budget: number
  opensAt: number
  closesAt: number
  status: VoteStatus
  perHousehold: boolean
  candidates: CandidateView[]
  /** The procedure's gate (domain `voteGate`): 'open' once the vote's announcement has run its window. */
  gate: 'open' | 'no-notice' | 'notice-running'
  /** When the announcement's window ends (0: no announcement yet). */
  gateUntil: number
  /** When the vote starts taking ballots by itself (domain `voteOpensAt`; 0: not before its announcement is published). */
  startsAt: number
  /** The recorded reason the vote opened before its announcement ended, if it did. */
  openedEarly: { reason: string; by: string; at: number } | null
}

export interface VoterView {
  id: string
  name: string
  /** The household's number as people say it; '' where the roster holds a code (never shown). */
  household: string
  unit: string
  checkedOff: boolean
}

export interface ResultRow {
  candidateId: string
  name: string
  cost: number
  votes: number
  funded: boolean
  rank: number
  /** The domain's reason: funded, does-not-fit, stopped, no-support, supporters-cannot-afford. */
  reason: string
  /** fen left when this project's turn came (greedy rules) */
  remainingBefore: number
  explanation: string
}

export interface ResultsView {
  rows: ResultRow[]
  electronic: number
  paper: number
  budget: number
  allocated: number
  /** Ballots counted beyond the voters checked off (double votes not yet voided). */
  surplus: number
  /** Ballots cast after the close on a tablet that did not know of it yet: shown, never counted. */
  late: number
  explanation: string
}

export type PaperState =
  | { kind: 'none' }
  | { kind: 'waiting'; by: string }
  | { kind: 'confirmed' }
  | { kind: 'disagree'; differences: PaperDifference[] }
