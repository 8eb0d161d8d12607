import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { combineLatest} from 'rxjs'
import * as D from '@/domain'
import type { AuditDoc, ConflictRecordDoc, Decision, Repositories, SealKeyDoc, Stored, VoidListDoc } from '@/data'
import { villageFlags, type ComplianceRecords } from '@/shared/township/compliance'
import { auditSnapshot } from '@/data/repositories/supervision'
import { villageLink, type LinkOptions } from './support/villageLink'
import { openedVoidLists } from '@/shared/personacts'
import { refusalOf } from '@/data/oldRefusals'
import type { RefusalCode, RefusalParams } from '@/shared/refusal'
import { useActingStore } from './acting'
import { kindOfId } from '@/shared/schemas'

export interface DeviceChainView {
  device: string; events: number; lastAt: number; state: 'unchecked' | 'ok' | 'broken'
  /** The check's problems (the view words them), and its one-line summary in English. */
  issues: D.ChainIssue[]; detail: string
}
/** One line of the checklist; `flags` are the domain's (code, wording, details), worded by the view in the reader's language. */
export interface ComplianceItemView {
  key: D.CheckKey; ok: boolean; flags: D.ComplianceFlag[]
  /**
   * 'flagged' (a rule broken), 'verify' (only steps taken early or forced with their reason on record: the
   * domain's `flagsWeight`), 'ok' (checked, nothing wrong) or 'not-yet' (nothing to check yet: no green tick).
   */
  state: 'flagged' | 'verify' | 'ok' | 'not-yet'
}
/** A hub's refusal notice: `code` and `params` decide its words, `reason` is the hub's English (shown to supervisors as such). */
export interface RejectionView { id: string; subject: string; code: RefusalCode; params: RefusalParams; reason: string; device: string; at: number }


