import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { holdUpdates } from './support/updateHolds'
import type { CandidateView, VoteView, VoterView } from './views/votes'
import { useVotesStore } from './votes'
import { useActingStore } from './acting'

/**
 * The ballot kiosk's screens, one at a time:
 *   locked → find (clerk checks off a voter) → handover → ballot → confirm → thanks → neutral → (PIN) find …
 * The voter's choices live only here, only between `start` and `cast`, and are wiped before
 * the thank-you screen shows, so nothing of the last ballot stays on the tablet's screen.
 */
export type KioskPhase = 'locked' | 'find' | 'handover' | 'ballot' | 'confirm' | 'thanks' | 'neutral' | 'exit'

export const useKioskStore = defineStore('kiosk', () => {
  const votes = useVotesStore()
  const acting = useActingStore()
  const phase = ref<KioskPhase>('locked')
  const voteId = ref('')
  const clerkId = ref('')
  const voterName = ref('')
  // The voter being served: kept only until the ballot is cast, never shown after.
  const voterId = ref('')
  const selected = ref<string[]>([])
  const error = ref('')
  /** Why the last ballot was not saved, as thrown (the view says it in words by its code, never its English). */
  const saveError = shallowRef<unknown>(null)
  const busy = ref(false)
  /** The last voter left without voting (the clerk took the tablet back): the PIN screen says nothing was recorded. */
  const cancelled = ref(false)
  /** The voter tapped a card that would break the ballot's limit: the ballot says why. */
  const limitHit = ref(0)
  const release = shallowRef<(() => void) | null>(null)

  const vote = computed<VoteView | null>(() => votes.current)
  const voters = computed<VoterView[]>(() => votes.voters)
  const chosen = computed<CandidateView[]>(() => (vote.value?.candidates ?? []).filter((c) => selected.value.includes(c.id)))
  const blocked = computed(() => (vote.value ? votes.blockedChoices(vote.value, selected.value) : []))
  const spent = computed(() => chosen.value.reduce((sum, c) => sum + c.cost, 0))
  const problem = computed(() => (vote.value ? votes.ballotProblem(vote.value, selected.value) : ''))

  async function enter(id: string): Promise<void> {
    // The tablet goes to the voters: whoever was acting stops (the kiosk asks the clerk's PIN per voter).
    acting.lock()
    voteId.value = id
    await votes.load(id)
    phase.value = 'locked'
    clearVoter()
    release.value ??= holdUpdates('ballot')
  }

  /**
   * Ends the kiosk session: the ballots cast in it wait in the tablet's ballot box and are written
   * now, in one shuffled batch (src/data/ballotbox.ts), before the clerk sees the kiosk closed.
   */
  async function leave(): Promise<void> {
    clearVoter()
    clerkId.value = ''
    phase.value = 'locked'
    release.value?.()
    release.value = null
    if (voteId.value) await flushBox(voteId.value)
  }

  async function flushBox(id: string): Promise<void> {
    try { await votes.repos?.ballotBox.flush(id) } catch { /* stays boxed; written at the vote's close */ }
  }

  function clearVoter(): void {
    selected.value = []
    limitHit.value = 0
    voterName.value = ''
    voterId.value = ''
    error.value = ''
    saveError.value = null
  }

  /** The clerk's PIN opens the find screen (from locked or neutral), or leaves the kiosk (from exit). */
  async function unlock(pin: string): Promise<boolean> {
    busy.value = true
    try {
      const result = await votes.verifyClerk(pin)
      if (!result.ok) { error.value = result.reason; return false }
      error.value = ''
      cancelled.value = false
      clerkId.value = result.personId
      if (phase.value === 'exit') { await leave(); return true }
      phase.value = 'find'
      return true
    } finally { busy.value = false }
  }

  function askExit(): void {
    clerkId.value = ''
    error.value = ''
    phase.value = 'exit'
  }

  /** The clerk has found and identified the voter; the check-off is written with the ballot. */
  function checkOff(personId: string): void {
    const voter = voters.value.find((v) => v.id === personId)
    if (!voter || voter.checkedOff) { error.value = 'alreadyVoted'; return }
    if (votes.statusNow(voteId.value) !== 'open') { error.value = 'notOpen'; return }
    error.value = ''
    voterId.value = personId
    voterName.value = voter.name
    selected.value = []
    phase.value = 'handover'
  }

  function start(): void {
    selected.value = []
    phase.value = 'ballot'
  }

  function toggle(candidateId: string): void {
    if (selected.value.includes(candidateId)) { selected.value = selected.value.filter((c) => c !== candidateId); limitHit.value = 0 }
    else if (!blocked.value.includes(candidateId)) { selected.value = [...selected.value, candidateId]; limitHit.value = 0 }
    else limitHit.value++
  }

  function review(): void { error.value = ''; saveError.value = null; phase.value = 'confirm' }
  function back(): void { phase.value = 'ballot' }

  async function cast(): Promise<boolean> {
    if (!vote.value || problem.value) return false
    busy.value = true
    try {
      await votes.castBallot(voteId.value, voterId.value, [...selected.value], clerkId.value)
      clearVoter()
      clerkId.value = ''
      phase.value = 'thanks'
      return true
    } catch (e) {
      saveError.value = e
      return false
    } finally { busy.value = false }
  }

  function done(): void {
    clearVoter()
    phase.value = 'neutral'
  }

  /**
   * The voter walked away, or the tablet went to the wrong person: their choices are wiped and nothing
   * is written (the check-off is written only with a cast ballot), so they are not marked as having
   * voted and may still vote. The tablet goes back to the clerk's PIN.
   */
  function cancel(): void {
    if (!['handover', 'ballot', 'confirm'].includes(phase.value) || busy.value) return
    clearVoter()
    clerkId.value = ''
    cancelled.value = true
    phase.value = 'neutral'
  }

  return {
    phase, voteId, clerkId, voterId, voterName, selected, limitHit, error, saveError, busy, cancelled, vote, voters, chosen, blocked, spent, problem,
    enter, leave, unlock, askExit, checkOff, start, toggle, review, back, cast, done, cancel,
  }
})
