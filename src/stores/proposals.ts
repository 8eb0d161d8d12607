import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { proposal, type Proposal } from '@/domain'
import { sha256Hex } from '@/data/hash'

export const CATEGORIES = ['lighting', 'road', 'water', 'sanitation', 'elderly', 'culture', 'greening', 'safety', 'other'] as const
export type Category = (typeof CATEGORIES)[number]

/** A proposal with what the screens add: a category, photos (content hashes) and an optional voice note. */
export interface ProposalView extends Proposal { category: Category; photos: string[]; voiceNote: string }
export interface CommentView { id: string; on: string; text: string; by: string; at: number }

export interface NewProposal { title: string; description: string; category: Category; unitId: string; estimatedCost: number; photos: string[]; voiceNote: string }

/** Residents' needs and proposals (step "collect"), with comments from the feedback round. */
export const useProposalsStore = defineStore('proposals', () => {
  const villageId = ref('village')
  const actor = ref('person:clerk')
  const proposals = ref<ProposalView[]>([])
  const comments = ref<CommentView[]>([])

  const live = computed(() => proposals.value.filter((p) => p.status !== 'merged' && p.status !== 'withdrawn'))
  const byId = (id: string) => proposals.value.find((p) => p.id === id)
  const commentsOn = (id: string) => comments.value.filter((c) => c.on === id).sort((a, b) => a.at - b.at)
  /** Proposals merged into this one (their comments and photos count for it). */
  const mergedInto = (id: string) => proposals.value.filter((p) => p.mergedInto === id)

  function search(query: string): ProposalView[] {
    const q = query.trim().toLowerCase()
    const list = [...live.value].sort((a, b) => b.createdAt - a.createdAt)
    return q ? list.filter((p) => (p.title + ' ' + p.description).toLowerCase().includes(q)) : list
  }

  async function add(input: NewProposal, now = Date.now()): Promise<ProposalView> {
    const record = proposal({ id: `proposal:${crypto.randomUUID()}`, villageId: villageId.value, proposedBy: actor.value, createdAt: now, status: 'open', mergedInto: '', ...input })
    const view: ProposalView = { ...record, category: input.category, photos: [...input.photos], voiceNote: input.voiceNote }
    proposals.value.push(view)
    return view
  }

  async function update(id: string, change: Partial<ProposalView>): Promise<void> {
    const i = proposals.value.findIndex((p) => p.id === id)
    if (i < 0) return
    const next = { ...proposals.value[i]!, ...change }
    proposals.value[i] = { ...next, ...proposal(next) }
  }

  /** Merges duplicates into `targetId`: each keeps its record, marked merged, and points to the target. */
  async function merge(targetId: string, duplicateIds: readonly string[]): Promise<void> {
    for (const id of duplicateIds) if (id !== targetId) await update(id, { status: 'merged', mergedInto: targetId })
  }

  async function comment(on: string, text: string, now = Date.now()): Promise<void> {
    comments.value.push({ id: `comment:${crypto.randomUUID()}`, on, text: text.trim(), by: actor.value, at: now })
  }

  const blobs = ref(new Map<string, string>())
  /** Keeps a photo or voice note on the tablet; returns its content hash, which records reference. */
  async function keepPhoto(blob: Blob): Promise<string> {
    const hash = sha256Hex(new Uint8Array(await blob.arrayBuffer()))
    if (!blobs.value.has(hash)) blobs.value.set(hash, URL.createObjectURL(blob))
    return hash
  }
  const photoUrl = (hash: string) => blobs.value.get(hash) ?? ''

  return { keepPhoto, photoUrl, villageId, actor, proposals, comments, live, byId, commentsOn, mergedInto, search, add, update, merge, comment }
})
