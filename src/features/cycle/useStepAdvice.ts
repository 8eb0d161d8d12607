import { computed, type ComputedRef } from 'vue'
import { stepAdvice, type StepAdvice } from '@/domain'
import { useCycleStore } from '@/stores/cycle'

/** Advice that sends the clerk to the cycle screen to mark the step done (its work is behind the village). */
export const MARK_DONE: ReadonlySet<StepAdvice> = new Set(['complete', 'complete-early', 'vote-ahead'])

/** What the step in progress asks now (the domain's `stepAdvice`), for home, the cycle and the hint line. */
export function useStepAdvice(): ComputedRef<StepAdvice> {
  const cycle = useCycleStore()
  return computed(() => stepAdvice(cycle.state?.current ?? '', cycle.unmet, cycle.early, cycle.voteProgress))
}
