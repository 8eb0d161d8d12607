/**
 * The roster's roles as this tablet takes them from another tablet, whichever way they come (peer
 * sync, src/data/peer/gate.ts; a carried file, carry.ts): the one rule of hub, tablet and township
 * (src/shared/rosterroles.ts `rolesChangeProblem`). A person record whose roles changed is taken only
 * when the hub's key or a certified clerk's key signed the new roles, later than the signature this
 * tablet holds, and the village keeps a clerk. The roster and person keys it is judged against are
 * this tablet's, grown by what the same batch brings (a clerk's key may travel with the roles it signed).
 */
import type { VillageDb } from './db'
import type { HubKeys } from '@/shared/hubkeys'
import type { PersonKeyRecord } from '@/shared/personacts'
import type { Refusal } from '@/shared/refusal'
import { rolesRefusal, type PersonRoles } from '@/shared/rosterroles'
import { envelopeOf, type YishiDoc } from '@/shared/schemas'
import { isKind, recordOf } from '@/shared/records'

const personRoles = (doc: YishiDoc<'person'>): PersonRoles => {
  const p = recordOf(doc)
  return { id: p.id, roles: p.roles ?? [], ...(p.rolesSig ? { rolesSig: p.rolesSig } : {}) }
}

export class RosterRule {
  private constructor(private readonly village: string, private readonly hubKeys: HubKeys | null,
    private readonly persons: Map<string, PersonRoles>, private readonly keys: PersonKeyRecord[]) {}

  /** The rule for a batch of records, or null when the batch holds no person record (nothing to load). */
  static async load(vdb: VillageDb, docs: readonly unknown[], hubKeys: HubKeys | null): Promise<RosterRule | null> {
    const batch = docs.flatMap((d) => envelopeOf(d) ?? [])
    if (!batch.some((d) => d.kind === 'person')) return null
    const held = (await vdb.docs.find({ selector: { kind: { $in: ['person', 'personkey'] } } }).exec())
      .flatMap((d) => envelopeOf(d.toJSON()) ?? []).filter((d) => !d.refused)
    const persons = new Map<string, PersonRoles>()
    const keys: PersonKeyRecord[] = []
    for (const d of held) {
      if (isKind(d, 'person')) persons.set(d.id, personRoles(d))
      else if (isKind(d, 'personkey')) keys.push(recordOf(d))
    }
    // a clerk's key may come in the same batch as the roles it signed
    for (const d of batch) if (!d.refused && isKind(d, 'personkey') && !keys.some((k) => k.id === d.id)) keys.push(recordOf(d))
    return new RosterRule(vdb.villageId, hubKeys, persons, keys)
  }

  /** Why this record's roles are not taken, or null (any other kind: null). */
  refusal(doc: YishiDoc): Refusal | null {
    if (!isKind(doc, 'person') || doc.refused) return null
    const after = personRoles(doc)
    return rolesRefusal(this.persons.get(after.id) ?? null, after, { village: this.village, hubKeys: this.hubKeys, keys: this.keys, roster: [...this.persons.values()] }, 'this tablet')
  }

  /** A record of the batch was taken: the next ones are judged against it. */
  accepted(doc: YishiDoc): void {
    if (isKind(doc, 'person') && !doc.refused) this.persons.set(doc.id, personRoles(doc))
  }
}
