import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { combineLatest} from 'rxjs'
import { useSessionStore } from '@/stores/session'
import * as D from '@/domain'
import type { ConflictRecordDoc, Decision, Repositories, Stored } from '@/data'
import { signedCosigns } from '@/shared/personacts'
import { villageLink, type LinkOptions } from './support/villageLink'
import { useActingStore } from './acting'

/** The notice that belongs to a step of the default template (steps a village adds have none). */
export const STEP_NOTICE: Record<string, D.NoticeStage> = {
  announce: 'vote-announcement', 'publicise-decision': 'decision', 'publicise-process': 'process', 'publicise-accounts': 'accounts' }
interface Records {
  procedures: Stored<D.ProcedureRecord>[]; overrides: Stored<D.Override>[]; proposals: Stored<D.Proposal>[]; resolutions: Stored<D.Resolution>[]
  notices: Stored<D.Notice>[]; objections: Stored<D.Objection>[]; answers: Stored<D.Answer>[]; votes: Stored<D.Vote>[]
  conflicts: Stored<ConflictRecordDoc>[]; decisions: Stored<Decision>[]; progress: Stored<D.Progress>[]; ledger: Stored<D.LedgerEntry>[]
  cosignatures: Stored<D.CoSignature>[]; persons: Stored<D.Person>[]; meetings: Stored<D.Meeting>[]
}
const EMPTY: Records = { procedures: [], overrides: [], proposals: [], resolutions: [], notices: [], objections: [], answers: [], votes: [], conflicts: [], decisions: [], progress: [], ledger: [], cosignatures: [], persons: [], meetings: [] }

/**
 * The cycle at a glance: the village's procedure (its own template or the default), the step in
 * progress, what it still needs, what is overdue, and every recorded override. The state machine,
 * requirements and publicity rules are the domain's; this store only gathers the facts.
 */
