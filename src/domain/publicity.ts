import { fail } from './errors.ts'
import { DAY_MS } from './model/publicity.ts'
import type { Answer, Notice, Objection, Override, Time } from './model/types.ts'

/**
 * Public notices (公示): a window of days (default 7) during which objections may be raised;
 * each must be answered. A step that depends on the notice may proceed only once the window
 * has ended and every objection is answered — or with a recorded `proceed` override.
 */
export const DEFAULT_NOTICE_DAYS = 7
/** Days the committee has to answer an objection, or a re-publication order. */
export const ANSWER_DAYS = 7

export function noticeWindow(startAt: Time, days = DEFAULT_NOTICE_DAYS): { startAt: Time; endAt: Time } {
  if (!Number.isSafeInteger(days) || days < 1) fail('invalid.range', `a notice runs at least 1 day, got ${days}`, { field: 'days', actual: days })
  return { startAt, endAt: startAt + days * DAY_MS }
}

export type NoticeStatus = 'upcoming' | 'running' | 'ended'
export function noticeStatus(notice: Pick<Notice, 'startAt' | 'endAt'>, now: Time): NoticeStatus {
  return now < notice.startAt ? 'upcoming' : now < notice.endAt ? 'running' : 'ended'
}

/** Days left in the window, rounded up (0 once ended). */
export function daysLeft(notice: Pick<Notice, 'startAt' | 'endAt'>, now: Time): number {
  return now >= notice.endAt ? 0 : Math.ceil((notice.endAt - Math.max(now, notice.startAt)) / DAY_MS)
}

/** Throws unless the objection was raised during the notice's window. */
export function checkObjection(notice: Notice, o: Objection): void {
  if (o.noticeId !== notice.id) fail('invalid.reference', `objection ${o.id} is about ${o.noticeId}, not ${notice.id}`)
  if (o.at < notice.startAt || o.at >= notice.endAt) {
    fail('publicity.outside-window', `objections to "${notice.title}" are taken from ${new Date(notice.startAt).toISOString()} until ${new Date(notice.endAt).toISOString()}; this one came at ${new Date(o.at).toISOString()}`, { startAt: notice.startAt, endAt: notice.endAt, at: o.at })
  }
}

/** Objections to this notice with no answer yet. */
export function openObjections(notice: Pick<Notice, 'id'>, objections: readonly Objection[], answers: readonly Answer[]): Objection[] {
  const answered = new Set(answers.map((a) => a.objectionId))
  return objections.filter((o) => o.noticeId === notice.id && !answered.has(o.id))
}

/** Objections whose answer is overdue (more than `ANSWER_DAYS` after they were raised). */
export function overdueObjections(notice: Pick<Notice, 'id'>, objections: readonly Objection[], answers: readonly Answer[], now: Time, days = ANSWER_DAYS): Objection[] {
  return openObjections(notice, objections, answers).filter((o) => now > o.at + days * DAY_MS)
}

export interface ProceedCheck { ok: boolean; reasons: string[]; overriddenBy: string }

/** Whether the step that depends on this notice may proceed now. */
export function mayProceed(notice: Notice, objections: readonly Objection[], answers: readonly Answer[], now: Time, override?: Override): ProceedCheck {
  const reasons: string[] = []
  if (now < notice.endAt) reasons.push(`the notice runs until ${new Date(notice.endAt).toISOString()} (${daysLeft(notice, now)} day(s) left)`)
  const open = openObjections(notice, objections, answers)
  if (open.length) reasons.push(`${open.length} objection(s) not yet answered`)
  if (reasons.length && override && override.action === 'proceed') return { ok: true, reasons, overriddenBy: override.id }
  return { ok: reasons.length === 0, reasons, overriddenBy: '' }
}

/** Like `mayProceed`, but throws the reason. */
export function assertMayProceed(notice: Notice, objections: readonly Objection[], answers: readonly Answer[], now: Time, override?: Override): void {
  const check = mayProceed(notice, objections, answers, now, override)
  if (check.ok) return
  const open = openObjections(notice, objections, answers).length
  if (open) fail('publicity.open-objections', `"${notice.title}": ${check.reasons.join('; ')}`, { open, endAt: notice.endAt })
  fail('publicity.not-ended', `"${notice.title}": ${check.reasons.join('; ')}`, { endAt: notice.endAt })
}

/** A re-publication ordered by the supervisory committee: same content, a new window. */
export function republish(notice: Notice, newId: string, at: Time, days = DEFAULT_NOTICE_DAYS): Notice {
  return { ...notice, id: newId, republishes: notice.id, ...noticeWindow(at, days) }
}
