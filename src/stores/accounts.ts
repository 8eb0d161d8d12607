import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { combineLatest} from 'rxjs'
import * as D from '@/domain'
import type { Repositories, Stored } from '@/data'
import { villageLink, type LinkOptions } from './support/villageLink'
import { usePhotosStore } from './support/photos'

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
  const currentId = ref('')
  const photos = usePhotosStore()
  const link = villageLink()
  const { need, now } = link

  function attach(r: Repositories, opts: LinkOptions = {}): void {
    const subs = link.connect(r, opts)
    subs.push(combineLatest([r.funds.list$(), r.allocations.list$(), r.ledger.list$(), r.cosignatures.list$(), r.progress.list$(), r.persons.list$({ oldestFirst: true })])
      .subscribe(([f, a, l, c, p, people]) => {
        funds.value = f; allocations.value = a; entries.value = l; cosigns.value = c; updates.value = p; persons.value = people
      }))
  }

  const people = computed(() => persons.value.map((p) => ({ id: p.id, name: p.name, supervisor: p.roles.includes('supervisor') })))
  const supervisors = computed(() => people.value.filter((p) => p.supervisor))
  const rule = computed<D.CoSignRule>(() => ({ supervisors: supervisors.value.map((s) => s.id) }))
  /** The latest fund (this year's, usually). */
  const fundRecord = computed(() => [...funds.value].sort((a, b) => b.year - a.year)[0] ?? null)
  const summary = computed(() => (fundRecord.value ? D.accountsSummary(fundRecord.value, allocations.value, entries.value, cosigns.value, rule.value) : null))

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
    const c = cosigns.value.filter((x) => x.ledgerId === l.id).sort((a, b) => b.at - a.at)[0]
    return {
      id: l.id, date: day(l.at), amount: l.kind === 'refund' ? -l.amount : l.amount, payee: l.payee, purpose: l.description, recordedBy: l.recordedBy, photos: [],
      cosign: c ? { verdict: c.approve ? 'approved' : 'questioned', by: c.supervisorId, note: c.note, at: c.at } : null }
  }))

  async function load(): Promise<void> { /* live from attach() */ }
  async function loadProject(id: string): Promise<void> { currentId.value = id }

  // Photos: kept by content hash (records reference it), shown from this tablet or the hub (support/photos.ts).
  const keepPhoto = (blob: Blob): Promise<string> => photos.keep(blob, now())

  async function addProgress(projectId: string, entry: { text: string; percent: number; photos: Blob[]; by: string }): Promise<void> {
    const photos = await Promise.all(entry.photos.map(keepPhoto))
    await need().progress.create({ projectId, at: now(), by: entry.by, text: entry.text, percent: entry.percent, startsWork: false, photos })
  }

  async function addExpense(projectId: string, entry: { amount: number; payee: string; purpose: string; date: string; photos: string[]; by: string }): Promise<void> {
    const f = fundRecord.value
    if (!f) throw new Error('No fund is recorded on this tablet')
    const r = need()
    const at = entry.date === day(now()) ? now() : new Date(`${entry.date}T12:00:00`).getTime()
    const record = r.ledger.build({ fundId: f.id, projectId, kind: 'expense', amount: entry.amount, payee: entry.payee, description: entry.purpose, at, recordedBy: entry.by })
    D.checkExpense(record, allocations.value, entries.value)
    await r.ledger.create({ ...record })
  }

  async function cosign(ledgerId: string, verdict: CosignView['verdict'], by: string, note: string): Promise<void> {
    const r = need()
    const entry = entries.value.find((l) => l.id === ledgerId)
    if (!entry) throw new Error(`${ledgerId} is not on this tablet`)
    const record = r.cosignatures.build({ ledgerId, supervisorId: by, approve: verdict === 'approved', note, at: now() })
    D.checkCoSignature(entry, record, rule.value)
    await r.cosignatures.create({ ...record })
  }

  return { fund, projects, progress, ledger, people, supervisors, current, summary, attach, load, loadProject, addProgress, addExpense, cosign }
})
