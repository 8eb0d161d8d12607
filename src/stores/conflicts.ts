import { defineStore } from 'pinia'
import { useActingStore } from './acting'
import { useRosterStore } from './roster'
import { computed, shallowRef } from 'vue'
import { combineLatest} from 'rxjs'
import * as D from '@/domain'
import type { ConflictRecordDoc, Decision, Repositories, SealKeyDoc, Stored, VoidListDoc } from '@/data'
import { villageLink, type LinkOptions } from './support/villageLink'
import { i18n } from '@/i18n'
import { openedVoidLists } from '@/shared/personacts'
import { isKind, recordOf } from '@/shared/records'
import type { DocKind } from '@/shared/schemas'

export type ConflictReason = ConflictRecordDoc['reason']

export interface ConflictSide { device: string; at: number; author: string; summary: string }
/** `by` is who announced it for the council; `recordedBy` the name of who wrote it down (the clerk whose PIN the tablet took). */
export interface ConflictDecisionView { outcome: string; reason: string; by: string; at: number; recordedBy: string }
export interface ConflictView {
  /** The record the council decides on: the check-off id (double vote) or the conflict record id. */
  id: string
  reason: ConflictReason
  /** What it is about, for people: the voter's name, the record's title ('' when it has none). */
  title: string
  /** The record the conflict is about (its kind says what it is when it has no title). */
  subjectId: string
  /** The vote or record it belongs to, for context. */
  context: string
  sides: ConflictSide[]
  /** The outcomes the council may record for this kind of conflict. */
  options: string[]
  decision: ConflictDecisionView | null
  /** The vote of a double vote ('' otherwise). */
  voteId: string
  /** The voter of a double vote ('' otherwise): never among those who may decide on it. */
  voterId: string
  /**
   * A decided double vote whose void seals the supervisors must open together ('waiting'), have
   * opened ('opened'), or nothing to open ('none': kept everything, or the vote had no seal keys).
   */
  voids: 'none' | 'waiting' | 'opened'
}

const OPTIONS: Record<ConflictReason, string[]> = {
  'double-checkoff': ['keep-earliest', 'keep-latest', 'void-all'],
  'duplicate-insert': ['noted'],
  'concurrent-edit': ['noted', 'restore-earlier'] }

type MutableRepo = 'villages' | 'units' | 'persons' | 'proposals' | 'meetings' | 'votes' | 'notices' | 'funds' | 'allocations' | 'procedures'
const MUTABLE_REPOS: Partial<Record<DocKind, MutableRepo>> = {
  village: 'villages', unit: 'units', person: 'persons', proposal: 'proposals', meeting: 'meetings', vote: 'votes',
  notice: 'notices', fund: 'funds', allocation: 'allocations', procedure: 'procedures' }

/**
 * The queue of double votes and edit conflicts found by sync. Double check-offs of one voter
 * are one item (decided on the check-off id); every other conflict record is its own item.
 * A decision is an immutable `decision` record: the item then shows as resolved, with who and why.
 */
