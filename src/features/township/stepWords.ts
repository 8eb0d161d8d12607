import { voteAheadOfStep } from '@/domain/gates'
import type { VillageSummary } from '@/shared/township/types'

type Translate = (key: string) => string

/**
 * Where a village is in its cycle, in the cycle screen's own words (`cycle.step.*`: one source for the
 * tablet and the township), or that it finished the whole round. `numbered`: "4/8 公布投票（下）".
 */
export function stepWords(t: Translate, te: (key: string) => boolean, v: Pick<VillageSummary, 'step' | 'stepIndex' | 'stepCount' | 'finished'>, numbered = true): string {
  if (v.finished) return t('township.steps.finished')
  if (!v.step) return t('township.steps.none')
  const name = te(`cycle.step.${v.step}`) ? t(`cycle.step.${v.step}`) : v.step
  return numbered ? `${v.stepIndex + 1}/${v.stepCount} ${name}` : name
}

/** The vote already closed while the cycle still stands at announcing it (opened early): said beside the step, '' otherwise. */
export function voteAheadWords(t: Translate, v: Pick<VillageSummary, 'step' | 'finished' | 'lastVote'>): string {
  return !v.finished && v.step && v.lastVote?.closedAt && voteAheadOfStep(v.step, 'closed') ? t('township.steps.voteAhead') : ''
}
