import { fail } from '../errors.ts'
import { asInput, bool, id, int, list, oneOf, slug, str, time } from './check.ts'
import { NOTICE_STAGES } from './types.ts'
import { contentHash } from './org.ts'
import type { Answer, Notice, Objection, Override, Progress } from './types.ts'

export const DAY_MS = 86_400_000

export function notice(input: unknown): Notice {
  const i = asInput('notice', input)
  const startAt = time('notice', i, 'startAt')
  const endAt = i.endAt === undefined && i.days !== undefined
    ? startAt + int('notice', i, 'days', { min: 1, max: 365 }) * DAY_MS
    : time('notice', i, 'endAt')
  if (endAt <= startAt) fail('invalid.order', 'notice.endAt: must be after startAt', { entity: 'notice', field: 'endAt', startAt, endAt })
  return {
    id: id('notice', i, 'id', 'notice'),
    villageId: slug('notice', i, 'villageId'),
    stage: oneOf('notice', i, 'stage', NOTICE_STAGES),
    subjectId: str('notice', i, 'subjectId', { max: 140 }),
    title: str('notice', i, 'title', { max: 200 }),
    body: str('notice', i, 'body', { optional: true, max: 50_000 }),
    startAt,
    endAt,
    republishes: id('notice', i, 'republishes', 'notice', { optional: true }),
  }
}

export function objection(input: unknown): Objection {
  const i = asInput('objection', input)
  return {
    id: id('objection', i, 'id', 'objection'),
    noticeId: id('objection', i, 'noticeId', 'notice'),
    raisedBy: id('objection', i, 'raisedBy', 'person'),
    text: str('objection', i, 'text', { max: 5000 }),
    at: time('objection', i, 'at'),
  }
}

export function answer(input: unknown): Answer {
  const i = asInput('answer', input)
  return {
    id: id('answer', i, 'id', 'answer'),
    objectionId: id('answer', i, 'objectionId', 'objection'),
    answeredBy: id('answer', i, 'answeredBy', 'person'),
    text: str('answer', i, 'text', { max: 5000 }),
    at: time('answer', i, 'at'),
  }
}

export function progress(input: unknown): Progress {
  const i = asInput('progress', input)
  return {
    id: id('progress', i, 'id', 'progress'),
    projectId: id('progress', i, 'projectId', 'project'),
    at: time('progress', i, 'at'),
    by: id('progress', i, 'by', 'person'),
    text: str('progress', i, 'text', { optional: true, max: 5000 }),
    startsWork: bool('progress', i, 'startsWork', false),
    percent: int('progress', i, 'percent', { min: 0, max: 100, fallback: 0 }),
    photos: list('progress', i, 'photos', (v, n) => contentHash('progress', `photos[${n}]`, v), { max: 20, unique: (h) => h }),
  }
}

export function override(input: unknown): Override {
  const i = asInput('override', input)
  return {
    id: id('override', i, 'id', 'override'),
    procedureId: id('override', i, 'procedureId', 'procedure', { optional: i.action === 'early' }),
    step: str('override', i, 'step', { max: 40 }),
    action: oneOf('override', i, 'action', ['skip', 'proceed', 'early'] as const),
    subjectId: str('override', i, 'subjectId', { optional: i.action !== 'early', max: 142 }),
    personId: id('override', i, 'personId', 'person'),
    reason: str('override', i, 'reason', { min: 4, max: 2000 }),
    at: time('override', i, 'at'),
  }
}