export const useConflictsStore = defineStore('conflicts', () => {
  const acting = useActingStore()
  const roster = useRosterStore()
  const conflicts = shallowRef<Stored<ConflictRecordDoc>[]>([])
  const decisions = shallowRef<Stored<Decision>[]>([])
  const persons = shallowRef<Stored<D.Person>[]>([])
  const votes = shallowRef<Stored<D.Vote>[]>([])
  const checkoffs = shallowRef<Stored<D.CheckOff>[]>([])
  const voidLists = shallowRef<Stored<VoidListDoc>[]>([])
  const sealKeys = shallowRef<Stored<SealKeyDoc>[]>([])
  const link = villageLink()
  const { repos, now } = link

  function attach(r: Repositories, opts: LinkOptions = {}): void {
    const subs = link.connect(r, opts)
    subs.push(combineLatest([r.conflicts.list$({ oldestFirst: true }), r.decisions.list$(), r.persons.list$(), r.votes.list$(), r.checkoffs.list$()])
      .subscribe(([c, d, p, v, k]) => { conflicts.value = c; decisions.value = d; persons.value = p; votes.value = v; checkoffs.value = k }))
    subs.push(r.voidLists.list$().subscribe((l) => { voidLists.value = l }))
    subs.push(r.sealKeys.list$().subscribe((k) => { sealKeys.value = k }))
  }

  /**
   * A person by name, never by id: someone the roster does not hold is said to be so; a record written
   * while no one was signed in carries its tablet's code as author, said as "no one signed in".
   */
  const nameOf = (id: string) => persons.value.find((p) => p.id === id)?.name
    ?? i18n.global.t(!id || id.startsWith('person:') ? 'conflicts.notOnRoster' : 'conflicts.nobodySignedIn')

  const items = computed<ConflictView[]>(() => {
    const decided = new Map(decisions.value.map((d) => [d.subjectId, d]))
    const signedLists = openedVoidLists(voidLists.value, votes.value, sealKeys.value, acting.keys)
    const voteIds = [...new Set(signedLists.map((l) => l.voteId))]
    const opened = new Set(voteIds.flatMap((v) => D.acceptedVoidLists(signedLists, decisions.value as (Decision & { voteId?: string; voidedSeals?: string[] })[], v)).flatMap((l) => l.decisions))
    // One item per double-voting voter and per other conflict: the domain's grouping (src/domain/conflicts.ts).
    return D.conflictItems(conflicts.value, decisions.value).map(({ key, records }) => {
      const [first] = records as [Stored<ConflictRecordDoc>]
      const double = first.reason === D.DOUBLE_CHECKOFF
      const body = (first.loser?.body ?? {}) as Record<string, unknown>
      const winnerDoc = double ? checkoffs.value.find((k) => k.id === first.subjectId) : undefined
      const vote = votes.value.find((v) => v.id === (body.voteId ?? first.loser?.ref))
      const d = decided.get(key) as (Stored<Decision> & { voidedSeals?: string[] }) | undefined
      const winner: ConflictSide = { device: first.winner.device, at: winnerDoc?.meta.deviceTime ?? 0, author: nameOf(winnerDoc?.recordedBy ?? first.winner.author ?? ''), summary: '' }
      return {
        id: key, reason: first.reason, voteId: double ? (vote?.id ?? String(body.voteId ?? '')) : '', voterId: double ? String(body.voterId ?? '') : '',
        voids: !d || !(d.voidedSeals?.length) ? 'none' : opened.has(d.id) ? 'opened' : 'waiting',
        title: double ? nameOf(String(body.voterId ?? '')) : String(body.title ?? body.name ?? ''), subjectId: first.subjectId, context: vote?.title ?? '',
        sides: double ? checkoffSides(first.subjectId) ?? [winner, ...records.map((c) => loserSide(c))] : [winner, ...records.map((c) => loserSide(c))],
        options: OPTIONS[first.reason],
        decision: d ? { outcome: d.outcome, reason: d.reason, by: d.by, at: d.at, recordedBy: nameOf(d.meta.author) } : null }
    })
  })
  /**
   * A double vote's check-offs in the domain's order (earliest first: the one "keep-earliest" keeps), each at
   * the time it was checked off; null when this tablet does not hold them all yet.
   */
  function checkoffSides(checkoffId: string): ConflictSide[] | null {
    try {
      return doubleVoteOf(checkoffId).checkOffs.map((c) => ({ device: c.device, at: c.at, author: nameOf(c.recordedBy), summary: '' }))
    } catch { return null }
  }
  /** The version that lost, as one side of the item. */
  function loserSide(c: Stored<ConflictRecordDoc>): ConflictSide {
    const b = (c.loser?.body ?? {}) as Record<string, unknown>
    return {
      device: c.loser?.device ?? '', at: c.loser?.deviceTime ?? 0, author: nameOf(String(b.recordedBy ?? c.loser?.author ?? '')),
      summary: c.fields.map((f) => `${f}: ${JSON.stringify(b[f] ?? '')}`).join('；') }
  }
  const open = computed(() => items.value.filter((c) => !c.decision))
  const resolved = computed(() => items.value.filter((c) => c.decision))
  /** Council members and supervisors as the roster names them; those whose role waits for a signature are `pending`. */
  const named = computed(() => roster.holders(['council-member', 'supervisor', 'courtyard-council-member']))
  /** Council members and supervisors whose role counts (signed), who may record a decision. */
  const deciders = computed(() => named.value.filter((p) => !p.pending).map((p) => ({ id: p.id, name: p.name })))
  /** Those the roster names as deciders whose role waits for a signature: shown, never offered. */
  const waitingDeciders = computed(() => named.value.filter((p) => p.pending))
  /** Who may decide on one item: the deciders, but never the voter of a double vote (the domain's rule). */
  const decidersFor = (item: Pick<ConflictView, 'voterId'>) => deciders.value.filter((d) => !D.isOwnDoubleVote(item.voterId, [d.id]))

  async function load(): Promise<void> { /* live from attach() */ }

  /** Records the council's decision on one item. */
  async function resolve(id: string, outcome: string, reason: string, by: string): Promise<void> {
    const r = repos.value
    if (!r) throw new Error('This tablet has no village database open yet')
    const item = items.value.find((c) => c.id === id)
    if (!item) throw new Error(`${id} is not waiting for a decision`)
    if (item.decision) throw new Error('This has already been decided')
    if (!item.options.includes(outcome)) throw new Error(`${outcome} is not a possible decision here`)
    // Nobody decides on their own double vote (asked before anyone's PIN).
    D.assertMayDecideDoubleVote(item.voterId, [by])
    // The council decides (`by` names who for it); the clerk records it with their PIN.
    await acting.authorize('conflict.decide')
    const at = now()
    if (item.reason !== 'double-checkoff') {
      // Restoring puts the overwritten fields back as a new, audited version of the record.
      if (outcome === 'restore-earlier') await restoreLoser(r, id)
      await r.decisions.create({ subjectId: id, outcome, reason, by, keep: '', at })
      return
    }
    // A double vote: the domain checks that every check-off's seal is either kept or void.
    const dv = doubleVoteOf(id)
    const ordered = dv.checkOffs
    const kept = outcome === 'keep-earliest' ? ordered[0] : outcome === 'keep-latest' ? ordered[ordered.length - 1] : undefined
    const resolution = {
      id: `decision:${id.slice('checkoff:'.length)}`, voteId: dv.voteId, voterId: dv.voterId, keptSeal: kept?.seal ?? '',
      voidedSeals: ordered.filter((c) => c !== kept).map((c) => c.seal).filter(Boolean), decidedBy: [by], reason, at }
    if (ordered.every((c) => c.seal)) D.doubleVoteResolution(resolution, dv)
    await r.decisions.create({ ...resolution, subjectId: id, outcome, by, keep: '' })
  }

  async function restoreLoser(r: Repositories, conflictId: string): Promise<void> {
    const c = conflicts.value.find((x) => x.id === conflictId)
    if (!c?.loser) throw new Error(`${conflictId}: the overwritten version is not on this tablet`)
    const repo = MUTABLE_REPOS[c.loser.kind]
    if (!repo) throw new Error(`a ${c.loser.kind} cannot be changed`)
    const body = c.loser.body as Record<string, unknown>
    const patch = Object.fromEntries(c.fields.filter((f) => f in body).map((f) => [f, body[f]]))
    await r[repo].update(c.subjectId, patch)
  }

  /** Every check-off of one voter (this tablet's and the ones sync found), earliest first. */
  function doubleVoteOf(checkoffId: string): D.DoubleVote {
    const revisions: D.CheckOff[] = []
    const mine = checkoffs.value.find((k) => k.id === checkoffId)
    if (mine) revisions.push(mine)
    for (const c of conflicts.value) {
      if (c.subjectId !== checkoffId || !c.loser || !isKind(c.loser, 'checkoff')) continue
      revisions.push({ ...recordOf(c.loser), id: checkoffId })
    }
    const [dv] = D.findDoubleVotes(revisions)
    if (!dv) throw new Error(`${checkoffId}: no double vote found`)
    return dv
  }

  return { items, open, resolved, deciders, waitingDeciders, decidersFor, attach, load, resolve }
})