export const useCycleStore = defineStore('cycle', () => {
  const records = shallowRef<Records>(EMPTY)
  const clock = ref(Date.now())
  const session = useSessionStore()
  /** Who is acting: the person who typed their secret for the act (src/stores/acting.ts). */
  const link = villageLink(() => session.personId)
  const { need, now, actor } = link
  const acting = useActingStore()
  const villageId = ref('')

  function attach(r: Repositories, opts: LinkOptions = {}): void {
    const subs = link.connect(r, opts)
    villageId.value = r.writer.identity.villageId
    clock.value = now()
    subs.push(combineLatest({
      procedures: r.procedures.list$({ oldestFirst: true }), overrides: r.overrides.list$({ oldestFirst: true }), proposals: r.proposals.list$(),
      resolutions: r.resolutions.list$(), notices: r.notices.list$(), objections: r.objections.list$(), answers: r.answers.list$(), votes: r.votes.list$(),
      conflicts: r.conflicts.list$(), decisions: r.decisions.list$(), progress: r.progress.list$(), ledger: r.ledger.list$(),
      cosignatures: r.cosignatures.list$(), persons: r.persons.list$(), meetings: r.meetings.list$() }).subscribe((v) => { records.value = v; clock.value = now() }))
  }

  /** The village's procedure: its own template (or the default) and its cycles, read by the domain. */
  const procedure = computed(() => D.villageProcedure(records.value.procedures))
  const template = computed<D.ProcedureTemplate>(() => procedure.value.template)
  /** The latest cycle of this village ('' current step once finished). */
  const state = computed<D.ProcedureState | null>(() => procedure.value.cycles.at(-1)?.state ?? null)
  /** The template the latest cycle runs through (the one it was started with, when still valid). */
  const running = computed<D.ProcedureTemplate>(() => procedure.value.cycles.at(-1)?.template ?? template.value)
  const step = computed(() => running.value.steps.find((s) => s.key === state.value?.current) ?? null)
  const noticeOf = (stepKey: string) => {
    const stage = STEP_NOTICE[stepKey]
    return stage ? records.value.notices.filter((n) => n.stage === stage).sort((a, b) => b.startAt - a.startAt)[0] : undefined
  }

  /** Only co-signatures the supervisor signed with their own key count (src/shared/personacts.ts), as on the accounts screen and at the township. */
  const signed = computed(() => signedCosigns(records.value.cosignatures, acting.keys, villageId.value))

  /** The supervisors whose role is signed (src/shared/rosterroles.ts): only their co-signatures count, as at the township. */
  const signedSupervisors = computed(() => acting.persons.filter((p) => p.roles.includes('supervisor')).map((p) => p.id))

  /** Facts about the records for the step in progress (counts, dates), handed to the domain. */
  const facts = computed<D.StepFacts>(() => {
    const r = records.value
    const notice = state.value ? noticeOf(state.value.current) : undefined
    const supervisors = signedSupervisors.value
    const expenses = r.ledger.filter((l) => l.kind === 'expense')
    return {
      proposals: r.proposals.length,
      candidates: r.proposals.filter((p) => p.status === 'shortlisted' || p.status === 'candidate').length + r.votes.reduce((n, v) => n + v.candidates.length, 0),
      adoptedResolution: r.resolutions.some((x) => x.outcome === 'adopted'),
      noticeEndsAt: notice?.endAt ?? 0,
      openObjections: notice ? D.openObjections(notice, r.objections, r.answers).length : 0,
      voteClosed: r.votes.length > 0 && r.votes.every((v) => D.voteStatus(v, clock.value) === 'closed'),
      unresolvedDoubleVotes: D.unresolvedDoubleVotes(r.conflicts, r.decisions).length,
      progressRecords: r.progress.length,
      ledgerEntries: expenses.length,
      uncosignedLedgerEntries: expenses.filter((l) => !D.isCoSigned(l, signed.value, { supervisors })).length }
  })
  const unmet = computed(() => (step.value ? D.unmetRequirements(step.value, facts.value, clock.value) : []))
  /** The step's subject already went ahead early with a reason on record: that override answers for the step (asked once). */
  const early = computed(() => (state.value ? D.earlyCovering(state.value, unmet.value, records.value.overrides) : null))

  /** What is late: objections unanswered past the answer period, meetings past their date never opened. */
  const overdue = computed(() => {
    const r = records.value
    return {
      objections: r.notices.flatMap((n) => D.overdueObjections(n, r.objections, r.answers, clock.value).map((o) => ({ notice: n, objection: o }))),
      meetings: r.meetings.filter((m) => m.status === 'planned' && m.scheduledAt + D.DAY_MS < clock.value) }
  })
  /** What needs the council's attention now, whatever the step: counts the home screen turns into words and links. */
  const attention = computed(() => {
    const r = records.value
    const supervisors = signedSupervisors.value
    return {
      // the domain's one count: a voter seen on three tablets is one double vote
      doubleVotes: D.unresolvedDoubleVotes(r.conflicts, r.decisions).length,
      uncosigned: r.ledger.filter((l) => l.kind === 'expense' && !D.isCoSigned(l, signed.value, { supervisors })).length,
      overdueObjections: overdue.value.objections.length,
      overdueMeetings: overdue.value.meetings.length,
    }
  })
  /** Where the vote stands from draft to close (the domain's one gate), for home and the cycle. */
  const voteProgress = computed(() => D.voteProgress(records.value.votes, records.value.notices, records.value.overrides, clock.value))
  const overrides = computed(() => records.value.overrides)
  const overrideOf = (id: string) => records.value.overrides.find((o) => o.id === id)

  async function save(next: D.ProcedureState): Promise<void> {
    if (state.value && state.value.id === next.id) await need().procedures.update(next.id, next)
    else await need().procedures.create({ ...next })
  }
  async function start(subjectId: string): Promise<void> {
    await acting.authorize('cycle.advance')
    const year = new Date(now()).getFullYear()
    await save(D.startProcedure(template.value, `procedure:cycle-${year}-${Date.now().toString(36)}`, subjectId, now()))
  }
  /**
   * Completes the step in progress; with `reason`, a recorded "proceed" override covers what is unmet;
   * without, the early override already on record for the step (`early`) does, when it covers it.
   */
  async function complete(reason = ''): Promise<void> {
    if (!state.value) return
    await acting.authorize(reason ? 'cycle.override' : 'cycle.advance')
    clock.value = now()
    let override: D.Override | undefined = reason ? undefined : early.value ?? undefined
    if (reason) override = await need().overrides.create({ procedureId: state.value.id, step: state.value.current, action: 'proceed', personId: actor(), reason, at: now() })
    await save(D.completeStep(running.value, state.value, { at: now(), by: actor(), facts: facts.value, ...(override ? { override } : {}) }))
  }
  /** Skips ahead to a later step, with the reason on record. */
  async function skipTo(target: string, reason: string): Promise<void> {
    if (!state.value) return
    await acting.authorize('cycle.override')
    const o = await need().overrides.create({ procedureId: state.value.id, step: state.value.current, action: 'skip', personId: actor(), reason, at: now() })
    await save(D.skipTo(running.value, state.value, target, o))
  }

  /**
   * Records an `early` override: a vote opened, or money spent on a project, before the publicity that
   * should come first has ended. The reason is on record, and compliance shows it up to the township.
   */
  async function takeEarly(subjectId: string, step: string, reason: string): Promise<D.Override> {
    const { person } = await acting.authorize('cycle.override')
    return need().overrides.create({ procedureId: state.value?.id ?? '', step, action: 'early', subjectId, personId: person.id, reason: reason.trim(), at: now() })
  }

  return { attach, records, clock, template, state, step, facts, unmet, early, overdue, attention, voteProgress, overrides, overrideOf, noticeOf, start, complete, skipTo, takeEarly }
})
