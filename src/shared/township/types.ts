/**
 * What a township staff device holds about each village: one summary per village,
 * computed on the hub (sync-server/township) from the village's records, plus — for
 * the village that is opened — its full records. Plain data, JSON-safe.
 */

/**
 * A compliance problem found by src/domain/compliance.ts, with the record it concerns. No sentence
 * travels: the screen words `code` and `variant` in the reader's language (src/i18n, `compliance.*`).
 */
export interface TownshipFlag {
  /** The domain's FlagCode, e.g. `adopted-without-quorum`. */
  code: string
  /** Which of the code's wordings fits (the domain's FLAG_TEXTS). */
  variant?: string
  /** Id of the record concerned (resolution, ledger entry, allocation, step…), '' if none. */
  ref: string
  /** What the words are filled with (names, amounts in fen, times in ms, a step's key; text and numbers only). */
  details?: Record<string, string | number>
}

export interface MeetingSummary {
  id: string
  title: string
  /** When it was held (ms since epoch), as recorded. */
  at: number
  kind: string
  present: number
  /** true / false when a quorum rule applies, null when the records cannot tell. */
  quorate: boolean | null
}

export interface VoteResultSummary {
  id: string
  title: string
  rule: string
  budget: number
  /** Ballots counted: cast in time and not voided (the domain's `countedBallots`, as on the tablet). */
  ballots: number
  /** Paper ballots of the count two people agreed on (0 without one). */
  paper: number
  /** Ballots the supervisors voided after the council's decisions on double votes. */
  voided: number
  /**
   * The council's decisions on this vote's double votes whose void seals the supervisors have not
   * opened yet (the domain's `awaitingSeals`, as the tablet's results screen counts them).
   */
  awaitingSeals: number
  /** Ballots cast after the close on a tablet that did not know of it: shown, never counted. */
  late: number
  /** Eligible voters on the roster (0 when unknown). */
  eligible: number
  /** (ballots + paper) / eligible, null when the roster is unknown. */
  turnout: number | null
  closedAt: number | null
  /** Funded project ids, in the order the rule selected them. */
  selected: string[]
  /** Their titles, in the same order (what people read; the ids are for checking against the .pb file). */
  selectedTitles?: string[]
  cost: number
}

export interface AllocationSummary {
  id: string
  project: string
  title: string
  allocated: number
  spent: number
}

export interface TabletSummary {
  device: string
  /** The name the tablet was given at enrollment (the hub's accounts), absent when it was given none. */
  label?: string
  /** When this tablet's writes last reached the township hub (hub clock), null if never. */
  lastSyncAt: number | null
  docs: number
}

export interface VillageSummary {
  villageId: string
  name: string
  townshipId: string
  /** Current step of the cycle (procedure step key, e.g. `decide`), null before any. */
  step: string | null
  stepIndex: number
  stepCount: number
  /** The latest cycle went through every step (its last step done): the village finished the round. */
  finished: boolean
  fundYear: number | null
  fund: number
  allocated: number
  spent: number
  lastVote: VoteResultSummary | null
  votes: VoteResultSummary[]
  allocations: AllocationSummary[]
  meetings: MeetingSummary[]
  publicityRunning: number
  publicityOverdue: number
  openObjections: number
  /** Voters checked off twice whom the council has not decided on yet. */
  doubleVotes: number
  /** Double votes the council decided whose void seals the supervisors have not opened yet (every vote's `awaitingSeals`). */
  doubleVotesAwaitingSeals: number
  conflicts: number
  quarantined: number
  tablets: TabletSummary[]
  flags: TownshipFlag[]
  docCount: number
  /** When the village's data last reached this (township) hub, hub clock; null if never. */
  lastReachedTownship: number | null
  /** When it last reached the district hub or CouchDB upstream (peer sync); null if never/unknown. */
  lastReachedDistrict: number | null
  computedAt: number
}

export interface TownshipSummary {
  townshipId: string
  townshipName: string
  villages: VillageSummary[]
  /** Hub clock when this answer was made. */
  at: number
}
