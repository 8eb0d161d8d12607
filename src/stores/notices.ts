import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { Subscription } from 'rxjs'
import { useSessionStore } from '@/stores/session'
import * as D from '@/domain'
import type { Decision, Repositories, Stored } from '@/data'
import { villageLink, type LinkOptions } from './support/villageLink'
import { useActingStore } from './acting'

export type NoticeView = Stored<D.Notice>
export interface NewNotice { stage: D.NoticeStage; subjectId: string; title: string; body: string; days: number }
/** The records a notice is generated from (read only here; other features write them). */
export interface NoticeSources {
  votes: Stored<D.Vote>[]; funds: Stored<D.Fund>[]; allocations: Stored<D.Allocation>[]
  progress: Stored<D.Progress>[]; ledger: Stored<D.LedgerEntry>[]; cosignatures: Stored<D.CoSignature>[]
}

/** Public notices (公示) for the three publics, objections and answers, re-publication. Rules from src/domain. */
export const useNoticesStore = defineStore('notices', () => {
  const notices = shallowRef<NoticeView[]>([])
  const objections = shallowRef<Stored<D.Objection>[]>([])
  const answers = shallowRef<Stored<D.Answer>[]>([])
  /** The supervisory committee's orders to publish a notice again (who, why), by the notice they re-publish. */
  const republishOrders = shallowRef<Stored<Decision>[]>([])
  const sources = shallowRef<NoticeSources>({ votes: [], funds: [], allocations: [], progress: [], ledger: [], cosignatures: [] })
  /** The clock, refreshed every minute so countdowns move. */
  const clock = ref(Date.now())
  const session = useSessionStore()
  /** Who is acting: the person who typed their secret for the act (src/stores/acting.ts). */
  const link = villageLink(() => session.personId)
  const { need, now, actor } = link
  const acting = useActingStore()
  let ticker: ReturnType<typeof setInterval> | undefined

  function attach(r: Repositories, opts: LinkOptions = {}): void {
    const subs = link.connect(r, opts)
    clock.value = now()
    clearInterval(ticker)
    ticker = setInterval(() => { clock.value = now() }, 60_000)
    subs.push(r.notices.list$().subscribe((n) => { clock.value = now(); notices.value = n }))
    subs.push(r.objections.list$({ oldestFirst: true }).subscribe((o) => { clock.value = now(); objections.value = o }))
    subs.push(r.answers.list$({ oldestFirst: true }).subscribe((a) => { answers.value = a }))
    subs.push(r.decisions.list$({ oldestFirst: true }).subscribe((d) => { republishOrders.value = d.filter((x) => x.outcome === 'republish') }))
    const source = <K extends keyof NoticeSources>(key: K, list$: { subscribe(f: (v: NoticeSources[K]) => void): Subscription }) =>
      subs.push(list$.subscribe((v) => { sources.value = { ...sources.value, [key]: v } }))
    source('votes', r.votes.list$())
    source('funds', r.funds.list$())
    source('allocations', r.allocations.list$({ oldestFirst: true }))
    source('progress', r.progress.list$({ oldestFirst: true }))
    source('ledger', r.ledger.list$({ oldestFirst: true }))
    source('cosignatures', r.cosignatures.list$())
  }

  const byId = (id: string) => notices.value.find((n) => n.id === id)
  const status = (n: D.Notice) => D.noticeStatus(n, clock.value)
  const daysLeft = (n: D.Notice) => D.daysLeft(n, clock.value)
  const objectionsTo = (id: string) => objections.value.filter((o) => o.noticeId === id)
  const answerTo = (objectionId: string) => answers.value.find((a) => a.objectionId === objectionId)
  /** The order that had `noticeId` published again (the latest, should there be several). */
  const republishOrderOf = (noticeId: string) => republishOrders.value.filter((d) => d.subjectId === noticeId).at(-1)
  const open = (n: D.Notice) => D.openObjections(n, objections.value, answers.value)
  const overdue = (n: D.Notice) => D.overdueObjections(n, objections.value, answers.value, clock.value)
  const mayProceed = (n: D.Notice) => D.mayProceed(n, objections.value, answers.value, clock.value)
  /** Running notices first, then upcoming, then ended; newest first within each. */
  const sorted = computed(() => {
    const rank = { running: 0, upcoming: 1, ended: 2 }
    return [...notices.value].sort((a, b) => rank[status(a)] - rank[status(b)] || b.startAt - a.startAt)
  })

  /**
   * Publishes a notice. A vote's announcement decides when the vote may open: its opening moves to the
   * end of the announcement's window (keeping how long it stays open), so no ballot comes before it.
   */
  async function publish(input: NewNotice): Promise<NoticeView> {
    await acting.authorize('notice.publish')
    const at = now()
    const notice = await need().notices.create({ stage: input.stage, subjectId: input.subjectId, title: input.title, body: input.body, republishes: '', ...D.noticeWindow(at, input.days) })
    const vote = input.stage === 'vote-announcement' ? sources.value.votes.find((v) => v.id === input.subjectId) : undefined
    if (vote && vote.opensAt < notice.endAt && !vote.closedAt) {
      await need().votes.update(vote.id, { opensAt: notice.endAt, closesAt: notice.endAt + Math.max(D.DAY_MS, vote.closesAt - vote.opensAt) })
    }
    return notice
  }

  /** Records an objection; the domain refuses one outside the notice's window. */
  async function object(noticeId: string, raisedBy: string, text: string): Promise<void> {
    const notice = byId(noticeId)
    if (!notice) throw new Error(`${noticeId} is not on this tablet`)
    const o = need().objections.build({ noticeId, raisedBy: raisedBy || actor(), text, at: now() })
    D.checkObjection(notice, o)
    await need().objections.create(o)
  }

  async function answer(objectionId: string, text: string): Promise<void> {
    const { person } = await acting.authorize('objection.answer')
    await need().answers.create({ objectionId, answeredBy: person.id, text, at: now() })
  }

  /** The supervisory committee orders re-publication: the order is recorded with its reason, and the notice runs again. */
  async function republish(noticeId: string, reason: string, days = D.DEFAULT_NOTICE_DAYS): Promise<NoticeView> {
    const notice = byId(noticeId)
    if (!notice) throw new Error(`${noticeId} is not on this tablet`)
    const { person } = await acting.authorize('notice.republish')
    const at = now()
    await acting.as(person, () => need().decisions.create({ subjectId: noticeId, outcome: 'republish', reason, by: person.id, keep: '', at }))
    const { meta: _meta, ...plain } = notice
    const next = D.republish(plain, need().notices.build({ ...plain, id: undefined }).id, at, days)
    return need().notices.create(next)
  }

  return { attach, notices, objections, answers, sources, clock, sorted, byId, status, daysLeft, objectionsTo, answerTo, republishOrderOf, open, overdue, mayProceed, publish, object, answer, republish }
})
