/**
 * Yishi domain: the rules of the council cycle as plain TypeScript (no Vue, storage or DOM;
 * runs in the browser and in the hub). Time, ids and the acting person are parameters.
 * Every function returns data or throws a `DomainError` { code, message, details }.
 *
 * Public API
 * - errors: `DomainError`, `DomainErrorCode`
 * - model (model/types.ts): record types; validating constructors `township`, `village`, `unit`,
 *   `person`, `proposal`, `candidateProject`, `meeting`, `attendance`, `vote`, `ballot`,
 *   `checkOff` (+ `checkOffId`), `paperCount`, `fund`, `allocation`, `ledgerEntry`,
 *   `coSignature`, `notice`, `objection`, `answer`, `progress`, `override`, `resolution`;
 *   kinds: `IMMUTABLE_KINDS`, `MUTABLE_KINDS`, `isImmutableKind`, `kindOf`.
 *   Money is integer fen; times are ms since the epoch.
 * - meetings (meeting.ts): `DEFAULT_MEETING_RULES`, `MEETING_RULE_VARIANTS`, `quorum`,
 *   `decideMotion` (outcome + "28 of 37 present, quorum 25: quorate; …"), `recordResolution`,
 *   `checkResolution`, `presentCount`, `checkMeetingNotice`, `oneMatterTriggered` (一事一议),
 *   `expectedMembers` (who counts as a member of each kind of meeting).
 * - procedure (procedure.ts): `DEFAULT_TEMPLATE`, `procedureTemplate`, `procedureState`, `startProcedure`,
 *   `unmetRequirements`, `nextSteps`, `completeStep` (`earlyCovering`: the early override that already answers for a step), `skipTo`, `overriddenSteps`.
 * - ballots (ballots.ts): `voteStatus` (open/closed as the records show), `voteEnd` (its close on record, else its scheduled end), `validateChoices`,
 *   `acceptBallot`, `acceptCheckOff`, `assertEligible`, `rosterFor`, `voterIdFor`.
 * - tallies and selection (tally.ts, selection.ts, mes.ts): `tallyApprovals`, `tallyRecord`,
 *   `select(rule, { projects, budget, ballots, extraSupport?, increment? })` → { selected, cost, projects: per-project
 *   explanation }, `greedy`, `methodOfEqualShares`, `equalShares` (MES, cost utilities, add1).
 * - Pabulib (pabulib.ts): `readPabulib`, `writePabulib`, `electionOf`, `ruleOf`;
 *   command: `npm run -s tally -- FILE.pb [--rule greedy|greedy-no-skip|mes]` (src/domain/cli, Node only).
 * - paper counts (papercount.ts): `checkPaperCount`, `reconcilePaperCounts` (two people agree).
 * - budget (budget.ts): `checkAllocations`, `addAllocation`, `isCoSigned`, `checkCoSignature`,
 *   `checkExpense`, `accountsSummary` (figures of the accounts notice), `allocationsFromSelection`;
 *   `formatYuan`, `parseYuan` (yuan as a person types them → fen, NaN when not an amount: the one reading of every screen).
 * - publicity (publicity.ts): `noticeWindow`, `noticeStatus`, `daysLeft`, `checkObjection`,
 *   `openObjections`, `overdueObjections`, `mayProceed`, `assertMayProceed`, `republish`.
 * - audit (audit.ts): the one audit-chain encoding (`canonicalJson`, `auditHash`, `recordDigest`, `auditId`),
 *   `appendAudit`, `auditEventRefusal` (the hub's check), `verifyAuditChain` (every problem, in plain words).
 * - compliance (compliance.ts): `complianceFlags` and the five checks behind it.
 * - one person, one vote (doublevote.ts; the secrecy design is written there):
 *   `sealKeyPair`, `sealBallotRef`, `openSealLayer`, `openSeal`, `coarseCastTime`,
 *   `findDoubleVotes`, `proposeResolution`, `isOwnDoubleVote`, `assertMayDecideDoubleVote`, `doubleVoteResolution`,
 *   `voidList`, `countableBallots`, `surplusBallots`; `castVote` (casting.ts) makes the check-off and the ballot
 *   of one vote with those measures applied.
 * - a vote's result (results.ts): `voteResult` (counted ballots, agreed paper count, selection,
 *   surplus) and `paperCountState` — what every screen and export of a result shows.
 * - what sync found (conflicts.ts): `conflictItems` (one item per double-voting voter, one per
 *   other conflict), `unresolvedDoubleVotes`, `unresolvedConflicts` — every count of them.
 * - who may do what (acts.ts): `ACTS` (act → actors), `COUNCIL_ROLES` (who may chair), `actorsOf`, `mayDo`, `assertMayDo`, `SIGNED_ACTS`.
 * - the procedure's gates (gates.ts): a vote opens after its announcement's publicity, spending after
 *   the decision's publicity, or earlier only with a recorded override (`voteGate`, `spendingGate`, `decisionCoverage`); where the vote stands from draft to close (`voteProgress`).
 */
export * from './errors.ts'
export * from './model/types.ts'
export * from './model/kinds.ts'
export * from './model/org.ts'
export * from './model/council.ts'
export * from './model/voting.ts'
export * from './model/money.ts'
export * from './model/publicity.ts'
export * from './meeting.ts'
export * from './procedure.ts'
export * from './ballots.ts'
export * from './tally.ts'
export * from './selection.ts'
export * from './mes.ts'
export * from './pabulib.ts'
export * from './papercount.ts'
export * from './budget.ts'
export * from './money.ts'
export * from './publicity.ts'
export * from './audit.ts'
export * from './compliance.ts'
export * from './doublevote.ts'
export * from './casting.ts'
export * from './voids.ts'
export * from './conflicts.ts'
export * from './results.ts'
export * from './acts.ts'
export * from './gates.ts'
export * from './checklist.ts'
