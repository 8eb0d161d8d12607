/**
 * The records of the council cycle. Ids are document ids `<kind>:<rest>` (src/data/README.md),
 * except a township's and a village's `id`, which are slugs (`[a-z][a-z0-9-]{1,40}`) because
 * they name hub databases. Times are ms since the epoch. Money is integer **fen** (¥1 = 100).
 */

export type Time = number
export type Fen = number

export interface Township { id: string; name: string }

export interface Village {
  id: string
  townshipId: string
  name: string
  /** The procedure template this village uses (`procedure:…`), '' for the default. */
  procedureId: string
}

export const UNIT_KINDS = ['courtyard', 'compound', 'building', 'villager-group'] as const
export type UnitKind = (typeof UNIT_KINDS)[number]
export interface Unit { id: string; villageId: string; kind: UnitKind; name: string }

export const ROLES = ['council-member', 'courtyard-council-member', 'representative', 'supervisor', 'clerk', 'self-management'] as const
export type Role = (typeof ROLES)[number]

export interface Person {
  id: string
  villageId: string
  name: string
  /** `household:…`: the household the person belongs to. */
  householdId: string
  unitId: string
  adult: boolean
  /** May vote in residents' votes (adult, registered, not excluded). */
  eligible: boolean
  /** Represents the household when votes count one per household. */
  householdHead: boolean
  roles: Role[]
  /** The signature that makes `roles` count (src/shared/rosterroles.ts): without it the roles grant nothing. */
  rolesSig?: RolesSignature
}

/** Who signed a person's roles, when, with which key (the hub's, 'hub', or a clerk's person key). */
export interface RolesSignature { at: number; by: string; keyId: string; signature: string }

/** What a livelihood project (民生项目) is about; a category a newer tablet adds reads as 'other' here. */
export const PROPOSAL_CATEGORIES = ['lighting', 'road', 'water', 'sanitation', 'elderly', 'culture', 'greening', 'safety', 'other'] as const
export type ProposalCategory = (typeof PROPOSAL_CATEGORIES)[number]

export const PROPOSAL_STATUSES = ['open', 'merged', 'shortlisted', 'candidate', 'rejected', 'withdrawn'] as const
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number]
export interface Proposal {
  id: string
  villageId: string
  unitId: string
  title: string
  description: string
  proposedBy: string
  createdAt: Time
  status: ProposalStatus
  /** When merged: the proposal it was merged into. */
  mergedInto: string
  /** Rough estimate in fen, 0 when unknown. */
  estimatedCost: Fen
  /** What it is about (lighting, road, water…; the UI shows an icon), 'other' when not given. */
  category: string
  /** Photos (sha-256 content hashes, hex). */
  photos: string[]
  /** A recorded voice note (sha-256 content hash), '' when none. */
  voiceNote: string
}

/** A costed project on a vote's candidate list. */
export interface CandidateProject { id: string; title: string; cost: Fen; proposalIds: string[] }

export const MEETING_KINDS = ['courtyard-council', 'village-council', 'villagers-meeting', 'representatives-meeting'] as const
export type MeetingKind = (typeof MEETING_KINDS)[number]
export interface AgendaItem { key: string; title: string }
export interface Meeting {
  id: string
  villageId: string
  unitId: string
  kind: MeetingKind
  title: string
  scheduledAt: Time
  place: string
  agenda: AgendaItem[]
  /** Size of the body the quorum is counted against (members, adults or households). */
  memberCount: number
  minutes: string
  status: 'planned' | 'open' | 'closed'
}

/** Immutable: one person present at a meeting. */
export interface Attendance { id: string; meetingId: string; personId: string; at: Time; recordedBy: string; proxyFor: string }

export type Outcome = 'adopted' | 'rejected' | 'not-quorate'
/** Immutable: the result of a yes/no/abstain decision at a meeting, with its explanation. */
export interface Resolution {
  id: string
  meetingId: string
  agendaKey: string
  motion: string
  members: number
  present: number
  yes: number
  no: number
  abstain: number
  outcome: Outcome
  explanation: string
  at: Time
  recordedBy: string
}

