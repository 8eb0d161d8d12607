import { fail } from '../errors.ts'
import { ID_REST, asInput, bool, checkId, id, idList, int, list, oneOf, slug, str, time } from './check.ts'
import { BALLOT_TYPES, SELECTION_RULES, VOTE_KINDS } from './types.ts'
import type { Ballot, CandidateProject, CheckOff, PaperCount, Vote } from './types.ts'

export function candidateProject(input: unknown, entity = 'project'): CandidateProject {
  const i = asInput(entity, input)
  return {
    id: id(entity, i, 'id', 'project'),
    title: str(entity, i, 'title', { max: 200 }),
    cost: int(entity, i, 'cost', { min: 0 }),
    proposalIds: idList(entity, i, 'proposalIds', 'proposal'),
  }
}

export function vote(input: unknown): Vote {
  const i = asInput('vote', input)
  const candidates = list('vote', i, 'candidates', (v, n) => candidateProject(v, `vote.candidates[${n}]`), { min: 1, max: 500, unique: (c) => c.id })
  const ballotType = oneOf('vote', i, 'ballotType', BALLOT_TYPES)
  const minChoices = int('vote', i, 'minChoices', { min: 0, fallback: ballotType === 'choose-one' ? 1 : 0 })
  const maxChoices = int('vote', i, 'maxChoices', { min: 0, fallback: ballotType === 'choose-one' ? 1 : 0 })
  if (maxChoices > 0 && minChoices > maxChoices) fail('invalid.range', `vote.minChoices: ${minChoices} is more than maxChoices ${maxChoices}`, { entity: 'vote', field: 'minChoices', min: minChoices, max: maxChoices })
  if (minChoices > candidates.length) fail('invalid.range', `vote.minChoices: ${minChoices} is more than the ${candidates.length} candidates`, { entity: 'vote', field: 'minChoices' })
  if (ballotType === 'choose-one' && (maxChoices !== 1 || minChoices > 1)) fail('invalid.range', 'vote.maxChoices: a choose-one ballot has exactly one choice', { entity: 'vote', field: 'maxChoices' })
  const opensAt = time('vote', i, 'opensAt')
  const closesAt = time('vote', i, 'closesAt')
  if (closesAt <= opensAt) fail('invalid.order', 'vote.closesAt: must be after opensAt', { entity: 'vote', field: 'closesAt', opensAt, closesAt })
  const closedAt = time('vote', i, 'closedAt', { optional: true })
  if (closedAt && closedAt < opensAt) fail('invalid.order', 'vote.closedAt: cannot be before opensAt', { entity: 'vote', field: 'closedAt' })
  const perHousehold = bool('vote', i, 'perHousehold', false)
  return {
    id: id('vote', i, 'id', 'vote'),
    villageId: slug('vote', i, 'villageId'),
    unitId: id('vote', i, 'unitId', 'unit', { optional: true }),
    kind: oneOf('vote', i, 'kind', VOTE_KINDS, 'project-selection'),
    title: str('vote', i, 'title', { max: 200 }),
    candidates,
    ballotType,
    minChoices,
    maxChoices,
    budget: int('vote', i, 'budget', { min: 0, fallback: 0 }),
    opensAt,
    closesAt,
    closedAt,
    roster: idList('vote', i, 'roster', perHousehold ? 'household' : 'person', { max: 100_000 }),
    perHousehold,
    rule: oneOf('vote', i, 'rule', SELECTION_RULES, 'greedy'),
    sealKeys: list('vote', i, 'sealKeys', (v, n) => {
      if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) fail('invalid.format', `vote.sealKeys[${n}]: expected a 64-hex-digit public key`, { entity: 'vote', field: 'sealKeys' })
      return v
    }, { max: 9, unique: (s) => s }),
  }
}

export function ballot(input: unknown): Ballot {
  const i = asInput('ballot', input)
  return {
    id: id('ballot', i, 'id', 'ballot'),
    voteId: id('ballot', i, 'voteId', 'vote'),
    choices: idList('ballot', i, 'choices', 'project', { max: 500 }),
    castAt: time('ballot', i, 'castAt'),
    device: str('ballot', i, 'device', { max: 120 }),
  }
}

/** The deterministic check-off id: two devices that check off the same voter collide on sync. */
export function checkOffId(voteId: string, voterId: string): string {
  const rest = (s: string) => s.slice(s.indexOf(':') + 1)
  const out = `checkoff:${rest(voteId)}:${rest(voterId)}`
  if (!ID_REST.test(out.slice('checkoff:'.length))) fail('invalid.format', `checkoff id too long or malformed: ${out}`, { entity: 'checkoff', field: 'id' })
  return out
}

export function checkOff(input: unknown): CheckOff {
  const i = asInput('checkoff', input)
  const voteId = id('checkoff', i, 'voteId', 'vote')
  const voterId = typeof i.voterId === 'string' && i.voterId.startsWith('household:')
    ? checkId('checkoff', 'voterId', i.voterId, 'household')
    : id('checkoff', i, 'voterId', 'person')
  const expected = checkOffId(voteId, voterId)
  const given = i.id === undefined ? expected : id('checkoff', i, 'id', 'checkoff')
  if (given !== expected) fail('invalid.format', `checkoff.id: must be ${expected} (one check-off per voter), got ${given}`, { entity: 'checkoff', field: 'id', expected })
  return {
    id: expected,
    voteId,
    voterId,
    at: time('checkoff', i, 'at'),
    device: str('checkoff', i, 'device', { max: 120 }),
    recordedBy: id('checkoff', i, 'recordedBy', 'person'),
    seal: str('checkoff', i, 'seal', { optional: true, max: 4000 }),
  }
}

export function paperCount(input: unknown): PaperCount {
  const i = asInput('papercount', input)
  const raw = i.perOption
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('invalid.type', 'papercount.perOption: expected an object of candidate id → count', { entity: 'papercount', field: 'perOption' })
  const perOption: Record<string, number> = {}
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    checkId('papercount', 'perOption', key, 'project')
    perOption[key] = int('papercount', { [`perOption.${key}`]: value }, `perOption.${key}`, { min: 0 })
  }
  return {
    id: id('papercount', i, 'id', 'papercount'),
    voteId: id('papercount', i, 'voteId', 'vote'),
    enteredBy: id('papercount', i, 'enteredBy', 'person'),
    at: time('papercount', i, 'at'),
    total: int('papercount', i, 'total', { min: 0 }),
    valid: int('papercount', i, 'valid', { min: 0 }),
    blank: int('papercount', i, 'blank', { min: 0 }),
    spoiled: int('papercount', i, 'spoiled', { min: 0 }),
    perOption,
  }
}
