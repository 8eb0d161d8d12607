import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { Subscription } from 'rxjs'
import * as D from '@/domain'
import { unlockWithPin, type ConflictRecordDoc, type Decision, type KeyValue, type Repositories, type SealKeyDoc, type Stored, type UnlockResult, type VoidListDoc } from '@/data'
import { usePhotosStore } from './support/photos'
import { useActingStore } from './acting'
import { useRosterStore } from './roster'
import { personName } from './support/names'
import { openedVoidLists } from '@/shared/personacts'
import type { PaperState, ResultsView, VoteView, VoterView } from './views/votes'

export interface VoteDraft {
  title: string
  ballotType: VoteView['ballotType']
  method: VoteView['method']
  maxChoices: number
  budget: number
  opensAt: number
  closesAt: number
  perHousehold: boolean
  candidates: { name: string; cost: number; proposalId: string }[]
  /** Public keys of the supervisors who seal the check-offs (their current keys); [] = no seals. */
  sealKeys?: string[]
}
/** Ballots the supervisory committee voided in a vote, and the council's decisions behind them. */
export interface VoidedView {
  ballots: number
  openedBy: string[]
  decisions: { outcome: string; reason: string }[]
  /** Double votes decided on but whose void seals are not opened yet. */
  waiting: number
  /** Whether the vote was sealed with supervisors' keys at all (old votes: no). */
  sealed: boolean
}
export interface PaperEntryInput { enteredBy: string; total: number; valid: number; blank: number; spoiled: number; perOption: Record<string, number> }

const rest = (id: string) => id.slice(id.indexOf(':') + 1)

/**
 * Votes of this village: the list, the vote on screen, its voters and check-offs, paper counts
 * and results. Rules come from src/domain; reads and writes from src/data (`attach` gives the
 * repositories of the open village).
 */
