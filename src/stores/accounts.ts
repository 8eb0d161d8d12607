import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { combineLatest} from 'rxjs'
import * as D from '@/domain'
import type { Repositories, Stored } from '@/data'
import { newSignedActId } from '@/data/personkeys'
import { villageLink, type LinkOptions } from './support/villageLink'
import { usePhotosStore } from './support/photos'
import { useActingStore } from './acting'
import { useRosterStore } from './roster'
import { signedCosigns } from '@/shared/personacts'
import type { Fields } from '@/shared/records'

export interface ProgressView { id: string; at: number; by: string; text: string; percent: number; photos: string[] }
export interface CosignView { verdict: 'approved' | 'questioned'; by: string; note: string; at: number }
export interface LedgerView { id: string; date: string; amount: number; payee: string; purpose: string; recordedBy: string; photos: string[]; cosign: CosignView | null }
export interface ProjectAccountView {
  id: string
  title: string
  /** fen */
  allocated: number
  /** fen: co-signed expenses plus those still waiting for a co-signature */
  spent: number
  percent: number
  unsigned: number
}
export interface FundView { id: string; name: string; year: number; amount: number; allocated: number; spent: number }

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/**
 * Implementation and accounts of the current fund: funded projects (allocations), their progress
 * and their ledger with the supervisory committee's co-signatures. Figures come from the domain's
 * `accountsSummary`; an expense is checked against its allocation before it is written.
 */
