import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import { useSessionStore } from '@/stores/session'
import { useCycleStore } from '@/stores/cycle'
import * as D from '@/domain'
import type { Comment, Repositories, Stored } from '@/data'
import { newSignedActId } from '@/data/personkeys'
import { idRest } from '@/shared/schemas'
import { villageLink, type LinkOptions } from './support/villageLink'
import { usePhotosStore } from './support/photos'
import { useActingStore } from './acting'
import { actSigner, unentitledSigner } from '@/shared/personacts'

export type MeetingView = Stored<D.Meeting>
export type SignatureRole = 'chair' | 'supervisor'
/** Signatures and photos of paper minutes are immutable comments on the meeting, told apart by `role`. */
export type MeetingNote = Stored<Comment> & { role?: SignatureRole | 'minutes-photo' }
export interface NewMeeting { kind: D.MeetingKind; title: string; scheduledAt: number; place: string; unitId: string; memberCount: number }
export interface Motion { agendaKey: string; motion: string; yes: number; no: number; abstain: number }

/** Meetings: schedule, check-in, quorum, agenda, minutes, resolutions and signatures. Rules from src/domain. */
export const useMeetingsStore = defineStore('meetings', () => {
  const meetings = shallowRef<MeetingView[]>([])
  const attendance = shallowRef<Stored<D.Attendance>[]>([])
  const resolutions = shallowRef<Stored<D.Resolution>[]>([])
  const notes = shallowRef<MeetingNote[]>([])
  /** Quorum and threshold rules per meeting kind: the village's procedure template (default: the domain's). */
  const cycle = useCycleStore()
  const rules = computed<Record<D.MeetingKind, D.MeetingRule>>(() => cycle.template.meetingRules)
  const session = useSessionStore()
  /** Who is acting: the person who typed their secret for the act (src/stores/acting.ts). */
  const link = villageLink(() => session.personId)
  const { need, now, actor } = link
  const acting = useActingStore()

  function attach(r: Repositories, opts: LinkOptions = {}): void {
    const subs = link.connect(r, opts)
    subs.push(r.meetings.list$().subscribe((m) => { meetings.value = m }))
    subs.push(r.attendance.list$({ oldestFirst: true }).subscribe((a) => { attendance.value = a }))
    subs.push(r.resolutions.list$({ oldestFirst: true }).subscribe((x) => { resolutions.value = x }))
    subs.push(r.comments.list$({ oldestFirst: true }).subscribe((c) => { notes.value = (c as MeetingNote[]).filter((n) => n.on.startsWith('meeting:')) }))
  }

  const sorted = computed(() => [...meetings.value].sort((a, b) => b.scheduledAt - a.scheduledAt))
  const byId = (id: string) => meetings.value.find((m) => m.id === id)
  const presentIds = (id: string) => new Set(attendance.value.filter((a) => a.meetingId === id).map((a) => a.proxyFor || a.personId))
  const present = (id: string) => D.presentCount(attendance.value, id)
  const quorumOf = (m: D.Meeting) => D.quorum(rules.value[m.kind], m.memberCount, Math.min(present(m.id), m.memberCount))
  const resolutionsOf = (id: string) => resolutions.value.filter((r) => r.meetingId === id)
  const notesOf = (id: string) => notes.value.filter((n) => n.on === id)

  // Running a meeting (schedule, check-in, agenda, minutes, decisions, closing) is the clerk's.
  async function schedule(input: NewMeeting): Promise<MeetingView> {
    await acting.authorize('meeting.run')
    return need().meetings.create({ ...input, agenda: [], minutes: '', status: 'planned' })
  }
  async function update(id: string, patch: Partial<D.Meeting>): Promise<void> {
    await acting.authorize('meeting.run')
    await need().meetings.update(id, patch)
  }

  /** Checks a person in; one record per person and meeting (the id says so), so a second tap changes nothing. */
  async function checkIn(meetingId: string, personId: string): Promise<boolean> {
    if (presentIds(meetingId).has(personId)) return false
    await acting.authorize('meeting.run')
    const id = `attendance:${`${idRest(meetingId)}:${idRest(personId)}`.slice(0, 120)}`
    if (await need().attendance.get(id)) return false
    await need().attendance.create({ id, meetingId, personId, at: now(), recordedBy: actor(), proxyFor: '' })
    const m = byId(meetingId)
    if (m?.status === 'planned') await update(meetingId, { status: 'open' })
    return true
  }

  /** Records a yes/no/abstain decision with the domain's outcome and explanation. */
  async function resolve(meetingId: string, motion: Motion): Promise<Stored<D.Resolution>> {
    const m = byId(meetingId)
    if (!m) throw new Error(`${meetingId} is not on this tablet`)
    await acting.authorize('meeting.run')
    const presentNow = Math.min(present(meetingId), m.memberCount)
    const result = D.decideMotion(rules.value[m.kind], m.memberCount, presentNow, { yes: motion.yes, no: motion.no, abstain: motion.abstain })
    return need().resolutions.create({
      meetingId, agendaKey: motion.agendaKey, motion: motion.motion.trim(), members: m.memberCount, present: presentNow,
      yes: motion.yes, no: motion.no, abstain: motion.abstain, outcome: result.outcome, explanation: result.explanation, at: now(), recordedBy: actor() })
  }

  /** The figures behind a recorded resolution (quorum needed, yes votes needed), recomputed by the domain. */
  function explain(r: D.Resolution) {
    const m = byId(r.meetingId)
    const rule = rules.value[m?.kind ?? 'village-council']
    return { ...D.decideMotion(rule, r.members, r.present, { yes: r.yes, no: r.no, abstain: r.abstain }), needed: D.quorum(rule, r.members, r.present).needed }
  }

  // Photos of paper minutes and signatures: kept by content hash, shown from this tablet or the hub.
  const photos = usePhotosStore()
  const keepPhoto = (blob: Blob): Promise<string> => photos.keep(blob, now())
  const photoUrl = (hash: string): string => photos.url(hash)

  /** A photo of the paper minutes (the clerk's). */
  async function addMinutesPhoto(meetingId: string, photo: string, text: string): Promise<void> {
    await acting.authorize('meeting.run')
    await need().comments.create({ on: meetingId, text, by: actor(), at: now(), photos: [photo], role: 'minutes-photo' })
  }

  /**
   * The chair's or a supervisor's signature of the minutes: the handwritten picture, and the person's
   * own key signing it (they type their passphrase now; src/stores/acting.ts).
   */
  async function sign(meetingId: string, role: SignatureRole, personId: string, photo: string, text: string): Promise<void> {
    const { person, signer } = await acting.authorize(role === 'chair' ? 'meeting.sign-chair' : 'meeting.sign-supervisor', { personId })
    if (!signer) throw new Error('a signature needs the person\'s own key')
    const record = need().comments.build({ id: newSignedActId('comment', [signer.keyId]), on: meetingId, text, by: person.id, at: now(), photos: [photo], role })
    await acting.as(person, () => need().comments.create({ ...record, keyId: signer.keyId, signature: signer.sign('comment', record) }))
  }

  /**
   * The signature of `role` on the meeting, when it is signed by the person it names with their own key
   * and that person may sign as `role` by their roles on the roster (the hub's rule too, src/shared/personacts.ts).
   */
  function signatureOf(meetingId: string, role: SignatureRole): MeetingNote | undefined {
    return notesOf(meetingId).find((n) => n.role === role && actSigner('comment', n.villageId, n, n.by, acting.keys) !== null
      && unentitledSigner('comment', n, acting.persons) === null)
  }

  /**
   * Who may sign the meeting as `role` and has their own passphrase set up on this tablet (the pen alone
   * proves nothing): for the chair, a council member or someone checked in; for the supervisor, a supervisor.
   */
  function signersFor(meetingId: string, role: SignatureRole): { id: string; name: string }[] {
    if (role === 'supervisor') return acting.candidatesFor('meeting.sign-supervisor')
    const present = presentIds(meetingId)
    return acting.candidatesFor('meeting.sign-chair').filter((c) => present.has(c.id) || acting.persons.find((p) => p.id === c.id)?.roles.includes('council-member'))
  }

  return {
    attach, rules, meetings, sorted, attendance, resolutions, notes, byId, presentIds, present, quorumOf, resolutionsOf, notesOf,
    schedule, update, checkIn, resolve, explain, addMinutesPhoto, sign, signatureOf, signersFor, keepPhoto, photoUrl }
})