export const useVotesStore = defineStore('votes', () => {
  const repos = shallowRef<Repositories | null>(null)
  const now = ref(Date.now)
  const records = shallowRef<Stored<D.Vote>[]>([])
  const persons = shallowRef<Stored<D.Person>[]>([])
  const units = shallowRef<Stored<D.Unit>[]>([])
  const proposals = shallowRef<Stored<D.Proposal>[]>([])
  /** Candidate pictures: kept on this tablet, or fetched from the hub (one resolver for every screen). */
  const photos = usePhotosStore()
  /** Where this tablet keeps its clerks' PIN hashes (localStorage in the app). */
  let kv: KeyValue | null = globalThis.localStorage ?? null
  const checkoffs = shallowRef<Stored<D.CheckOff>[]>([])
  const ballots = shallowRef<Stored<D.Ballot>[]>([])
  const paperCounts = shallowRef<Stored<D.PaperCount>[]>([])
  const voidLists = shallowRef<Stored<VoidListDoc>[]>([])
  /** The supervisors' seal keys: who sealed a vote, who must open its void list. */
  const sealKeys = shallowRef<Stored<SealKeyDoc>[]>([])
  const decisions = shallowRef<(Stored<Decision> & { voteId?: string; voidedSeals?: string[] })[]>([])
  const doubleCheckoffs = shallowRef<Stored<ConflictRecordDoc>[]>([])
  const funds = shallowRef<Stored<D.Fund>[]>([])
  const allocations = shallowRef<Stored<D.Allocation>[]>([])
  const notices = shallowRef<Stored<D.Notice>[]>([])
  const overrides = shallowRef<Stored<D.Override>[]>([])
  const currentId = ref('')
  const acting = useActingStore()
  const roster = useRosterStore()
  const listSubs: Subscription[] = []
  const voteSubs: Subscription[] = []

  function need(): Repositories {
    if (!repos.value) throw new Error('This tablet has no village database open yet')
    return repos.value
  }

  function attach(r: Repositories, opts: { now?: () => number; kv?: KeyValue } = {}): void {
    for (const s of listSubs.splice(0)) s.unsubscribe()
    repos.value = r
    if (opts.now) now.value = opts.now
    if (opts.kv) kv = opts.kv
    listSubs.push(r.votes.list$().subscribe((v) => { records.value = v }))
    listSubs.push(r.sealKeys.list$().subscribe((k) => { sealKeys.value = k }))
    listSubs.push(r.persons.list$({ oldestFirst: true }).subscribe((p) => { persons.value = p }))
    listSubs.push(r.units.list$().subscribe((u) => { units.value = u }))
    listSubs.push(r.proposals.list$().subscribe((p) => { proposals.value = p }))
    listSubs.push(r.funds.list$().subscribe((f) => { funds.value = f }))
    listSubs.push(r.allocations.list$().subscribe((a) => { allocations.value = a }))
    listSubs.push(r.notices.list$().subscribe((n) => { notices.value = n }))
    listSubs.push(r.overrides.list$().subscribe((o) => { overrides.value = o }))
    if (currentId.value) watchVote(currentId.value)
  }

  /** The vote's gate at `at`: it takes ballots only once its announcement has run (or with an `early` override). */
  const gateOf = (v: D.Vote, at = now.value()) => D.voteGate(v.id, notices.value, overrides.value, at)
  /** Open, as its times say and as its gate allows: a vote whose announcement still runs stays "scheduled". */
  function statusOf(v: D.Vote, at = now.value()): VoteView['status'] {
    const status = D.voteStatus(v, at)
    return status === 'open' && gateOf(v, at).state !== 'open' ? 'scheduled' : status
  }

  function view(v: D.Vote): VoteView {
    const gate = gateOf(v)
    return {
      id: v.id, title: v.title, ballotType: v.ballotType, method: v.rule, maxChoices: v.maxChoices, budget: v.budget,
      opensAt: v.opensAt, closesAt: v.closedAt || v.closesAt, status: statusOf(v), perHousehold: v.perHousehold,
      gate: gate.state, gateUntil: gate.until, startsAt: D.voteOpensAt(v.opensAt, gate), openedEarly: gate.override ? { reason: gate.override.reason, by: gate.override.personId, at: gate.override.at } : null,
      candidates: v.candidates.map((c) => {
        const p = proposals.value.find((x) => x.id === c.proposalIds[0])
        return { id: c.id, name: c.title, cost: c.cost, picture: p?.photos[0] ? photos.url(p.photos[0]) : '', category: p ? D.categoryOf(p) : 'other', description: p?.description ?? '' }
      }),
    }
  }

  const list = computed(() => records.value.map(view))
  const record = computed(() => records.value.find((v) => v.id === currentId.value) ?? null)
  const current = computed(() => (record.value ? view(record.value) : null))

  const voters = computed<VoterView[]>(() => {
    const v = record.value
    if (!v) return []
    const done = new Set(checkoffs.value.map((c) => c.voterId))
    const unitName = new Map(units.value.map((u) => [u.id, u.name]))
    // A household as people say it (the domain's householdCall): its number, or none where the roster holds a code.
    const said = (h: string) => { const call = D.householdCall(h, persons.value.filter((p) => p.householdId === h)); return 'number' in call ? call.number : '' }
    if (v.perHousehold) {
      return v.roster.map((h) => {
        const head = persons.value.find((p) => p.householdId === h && p.householdHead) ?? persons.value.find((p) => p.householdId === h)
        return { id: h, name: head?.name ?? '', household: said(h), unit: unitName.get(head?.unitId ?? '') ?? '', checkedOff: done.has(h) }
      })
    }
    const byId = new Map(persons.value.map((p) => [p.id, p]))
    return v.roster.map((id) => {
      const p = byId.get(id)
      return { id, name: p?.name ?? '', household: p ? said(p.householdId) : '', unit: unitName.get(p?.unitId ?? '') ?? '', checkedOff: done.has(id) }
    })
  })
  const checkedOff = computed(() => checkoffs.value.length)
  const ballotsHere = computed(() => ballots.value.length)
  /** Clerks, council and supervisors as the roster names them; those whose role waits for a signature are `pending`. */
  const namedCounters = computed(() => roster.holders(D.ROLES.filter((r) => r !== 'self-management')))
  /** People who may enter a paper count or co-decide: clerks, council and supervisors whose role counts (signed). */
  const counters = computed(() => namedCounters.value.filter((p) => !p.pending).map((p) => ({ id: p.id, name: p.name })))
  /** Those the roster names as counters whose role waits for a signature: shown, never offered. */
  const waitingCounters = computed(() => namedCounters.value.filter((p) => p.pending))

  function watchVote(id: string): void {
    for (const s of voteSubs.splice(0)) s.unsubscribe()
    const r = repos.value
    if (!r) return
    voteSubs.push(r.checkoffs.list$({ ref: id }).subscribe((c) => { checkoffs.value = c }))
    voteSubs.push(r.ballots.list$({ ref: id }).subscribe((b) => { ballots.value = b }))
    voteSubs.push(r.voidLists.list$({ ref: id }).subscribe((l) => { voidLists.value = l }))
    voteSubs.push(r.decisions.list$().subscribe((d) => { decisions.value = d.filter((x) => (x as { voteId?: string }).voteId === id) }))
    voteSubs.push(r.conflicts.list$().subscribe((c) => { doubleCheckoffs.value = c.filter((x) => x.reason === 'double-checkoff' && x.loser?.ref === id) }))
    voteSubs.push(r.paperCounts.list$({ ref: id, oldestFirst: true }).subscribe((p) => { paperCounts.value = [...p].sort((a, b) => a.at - b.at || a.meta.deviceTime - b.meta.deviceTime || a.meta.seq - b.meta.seq) }))
  }

  /** Live once attached; before the village database is open there is nothing to load yet. */
  async function loadAll(): Promise<void> { if (repos.value) records.value = await repos.value.votes.list() }

  async function load(id: string): Promise<void> {
    if (currentId.value !== id) { currentId.value = id; checkoffs.value = []; ballots.value = []; paperCounts.value = []; voidLists.value = []; decisions.value = [] }
    watchVote(id)
    if (repos.value && !records.value.some((v) => v.id === id)) await loadAll()
  }

  /**
   * Creates a vote; its roster is every eligible person (or every household) on this tablet. It takes no
   * ballot before its announcement (a public notice about it) has run its window: publishing the
   * announcement moves the opening to the window's end (src/stores/notices.ts).
   */
  async function save(draft: VoteDraft): Promise<string> {
    await acting.authorize('vote.setup')
    const r = need()
    const eligible = persons.value.filter((p) => p.eligible)
    const roster = draft.perHousehold ? [...new Set(eligible.map((p) => p.householdId))] : eligible.map((p) => p.id)
    const created = await r.votes.create({
      title: draft.title, ballotType: draft.ballotType, rule: draft.method, maxChoices: draft.ballotType === 'approval' ? draft.maxChoices : 0,
      budget: draft.budget, opensAt: draft.opensAt, closesAt: draft.closesAt, perHousehold: draft.perHousehold, roster, kind: 'project-selection',
      sealKeys: draft.sealKeys ?? [],
      candidates: draft.candidates.map((c, i) => ({ id: `project:${rest(crypto.randomUUID())}-${i + 1}`, title: c.name, cost: c.cost, proposalIds: c.proposalId ? [c.proposalId] : [] })),
    })
    return created.id
  }

  /**
   * Opens the vote now: refused (DomainError `gate.vote-notice`) while its announcement has not run its
   * window, unless an `early` override for the vote is on record (the cycle store's `takeEarly`).
   */
  async function open(id: string, early?: D.Override): Promise<void> {
    const v = records.value.find((x) => x.id === id)
    if (!v) return
    D.assertVoteGate(id, notices.value, early ? [...overrides.value, early] : overrides.value, now.value())
    await acting.authorize('vote.run')
    const at = now.value()
    if (v.opensAt > at) await need().votes.update(id, { opensAt: at, closesAt: Math.max(v.closesAt, at + (v.closesAt - v.opensAt)) })
  }

  async function close(id: string): Promise<void> {
    await acting.authorize('vote.run')
    await need().votes.update(id, { closedAt: Math.max(now.value(), (records.value.find((x) => x.id === id)?.opensAt ?? 0) + 1) })
  }

  /** Whether the vote takes ballots right now (the domain's status and gate at this moment). */
  function statusNow(id: string): VoteView['status'] | null {
    const v = records.value.find((x) => x.id === id)
    return v ? statusOf(v) : null
  }

  /** Checks a clerk's PIN on this tablet (slow hash, lock-out after repeated misses). */
  async function verifyClerk(pin: string): Promise<UnlockResult> {
    if (!kv) return { ok: false, reason: 'no-clerk' }
    return unlockWithPin(kv, pin, now.value())
  }

  /** Writes the check-off and the ballot together; the ballot carries no person. */
  async function castBallot(voteId: string, voterId: string, choices: string[], clerkId: string): Promise<void> {
    const vote = records.value.find((v) => v.id === voteId)
    if (!vote) throw new Error(`${voteId} is not on this tablet`)
    await need().recordBallot({ vote, voterId, choices, recordedBy: clerkId, at: now.value() })
  }

  /** Candidates the voter may not add now: adding them would break the ballot's limits. */
  function blockedChoices(vote: VoteView, selected: readonly string[]): string[] {
    const v = record.value
    if (!v || v.id !== vote.id) return []
    return v.candidates.filter((c) => !selected.includes(c.id)).filter((c) => {
      try { D.validateChoices({ ...v, minChoices: 0 }, [...selected, c.id]); return false } catch { return true }
    }).map((c) => c.id)
  }

  /** Why these choices cannot be cast (translated by the caller's i18n), '' when they can. */
  function ballotProblem(vote: VoteView, selected: readonly string[]): string {
    const v = record.value
    if (!v || v.id !== vote.id) return ''
    try { D.validateChoices(v, selected); return '' } catch (e) { return e instanceof Error ? e.message : String(e) }
  }

  /** The vote's result by the domain's one rule (counted ballots, agreed paper count, selection). */
  // a void list voids only when every supervisor who sealed the vote opened it and signed it
  const signedLists = computed(() => openedVoidLists(voidLists.value, records.value, sealKeys.value, acting.keys))
  const outcome = computed(() => {
    const v = record.value
    return v ? D.voteResult(v, { ballots: ballots.value, checkoffs: checkoffs.value, voidLists: signedLists.value, decisions: decisions.value, conflicts: doubleCheckoffs.value, paperCounts: paperCounts.value }) : null
  })

  const paperState = computed<PaperState>(() => {
    const p = outcome.value?.paper ?? { kind: 'none' }
    if (p.kind === 'disagree') return { kind: 'disagree', differences: (p.problem.details as { differences?: D.PaperDifference[] }).differences ?? [] }
    return p.kind === 'confirmed' ? { kind: 'confirmed' } : p
  })

  async function savePaperEntry(voteId: string, entry: PaperEntryInput): Promise<void> {
    const v = records.value.find((x) => x.id === voteId)
    if (!v) throw new Error(`${voteId} is not on this tablet`)
    // Each of the two entries is made by the person it names, who types their own secret.
    await acting.authorize('papercount.enter', { personId: entry.enteredBy })
    const state = paperState.value
    if (state.kind === 'waiting' && state.by === entry.enteredBy) {
      D.fail('papercount.same-person', 'the second entry must be made by another person', { person: entry.enteredBy })
    }
    const draft = D.paperCount({ id: `papercount:${rest(crypto.randomUUID())}`, voteId, at: now.value(), ...entry })
    D.checkPaperCount(v, draft)
    await need().paperCounts.create({ ...draft })
  }

  const results = computed<ResultsView | null>(() => {
    const v = record.value
    const r = outcome.value
    if (!v || !r) return null
    // Ballots cast after the close (on a tablet that did not know of it yet) and ballots the
    // supervisors voided (opened from the council's void seals) do not count; an agreed paper
    // count adds its per-option totals (the greedy rules take totals; MES refuses them).
    const base = { electronic: r.counted.length, paper: r.paperBallots, budget: v.budget, late: r.late }
    if (!r.selection) return { ...base, rows: [], allocated: 0, surplus: 0, explanation: r.problem?.message ?? '' }
    const byId = new Map(v.candidates.map((c) => [c.id, c]))
    return {
      ...base,
      rows: r.selection.projects.map((p) => ({
        candidateId: p.id, name: byId.get(p.id)?.title ?? p.id, cost: p.cost, votes: p.support, funded: p.funded,
        rank: p.rank, reason: p.reason, remainingBefore: p.remainingBefore, explanation: p.text,
      })),
      allocated: r.selection.cost, surplus: r.surplus,
      explanation: r.selection.projects.map((p) => `${byId.get(p.id)?.title ?? p.id}: ${p.text}`).join('\n'),
    }
  })

  /** What the supervisory committee voided in the current vote, by whose decision. */
  const voided = computed<VoidedView | null>(() => {
    const v = record.value
    if (!v || !outcome.value) return null
    const { voids, voidDecisions } = outcome.value
    const covered = new Set(voids.flatMap((l) => l.decisions))
    const withVoids = voidDecisions.filter((d) => (d.voidedSeals?.length ?? 0) > 0)
    return {
      ballots: new Set(voids.flatMap((l) => l.ballotIds)).size,
      openedBy: [...new Set(voids.flatMap((l) => l.openedBy))].map((id) => personName(persons.value, id, 'supervisor')),
      decisions: withVoids.filter((d) => covered.has(d.id)).map((d) => ({ outcome: d.outcome, reason: d.reason })),
      waiting: D.decisionsAwaitingSeals(v, { voidLists: signedLists.value, decisions: decisions.value, checkoffs: checkoffs.value, conflicts: doubleCheckoffs.value }).length,
      sealed: v.sealKeys.length > 0,
    }
  })

  /** Why the current vote's money may not be allocated yet (the domain's one gate), or null. */
  const allocationWait = computed<D.AllocationWait | null>(() => {
    const v = record.value
    return v ? D.allocationWait(v, { voidLists: signedLists.value, decisions: decisions.value, checkoffs: checkoffs.value, conflicts: doubleCheckoffs.value }) : null
  })

  /** The funded projects of the current vote already recorded as allocations. */
  const allocated = computed(() => {
    const ids = new Set(record.value?.candidates.map((c) => c.id) ?? [])
    return allocations.value.filter((a) => ids.has(a.projectId))
  })

  /**
   * Records the funded projects of a closed vote as allocations of this year's fund (creating
   * the fund with the vote's budget when none is recorded). The domain refuses allocations over the fund.
   */
  async function recordAllocation(voteId: string): Promise<void> {
    const r = need()
    const v = records.value.find((x) => x.id === voteId)
    const shown = results.value
    if (!v || !shown || currentId.value !== voteId) throw new Error(`${voteId} is not open on screen`)
    if (D.voteStatus(v, now.value()) !== 'closed') D.fail('vote.not-closed', 'close the vote before allocating the money')
    const wait = allocationWait.value
    if (wait?.reason === 'double-votes-undecided') D.fail('doublevote.undecided', `${wait.voters} voter(s) checked off more than once await the council's decision before the money is allocated`)
    if (wait?.reason === 'seals-unopened') D.fail('doublevote.seals-unopened', 'the supervisors must open the void seals of the decided double votes before the money is allocated')
    await acting.authorize('accounts.record')
    const year = new Date(now.value()).getFullYear()
    let fund = funds.value.find((f) => f.year === year) ?? null
    if (!fund) fund = await r.funds.create({ year, amount: v.budget, source: v.title })
    let existing: D.Allocation[] = allocations.value.filter((a) => a.fundId === fund.id)
    const items = []
    for (const row of shown.rows.filter((x) => x.funded && !existing.some((a) => a.projectId === x.candidateId))) {
      const next = r.allocations.build({ fundId: fund.id, projectId: row.candidateId, title: row.name, amount: row.cost, decidedBy: voteId, at: now.value() })
      existing = D.addAllocation(fund, existing, next)
      items.push(next)
    }
    for (const a of items) await r.allocations.create({ ...a })
  }

  return {
    allocated, allocationWait, recordAllocation, statusNow, voided,
    repos, list, current, record, voters, proposals, checkedOff, ballotsHere, counters, waitingCounters, paperState, results, persons,
    attach, loadAll, load, save, open, close, verifyClerk, castBallot, blockedChoices, ballotProblem, savePaperEntry,
  }
})
