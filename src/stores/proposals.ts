import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import { useSessionStore } from '@/stores/session'
import type { Proposal, ProposalCategory } from '@/domain'
import type { Comment, Repositories, Stored } from '@/data'
import { villageLink, type LinkOptions } from './support/villageLink'
import { usePhotosStore } from './support/photos'
import { useActingStore } from './acting'

export type ProposalView = Stored<Proposal>
export type CommentView = Stored<Comment>
/** `proposedBy`: the villager who raised it (a person of the roster), '' when they did not give their name. */
export interface NewProposal { title: string; description: string; category: ProposalCategory; unitId: string; estimatedCost: number; photos: string[]; voiceNote: string; proposedBy?: string }

/** Residents' needs and proposals (step "collect"), with comments from the feedback round. */
export const useProposalsStore = defineStore('proposals', () => {
  const proposals = shallowRef<ProposalView[]>([])
  const comments = shallowRef<CommentView[]>([])
  const session = useSessionStore()
  /** Who is acting: the person who typed their secret for the act (src/stores/acting.ts). */
  const link = villageLink(() => session.personId)
  const { need, now, actor } = link
  const acting = useActingStore()

  function attach(r: Repositories, opts: LinkOptions = {}): void {
    const subs = link.connect(r, opts)
    subs.push(r.proposals.list$().subscribe((p) => { proposals.value = p }))
    subs.push(r.comments.list$({ oldestFirst: true }).subscribe((c) => { comments.value = c }))
  }

  const live = computed(() => proposals.value.filter((p) => p.status !== 'merged' && p.status !== 'withdrawn'))
  const byId = (id: string) => proposals.value.find((p) => p.id === id)
  const commentsOn = (id: string) => comments.value.filter((c) => c.on === id)
  /** Proposals merged into this one. */
  const mergedInto = (id: string) => proposals.value.filter((p) => p.mergedInto === id)

  function search(query: string): ProposalView[] {
    const q = query.trim().toLowerCase()
    const list = [...live.value].sort((a, b) => b.createdAt - a.createdAt)
    return q ? list.filter((p) => (p.title + ' ' + p.description).toLowerCase().includes(q)) : list
  }

  /** Anyone may raise a proposal (src/domain/acts.ts): no secret, the record names who raised it. */
  async function add(input: NewProposal, at = now()): Promise<ProposalView> {
    return need().proposals.create({ ...input, proposedBy: input.proposedBy ?? '', createdAt: at, status: 'open', mergedInto: '' })
  }

  /** Sorting proposals (costing, merging, the shortlist) is the clerk's. */
  async function update(id: string, change: Partial<Proposal>): Promise<void> {
    await acting.authorize('proposal.sort')
    await need().proposals.update(id, change)
  }

  /** Merges duplicates into `targetId`: each keeps its record, marked merged, pointing to the target. */
  async function merge(targetId: string, duplicateIds: readonly string[]): Promise<void> {
    for (const id of duplicateIds) if (id !== targetId) await update(id, { status: 'merged', mergedInto: targetId })
  }

  async function comment(on: string, text: string, at = now(), by = actor()): Promise<void> {
    await need().comments.create({ on, text: text.trim(), by, at })
  }

  // Photos and voice notes: kept by content hash (the records reference it) and shown from this
  // tablet or fetched from the hub, through the one photo resolver (support/photos.ts).
  const photos = usePhotosStore()
  const keepPhoto = (blob: Blob): Promise<string> => photos.keep(blob)
  /** What an `<img>` shows for a photo hash: the photo, or a placeholder saying where it is. */
  const photoUrl = (hash: string): string => photos.url(hash)

  return { attach, proposals, comments, live, byId, commentsOn, mergedInto, search, add, update, merge, comment, keepPhoto, photoUrl }
})
