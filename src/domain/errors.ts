/**
 * The one error type of the domain. `code` is stable (the UI translates it); `message` is
 * English with every figure a person needs ("28 of 37 present, quorum 25"); `details`
 * carries the same figures as data so a translated message can be built from them.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError'
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message)
  }
}

/** Stable error codes. Grouped by area; never renamed once released. Each has words in src/i18n/domainErrors.ts (a test holds them together). */
export const DOMAIN_ERROR_CODES = [
  // bad input to a constructor
  'invalid.required', 'invalid.type', 'invalid.format', 'invalid.range', 'invalid.choice',
  'invalid.duplicate', 'invalid.reference', 'invalid.order',
  // the roster
  'person.minor-eligible',
  // procedure
  'procedure.unknown-step', 'procedure.not-next', 'procedure.requirement', 'procedure.finished',
  'procedure.override-invalid',
  // meetings
  'meeting.attendance', 'meeting.outcome', 'meeting.notice',
  // votes
  'vote.not-open', 'vote.closed', 'vote.not-eligible', 'vote.not-closed',
  'ballot.too-many', 'ballot.too-few', 'ballot.unknown-candidate', 'ballot.duplicate-choice',
  'ballot.over-budget', 'ballot.wrong-vote',
  'doublevote.invalid', 'doublevote.own-vote', 'doublevote.undecided', 'doublevote.seals-unopened', 'seal.invalid', 'selection.needs-ballots',
  // paper counts
  'papercount.same-person', 'papercount.mismatch', 'papercount.sum', 'papercount.options',
  // budget and accounts
  'budget.over-fund', 'budget.unknown-project', 'ledger.cosign', 'ledger.over-allocation',
  // publicity
  'publicity.outside-window', 'publicity.open-objections', 'publicity.not-ended',
  // audit
  'audit.chain',
  // pabulib
  'pabulib.format', 'pabulib.rule',
  // who may act, and the procedure's gates
  'act.not-allowed', 'gate.vote-notice', 'gate.spending-publicity',
] as const
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number]

export function fail(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, details)
}
