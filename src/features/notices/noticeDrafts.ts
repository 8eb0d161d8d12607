/**
 * Drafts of public notices generated from the records (the clerk may edit them before
 * publishing). Figures come from the domain (accounts summary, co-signatures); the words from
 * the caller's translator, so a notice is written in the language the clerk works in.
 */
import * as D from '@/domain'
import type { NoticeSources } from '@/stores/notices'

export type Translate = (key: string, values?: Record<string, unknown>) => string
export interface Draft { subjectId: string; title: string; body: string }
export interface DraftInput extends NoticeSources {
  meetings: D.Meeting[]
  resolutions: D.Resolution[]
  supervisors: string[]
  when: (ms: number) => string
  yuan: (fen: number) => string
}

function meetingDraft(m: D.Meeting, input: DraftInput, t: Translate): Draft {
  const lines = [t('notices.draft.meetingLine', { when: input.when(m.scheduledAt), place: m.place || '—' }), '', t('notices.draft.agenda')]
  m.agenda.forEach((a, i) => lines.push(`${i + 1}. ${a.title}`))
  return { subjectId: m.id, title: t('notices.draft.meetingTitle', { title: m.title }), body: lines.join('\n') }
}

function decisionDraft(m: D.Meeting, input: DraftInput, t: Translate): Draft {
  const lines = [t('notices.draft.decisionIntro', { title: m.title, when: input.when(m.scheduledAt) }), '']
  for (const r of input.resolutions.filter((x) => x.meetingId === m.id)) {
    lines.push(t('notices.draft.resolutionLine', { motion: r.motion, outcome: t(`meetings.resolutions.outcome.${r.outcome}`), yes: r.yes, no: r.no, abstain: r.abstain, present: r.present, members: r.members }))
  }
  const funded = input.allocations
  if (funded.length) {
    lines.push('', t('notices.draft.allocations'))
    funded.forEach((a, i) => lines.push(`${i + 1}. ${a.title}：${input.yuan(a.amount)}`))
  }
  lines.push('', t('notices.draft.objectionsWelcome'))
  return { subjectId: m.id, title: t('notices.draft.decisionTitle', { title: m.title }), body: lines.join('\n') }
}

/**
 * The decision a vote made: the projects it funded. Its subject is the vote, so this notice is the
 * one the spending gate and the compliance checks count for those projects (D.decisionCoverage).
 */
function voteDecisionDraft(v: D.Vote, input: DraftInput, t: Translate): Draft {
  const funded = input.allocations.filter((a) => a.decidedBy === v.id)
  // when it ended as recorded: a vote closed early ended then, not at the end it was scheduled for
  const lines = [t('notices.draft.voteDecisionIntro', { title: v.title, closes: input.when(D.voteEnd(v)) }), '']
  funded.forEach((a, i) => lines.push(`${i + 1}. ${a.title}：${input.yuan(a.amount)}`))
  lines.push('', t('notices.draft.objectionsWelcome'))
  return { subjectId: v.id, title: t('notices.draft.decisionTitle', { title: v.title }), body: lines.join('\n') }
}

function voteDraft(v: D.Vote, input: DraftInput, t: Translate): Draft {
  const lines = [t('notices.draft.voteIntro', { title: v.title, opens: input.when(v.opensAt), closes: input.when(v.closesAt), budget: input.yuan(v.budget) }), '']
  v.candidates.forEach((c, i) => lines.push(`${i + 1}. ${c.title}：${input.yuan(c.cost)}`))
  if (v.maxChoices) lines.push('', t('notices.draft.voteRule', { k: v.maxChoices }))
  return { subjectId: v.id, title: t('notices.draft.voteTitle', { title: v.title }), body: lines.join('\n') }
}

function processDraft(fund: D.Fund, input: DraftInput, t: Translate): Draft {
  const lines = [t('notices.draft.processIntro', { year: fund.year }), '']
  for (const a of input.allocations.filter((x) => x.fundId === fund.id)) {
    const updates = input.progress.filter((p) => p.projectId === a.projectId)
    const last = updates[updates.length - 1]
    lines.push(t('notices.draft.processLine', { title: a.title, percent: last?.percent ?? 0, text: last?.text ?? t('notices.draft.noProgress') }))
  }
  return { subjectId: fund.id, title: t('notices.draft.processTitle', { year: fund.year }), body: lines.join('\n') }
}

function accountsDraft(fund: D.Fund, input: DraftInput, t: Translate): Draft {
  const s = D.accountsSummary(fund, input.allocations, input.ledger, input.cosignatures, { supervisors: input.supervisors })
  const lines = [t('notices.draft.accountsIntro', { year: fund.year, fund: input.yuan(s.fund), allocated: input.yuan(s.allocated), spent: input.yuan(s.spent) }), '']
  // an expense not yet co-signed is named on its line: what remains is allocated − spent − waiting, as anyone reading checks it
  for (const p of s.projects) {
    const figures = { title: p.title || p.projectId, allocated: input.yuan(p.allocated), spent: input.yuan(p.spent), pending: input.yuan(p.pending), remaining: input.yuan(p.remaining) }
    lines.push(t(p.pending ? 'notices.draft.accountsLinePending' : 'notices.draft.accountsLine', figures))
  }
  if (s.uncosignedEntries.length) lines.push('', t('notices.draft.uncosigned', { n: s.uncosignedEntries.length }))
  return { subjectId: fund.id, title: t('notices.draft.accountsTitle', { year: fund.year }), body: lines.join('\n') }
}

/** Every draft the records allow for this stage (newest subject first). */
export function draftsFor(stage: D.NoticeStage, input: DraftInput, t: Translate): Draft[] {
  switch (stage) {
    case 'meeting': return input.meetings.map((m) => meetingDraft(m, input, t))
    // A vote that funded projects first: spending on them waits for its notice.
    case 'decision': return [
      ...input.votes.filter((v) => input.allocations.some((a) => a.decidedBy === v.id)).map((v) => voteDecisionDraft(v, input, t)),
      ...input.meetings.filter((m) => input.resolutions.some((r) => r.meetingId === m.id)).map((m) => decisionDraft(m, input, t)),
    ]
    case 'vote-announcement': return input.votes.map((v) => voteDraft(v, input, t))
    case 'process': return input.funds.map((f) => processDraft(f, input, t))
    case 'accounts': return input.funds.map((f) => accountsDraft(f, input, t))
  }
}