export const useAccountsStore = defineStore('accounts', () => {
  const funds = shallowRef<Stored<D.Fund>[]>([])
  const allocations = shallowRef<Stored<D.Allocation>[]>([])
  const entries = shallowRef<Stored<D.LedgerEntry>[]>([])
  const cosigns = shallowRef<Stored<D.CoSignature>[]>([])
  const updates = shallowRef<Stored<D.Progress>[]>([])
  const persons = shallowRef<Stored<D.Person>[]>([])
  const notices = shallowRef<Stored<D.Notice>[]>([])
  const votes = shallowRef<Stored<D.Vote>[]>([])
  const overrides = shallowRef<Stored<D.Override>[]>([])
  const currentId = ref('')
  const acting = useActingStore()
  const roster = useRosterStore()
  const photos = usePhotosStore()
  const link = villageLink()
  const { need, now } = link

  function attach(r: Repositories, opts: LinkOptions = {}): void {
    const subs = link.connect(r, opts)
    subs.push(combineLatest([r.funds.list$(), r.allocations.list$(), r.ledger.list$(), r.cosignatures.list$(), r.progress.list$(), r.persons.list$({ oldestFirst: true })])
      .subscribe(([f, a, l, c, p, people]) => {
        funds.value = f; allocations.value = a; entries.value = l; cosigns.value = c; updates.value = p; persons.value = people
      }))
    subs.push(combineLatest([r.notices.list$(), r.votes.list$(), r.overrides.list$()]).subscribe(([n, v, o]) => { notices.value = n; votes.value = v; overrides.value = o }))
  }

  const people = computed(() => persons.value.map((p) => ({ id: p.id, name: p.name })))
  /** The supervisory committee as the roster names it: whose role counts, then whose role waits for a signature (`pending`). */
  const committee = computed(() => roster.holders(['supervisor']))
  /** Supervisors whose role counts (signed): only their co-signatures count. */
  const supervisors = computed(() => committee.value.filter((s) => !s.pending))
  const rule = computed<D.CoSignRule>(() => ({ supervisors: supervisors.value.map((s) => s.id) }))
  /** The latest fund (this year's, usually). */
  const fundRecord = computed(() => [...funds.value].sort((a, b) => b.year - a.year)[0] ?? null)
  /** Only co-signatures the supervisor signed with their own key count (src/shared/personacts.ts). */
  const signed = computed(() => signedCosigns(cosigns.value, acting.keys, fundRecord.value?.villageId ?? ''))
  const summary = computed(() => (fundRecord.value ? D.accountsSummary(fundRecord.value, allocations.value, entries.value, signed.value, rule.value) : null))

  const fund = computed<FundView | null>(() => {
    const f = fundRecord.value
    const s = summary.value
    return f && s ? { id: f.id, name: f.source || String(f.year), year: f.year, amount: f.amount, allocated: s.allocated, spent: s.spent + s.pending } : null
  })
  const latestPercent = (projectId: string) => updates.value.filter((u) => u.projectId === projectId).sort((a, b) => b.at - a.at)[0]?.percent ?? 0
  const projects = computed<ProjectAccountView[]>(() => (summary.value?.projects ?? []).map((p) => ({
    id: p.projectId, title: p.title || p.projectId, allocated: p.allocated, spent: p.spent + p.pending, percent: latestPercent(p.projectId),
    unsigned: entries.value.filter((l) => l.projectId === p.projectId && summary.value!.uncosignedEntries.includes(l.id)).length })))
  const current = computed(() => projects.value.find((p) => p.id === currentId.value) ?? null)

  const progress = computed<ProgressView[]>(() => updates.value.filter((u) => u.projectId === currentId.value).sort((a, b) => b.at - a.at)
    .map((u) => ({ id: u.id, at: u.at, by: u.by, text: u.text, percent: u.percent, photos: u.photos.map(photos.url) })))

  const ledger = computed<LedgerView[]>(() => entries.value.filter((l) => l.projectId === currentId.value).sort((a, b) => b.at - a.at).map((l) => {
    // what the line says is what counts: a question standing, else the latest approval (the domain's last words)
    const words = D.lastCoSignWords(l, signed.value, rule.value).sort((a, b) => b.at - a.at)
    const c = words.find((x) => !x.approve) ?? words[0]
    return {
      id: l.id, date: day(l.at), amount: l.kind === 'refund' ? -l.amount : l.amount, payee: l.payee, purpose: l.description, recordedBy: l.recordedBy, photos: [],
      cosign: c ? { verdict: c.approve ? 'approved' : 'questioned', by: c.supervisorId, note: c.note, at: c.at } : null }
  }))

  async function load(): Promise<void> { /* live from attach() */ }
  async function loadProject(id: string): Promise<void> { currentId.value = id }

  // Photos: kept by content hash (records reference it), shown from this tablet or the hub (support/photos.ts).
  const keepPhoto = (blob: Blob): Promise<string> => photos.keep(blob, now())

  /**
   * Spending (and the first work) on a project waits for the public notice of the decision that funded it
   * (the domain's gate); earlier only with an `early` override on record (the cycle store records it).
   */
  const spendingGate = (projectId: string, at = now()) =>
    D.spendingGate(projectId, D.decisionCoverage(notices.value, votes.value, allocations.value), overrides.value, at)

  const gateOverrides = (early?: D.Override) => (early ? [...overrides.value, early] : overrides.value)

  /** `early`: the override just recorded to go ahead before the decision's notice ends. */
  async function addProgress(projectId: string, entry: { text: string; percent: number; photos: Blob[] }, early?: D.Override): Promise<void> {
    const first = !updates.value.some((u) => u.projectId === projectId)
    if (first) D.assertSpendingGate(projectId, D.decisionCoverage(notices.value, votes.value, allocations.value), gateOverrides(early), now())
    const { person } = await acting.authorize('accounts.record')
    const photos = await Promise.all(entry.photos.map(keepPhoto))
    await need().progress.create({ projectId, at: now(), by: person.id, text: entry.text, percent: entry.percent, startsWork: first, photos })
  }

  async function addExpense(projectId: string, entry: { amount: number; payee: string; purpose: string; date: string; photos: string[] }, early?: D.Override): Promise<void> {
    const f = fundRecord.value
    if (!f) throw new Error('No fund is recorded on this tablet')
    const r = need()
    const at = entry.date === day(now()) ? now() : new Date(`${entry.date}T12:00:00`).getTime()
    const check = r.ledger.build({ fundId: f.id, projectId, kind: 'expense', amount: entry.amount, payee: entry.payee, description: entry.purpose, at, recordedBy: 'person:check' })
    D.checkExpense(check, allocations.value, entries.value)
    D.assertSpendingGate(projectId, D.decisionCoverage(notices.value, votes.value, allocations.value), gateOverrides(early), at)
    const { person } = await acting.authorize('accounts.record')
    await r.ledger.create({ ...check, recordedBy: person.id })
  }

  /** A supervisor co-signs with their own passphrase (src/stores/acting.ts): the record carries their signature. */
  async function cosign(ledgerId: string, verdict: CosignView['verdict'], by: string, note: string): Promise<void> {
    const r = need()
    const entry = entries.value.find((l) => l.id === ledgerId)
    if (!entry) throw new Error(`${ledgerId} is not on this tablet`)
    D.checkCoSignature(entry, r.cosignatures.build({ ledgerId, supervisorId: by, approve: verdict === 'approved', note, at: now() }), rule.value)
    const { person, signer } = await acting.authorize('expense.cosign', { personId: by })
    if (!signer) throw new Error('a co-signature needs the supervisor\'s own key')
    const record = r.cosignatures.build({ id: newSignedActId('cosign', [signer.keyId]), ledgerId, supervisorId: person.id, approve: verdict === 'approved', note, at: now() })
    D.checkCoSignature(entry, record, rule.value)
    const fields: Fields<D.CoSignature> = record
    await acting.as(person, () => r.cosignatures.create({ ...record, keyId: signer.keyId, signature: signer.sign('cosign', fields) }))
  }

  /** Supervisors who can co-sign on this tablet: those with their own passphrase set up. */
  const cosigners = computed(() => supervisors.value.filter((s) => acting.currentKeys.has(s.id)))
  /** Supervisors named on the roster whose role waits for a signature: shown, never offered to co-sign. */
  const waitingSupervisors = computed(() => committee.value.filter((s) => s.pending))

  return { fund, projects, progress, ledger, people, supervisors, cosigners, waitingSupervisors, current, summary, spendingGate, attach, load, loadProject, addProgress, addExpense, cosign }
})
