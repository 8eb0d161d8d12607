import { fail } from './errors.ts'
import type { Role } from './model/types.ts'

/**
 * Who may do what. Reading stays open to everyone (the right to know); every act that records
 * something names the kind of person who may do it, and the tablet asks that person for their own
 * secret at the moment of the act (a clerk's PIN, a council member's or supervisor's passphrase).
 * This table is the one answer: the stores ask it before writing, and checks of records later
 * (compliance) ask it about who did an act.
 */
export const ACTORS = ['villager', 'clerk', 'chair', 'supervisor', 'township'] as const
export type Actor = (typeof ACTORS)[number]

export const ACTS = {
  // anyone at the tablet; the record names who (a villager picked from the roster, or unnamed)
  'proposal.raise': ['villager'],
  'comment.add': ['villager'],
  'objection.raise': ['villager'],
  'ballot.cast': ['villager'],
  // the clerk (文书): keeps the roster, runs the cycle, meetings, votes, notices and accounts
  'roster.edit': ['clerk'],
  // who holds a role (clerk, supervisor, council): signed with the clerk's own key (src/shared/rosterroles.ts)
  'roster.roles': ['clerk'],
  'cycle.advance': ['clerk'],
  'cycle.override': ['clerk'],
  'proposal.sort': ['clerk'],
  'meeting.run': ['clerk'],
  'vote.setup': ['clerk'],
  'vote.run': ['clerk'],
  'notice.publish': ['clerk'],
  'objection.answer': ['clerk'],
  'conflict.decide': ['clerk'],
  'accounts.record': ['clerk'],
  // a clerk's PIN agrees to another clerk's PIN on this tablet
  'key.witness': ['clerk'],
  // the clerk's own key (certified by the hub) signs the new key of the person set up in front of them
  'personkey.witness': ['clerk'],
  // pairing brings in another tablet's records and hands this one's over: on both tablets
  'peer.pair': ['clerk'],
  // entered twice by two different people
  'papercount.enter': ['clerk', 'chair', 'supervisor'],
  // the council member who chaired the meeting signs its minutes
  'meeting.sign-chair': ['chair'],
  // the supervisory committee (监事会)
  'meeting.sign-supervisor': ['supervisor'],
  'expense.cosign': ['supervisor'],
  'notice.republish': ['supervisor'],
  'sealkey.create': ['supervisor'],
  'seal.open': ['supervisor'],
  // township staff sign in to the hub with their own account
  'township.view': ['township'],
} as const satisfies Record<string, readonly Actor[]>
export type Act = keyof typeof ACTS

/** Acts whose record carries the person's own signature (their key, unlocked by their passphrase). */
export const SIGNED_ACTS: readonly Act[] = ['meeting.sign-chair', 'meeting.sign-supervisor', 'expense.cosign', 'sealkey.create', 'seal.open', 'personkey.witness', 'roster.roles']

/** How long a clerk who typed their PIN may go on acting without typing it again (from their last act). */
export const ACT_WINDOW_MS = 2 * 60_000

/** The roles that make someone a council member who may chair a meeting (actor `chair`). */
export const COUNCIL_ROLES: readonly Role[] = ['council-member', 'courtyard-council-member', 'representative']

/** The actors a person of the roster may act as, from their roles (everyone is a villager). */
export function actorsOf(roles: readonly string[]): Actor[] {
  const out: Actor[] = ['villager']
  if (roles.includes('clerk')) out.push('clerk')
  if (roles.some((r) => (COUNCIL_ROLES as readonly string[]).includes(r))) out.push('chair')
  if (roles.includes('supervisor')) out.push('supervisor')
  return out
}

export function mayDo(act: Act, roles: readonly string[]): boolean {
  const allowed: readonly Actor[] = ACTS[act]
  return actorsOf(roles).some((a) => allowed.includes(a))
}

/** Throws `act.not-allowed` unless a person with these roles may do the act. */
export function assertMayDo(act: Act, person: { id: string; roles: readonly string[] }): void {
  if (!mayDo(act, person.roles)) {
    fail('act.not-allowed', `${person.id} may not do "${act}": it is for ${ACTS[act].join(' or ')}`, { act, person: person.id, allowed: [...ACTS[act]] })
  }
}

export function needsSignature(act: Act): boolean {
  return SIGNED_ACTS.includes(act)
}