/** The supervisory committee's checks: audit chains per device, compliance of the cycle, refused records. */
export const useSupervisionStore = defineStore('supervision', () => {
  const audit = shallowRef<Stored<AuditDoc>[]>([])
  const reports = ref<Record<string, D.ChainReport>>({})
  const rejectionDocs = shallowRef<Stored<{ id: string; subjectId: string; reason: string; device?: string; at?: number }>[]>([])
  /** The village's person keys someone the village trusts vouches for (src/stores/acting.ts): only acts signed with them count here, as at the township. */
  const acting = useActingStore()
  const records = shallowRef<Omit<ComplianceRecords, 'personKeys'> | null>(null)
  const input = computed<ComplianceRecords | null>(() => (records.value ? { ...records.value, personKeys: acting.keys } : null))
  const openDoubles = ref(0)
  const seals = shallowRef<{ decisions: Decision[]; votes: D.Vote[]; lists: VoidListDoc[]; sealKeys: Stored<SealKeyDoc>[]; checkoffs: D.CheckOff[]; conflicts: Stored<ConflictRecordDoc>[] } | null>(null)
  /** Council decisions that void a sealed ballot, not yet opened by the supervisors (a list counts only when signed with vouched keys). */
  const awaitingSeals = computed(() => (seals.value ? unopened(seals.value, openedVoidLists(seals.value.lists, seals.value.votes, seals.value.sealKeys, acting.keys)) : 0))
  const openObjections = ref(0)
  /** Council decisions on double votes (the void seals the supervisors open follow them). */
  const doubleVoteDecisions = ref(0)
  const link = villageLink()
  const { now } = link
  let repos: Repositories | null = null

  function attach(r: Repositories, opts: LinkOptions = {}): void {
    const subs = link.connect(r, opts)
    repos = r
    reports.value = {}
    subs.push(r.audit.list$({ oldestFirst: true }).subscribe((a) => { audit.value = a }))
    subs.push(r.rejections.list$().subscribe((x) => { rejectionDocs.value = x }))
    // The same records, read by the same checks, as the township's summary of this village.
    subs.push(combineLatest({
      meetings: r.meetings.list$(), resolutions: r.resolutions.list$(), ledger: r.ledger.list$(), cosigns: r.cosignatures.list$(),
      persons: r.persons.list$(), proposals: r.proposals.list$(), progress: r.progress.list$(), notices: r.notices.list$(), votes: r.votes.list$(), funds: r.funds.list$(),
      allocations: r.allocations.list$(), procedures: r.procedures.list$({ oldestFirst: true }), overrides: r.overrides.list$(),
      checkoffs: r.checkoffs.list$(),
    }).subscribe((rs) => { records.value = { ...rs, villageId: r.writer.identity.villageId } }))
    subs.push(combineLatest([r.conflicts.list$(), r.decisions.list$(), r.votes.list$(), r.voidLists.list$(), r.sealKeys.list$(), r.checkoffs.list$()]).subscribe(([c, d, v, l, s, k]) => {
      openDoubles.value = D.unresolvedDoubleVotes(c, d).length
      seals.value = { decisions: d, votes: v, lists: l, sealKeys: s, checkoffs: k, conflicts: c }
      doubleVoteDecisions.value = d.filter((x) => (x as { voteId?: string }).voteId).length
    }))
    subs.push(combineLatest([r.notices.list$(), r.objections.list$(), r.answers.list$()]).subscribe(([n, o, a]) => {
      openObjections.value = n.reduce((sum, notice) => sum + D.openObjections(notice, o, a).length, 0)
    }))
  }

  /** Every vote's decisions still waiting for their seals to be opened (the domain's one rule, as on the results screen and at the township). */
  function unopened(s: NonNullable<typeof seals.value>, lists: readonly VoidListDoc[]): number {
    const records = { voidLists: lists, decisions: s.decisions, checkoffs: s.checkoffs, conflicts: s.conflicts }
    return s.votes.reduce((n, v) => n + D.decisionsAwaitingSeals(v, records).length, 0)
  }

  const devices = computed<DeviceChainView[]>(() => {
    const byDevice = new Map<string, { events: number; lastAt: number }>()
    for (const e of audit.value) {
      const d = byDevice.get(e.device) ?? { events: 0, lastAt: 0 }
      byDevice.set(e.device, { events: d.events + 1, lastAt: Math.max(d.lastAt, Number(e.at) || 0) })
    }
    // a device known only from the check (records that claim it, no event of it here) is shown too
    for (const device of Object.keys(reports.value)) if (!byDevice.has(device)) byDevice.set(device, { events: 0, lastAt: 0 })
    return [...byDevice.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([device, { events, lastAt }]) => {
      const report = reports.value[device]
      return {
        device, events, lastAt, state: !report ? 'unchecked' : report.ok ? 'ok' : 'broken',
        issues: report?.problems ?? [], detail: report && !report.ok ? report.summary : '' }
    })
  })

  const flags = computed(() => (input.value ? villageFlags(input.value, now()) : []))
  /** Which checks have anything to look at yet (domain `checksReached`): the others say "not yet". */
  const reached = computed(() => {
    const r = input.value
    if (!r) return D.checksReached({ resolutions: 0, allocations: 0, progress: 0, expenses: 0, cycles: 0, checkoffs: 0, acts: 0, doubleVoteDecisions: 0, notices: 0 })
    return D.checksReached({
      resolutions: r.resolutions.length, allocations: r.allocations.length, progress: r.progress.length,
      expenses: r.ledger.filter((l) => l.kind === 'expense').length, cycles: D.villageProcedure(r.procedures).cycles.length,
      checkoffs: r.checkoffs.length, acts: r.meetings.length + r.cosigns.length + r.overrides.length + r.votes.length + r.notices.length + r.ledger.length,
      doubleVoteDecisions: doubleVoteDecisions.value, notices: r.notices.length,
    })
  })
  const checklist = computed<ComplianceItemView[]>(() => {
    const by = (code: D.FlagCode) => flags.value.filter((f) => f.code === code)
    // a vote opened, or work started and money spent, before its notice ended with a reason on record is that
    // row's answer too: the row does not read 合规 beside the override that says otherwise
    const earlyOn = (kind: string) => by('step-taken-early').filter((f) => kindOfId(String(f.details.subjectId ?? '')) === kind)
    const item = (key: D.CheckKey, list: D.ComplianceFlag[], ok = list.length === 0): ComplianceItemView =>
      ({ key, ok, flags: list, state: !ok ? (D.flagsWeight(list) === 'verify' ? 'verify' : 'flagged') : reached.value[key] ? 'ok' : 'not-yet' })
    return [
      item('quorum', by('adopted-without-quorum')),
      item('budget', by('allocations-over-fund')),
      item('publicity', [...by('work-before-publicity-ended'), ...earlyOn('project')]),
      item('cosign', by('expense-without-cosign')),
      item('overrides', by('step-skipped-without-override')),
      item('early', [...by('step-taken-early'), ...by('step-overridden')]),
      item('voteNotice', [...by('vote-before-notice'), ...earlyOn('vote')]),
      item('spending', [...by('spending-before-publicity'), ...earlyOn('project')]),
      item('rightPerson', by('act-by-wrong-person')),
      item('doubleVotes', [], openDoubles.value === 0),
      item('voidSeals', [], awaitingSeals.value === 0),
      item('objections', [], openObjections.value === 0),
    ]
  })
  const cycleTitle = ref('')

  const rejections = computed<RejectionView[]>(() => rejectionDocs.value.map((x) => ({
    id: x.id, subject: x.subjectId, ...refusalOf(x), reason: x.reason, device: x.device ?? '', at: x.at ?? x.meta.deviceTime })))

  async function load(): Promise<void> { /* live from attach() */ }

  /**
   * The domain's verifier over the audit events and records as this tablet stores them: each
   * device's chain, and each record against its device's events. Once a year is archived off this
   * tablet, chains may start after event 1 here (the earlier events are on the hub).
   */
  async function check(device?: string, opts: Omit<D.VerifyOptions, 'records'> = {}): Promise<D.ChainReport[]> {
    if (!repos) return []
    const { events, records, archivedYears } = await auditSnapshot(repos.writer.vdb)
    const mine = <T extends { device: string }>(xs: T[]) => (device ? xs.filter((x) => x.device === device) : xs)
    return D.verifyAuditChain(mine(events), { partial: archivedYears.length > 0, ...opts, records: mine(records) })
  }
  async function verify(device: string, opts: Omit<D.VerifyOptions, 'records'> = {}): Promise<void> {
    const [report] = await check(device, opts)
    if (report) reports.value = { ...reports.value, [device]: report }
  }
  async function verifyAll(opts: Omit<D.VerifyOptions, 'records'> = {}): Promise<void> {
    const out: Record<string, D.ChainReport> = {}
    for (const report of await check(undefined, opts)) out[report.device] = report
    reports.value = out
  }

  return { devices, checklist, cycleTitle, rejections, flags, attach, load, verify, verifyAll }
})