export const VOTE_KINDS = ['project-selection', 'choice'] as const
export type VoteKind = (typeof VOTE_KINDS)[number]
export const BALLOT_TYPES = ['approval', 'knapsack', 'choose-one'] as const
export type BallotType = (typeof BALLOT_TYPES)[number]
export const SELECTION_RULES = ['greedy', 'greedy-no-skip', 'mes'] as const
export type SelectionRule = (typeof SELECTION_RULES)[number]

export interface Vote {
  id: string
  villageId: string
  unitId: string
  kind: VoteKind
  title: string
  candidates: CandidateProject[]
  ballotType: BallotType
  minChoices: number
  /** Approval: at most this many ticks (0 = no limit). */
  maxChoices: number
  /** Budget in fen the selection must fit (and a knapsack ballot's limit). */
  budget: Fen
  opensAt: Time
  closesAt: Time
  /** Set when the vote was closed early, on record; 0 otherwise. */
  closedAt: Time
  /** Eligible voters (`person:…`), or household ids when `perHousehold`. */
  roster: string[]
  perHousehold: boolean
  rule: SelectionRule
  /** Public keys (hex) of the supervisors who jointly open ballot seals; see doublevote.ts. */
  sealKeys: string[]
}

/** Immutable: what was voted, with no person on it. */
export interface Ballot { id: string; voteId: string; choices: string[]; castAt: Time; device: string }

/** Immutable: who voted (id `checkoff:<vote>:<voter>`), with a sealed link to the ballot. */
export interface CheckOff { id: string; voteId: string; voterId: string; at: Time; device: string; recordedBy: string; seal: string }

/** Immutable: one person's entry of a paper count; two entries by different people must agree. */
export interface PaperCount {
  id: string
  voteId: string
  enteredBy: string
  at: Time
  /** Ballot papers in the box. */
  total: number
  valid: number
  blank: number
  spoiled: number
  /** Ticks per candidate id, from valid papers. */
  perOption: Record<string, number>
}

export interface Fund { id: string; villageId: string; year: number; amount: Fen; source: string }
export interface Allocation { id: string; fundId: string; projectId: string; title: string; amount: Fen; decidedBy: string; at: Time }

export interface LedgerEntry {
  id: string
  fundId: string
  projectId: string
  kind: 'expense' | 'refund'
  amount: Fen
  payee: string
  description: string
  at: Time
  recordedBy: string
}
/**
 * Immutable: a supervisor's co-signature (or refusal) of a ledger entry, signed with the supervisor's
 * own key (`keyId`, `signature`: see src/shared/personacts.ts); '' on records made before person keys.
 */
export interface CoSignature { id: string; ledgerId: string; supervisorId: string; approve: boolean; note: string; at: Time; keyId: string; signature: string }

export const NOTICE_STAGES = ['vote-announcement', 'decision', 'process', 'accounts', 'meeting'] as const
export type NoticeStage = (typeof NOTICE_STAGES)[number]
export interface Notice {
  id: string
  villageId: string
  stage: NoticeStage
  /** What is published (vote, decision, procedure, fund…). */
  subjectId: string
  title: string
  body: string
  startAt: Time
  endAt: Time
  /** The notice this one re-publishes (ordered by the supervisory committee), '' if none. */
  republishes: string
}
export interface Objection { id: string; noticeId: string; raisedBy: string; text: string; at: Time }
export interface Answer { id: string; objectionId: string; answeredBy: string; text: string; at: Time }

/** Immutable: work on a funded project (process publicity). */
export interface Progress {
  id: string; projectId: string; at: Time; by: string; text: string; startsWork: boolean; percent: number
  /** Photos of the work (sha-256 content hashes, hex). */
  photos: string[]
}

/**
 * Immutable: a recorded exception — skip a step, proceed despite what is unmet, or take a step
 * `early` (open a vote before its announcement ends, spend before the decision's notice ends; then
 * `subjectId` is the vote or project).
 */
export interface Override { id: string; procedureId: string; step: string; action: 'skip' | 'proceed' | 'early'; subjectId: string; personId: string; reason: string; at: Time }

/** Immutable, hash-chained per device (see audit.ts). */
export interface AuditEvent {
  id: string
  device: string
  seq: number
  at: Time
  actor: string
  action: string
  subjectId: string
  /** sha-256 of the canonical JSON of the record version the event is about */
  digest?: string
  prevHash: string
  hash: string
}
