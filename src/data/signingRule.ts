/**
 * Acts a person signs, person keys and the roster's roles, as this tablet takes them from another
 * tablet (peer sync, src/data/peer/gate.ts; a carried file, carry.ts): by the hub's own rule
 * (src/shared/villagesigning.ts) over this tablet's records, grown by what the same batch brings.
 * A co-signature without its supervisor's signature, a key no clerk witnessed, an act under an id
 * squatted before the genuine one, roles changed unsigned: refused here as the hub refuses them, so
 * they are neither stored nor relayed further.
 */
import type { VillageDb } from './db'
import type { HubKeys } from '@/shared/hubkeys'
import type { Refusal } from '@/shared/refusal'
import type { YishiDoc } from '@/shared/schemas'
import { CappedRoom, KEYS_WAITING_PER_VILLAGE, VillageSigning, type VillageRecords } from '@/shared/villagesigning'

/** This tablet's records of a kind, none marked refused by the hub. */
function recordsOn(vdb: VillageDb): VillageRecords {
  return async (kind) => (await vdb.docs.find({ selector: { kind } }).exec()).map((d) => d.toJSON() as YishiDoc).filter((d) => !d.refused)
}

/** The rule for a batch of records from another tablet, or null when the batch holds nothing it reads (nothing is loaded). */
export function loadSigning(vdb: VillageDb, docs: readonly YishiDoc[], hubKeys: HubKeys | null): Promise<VillageSigning | null> {
  return VillageSigning.load(recordsOn(vdb), docs, { village: vdb.villageId, hubKeys, receiver: 'this tablet', waitingRoom: async () => new CappedRoom(KEYS_WAITING_PER_VILLAGE, 'this tablet') })
}

/**
 * The records of `docs` (each past every other check) that the rule refuses, with why. Each is judged
 * against what this tablet holds and what of the batch was taken before it; one refused is judged again
 * once more of the batch is taken, until a round takes nothing more. A tablet serves its records in the
 * order it last wrote them (a supervisor's person record edited after they co-signed comes after the
 * co-signature), not in the order they rest on each other; what the hub would take, sent in a good
 * order, is taken. Rounds stop when one takes nothing: as many as the longest chain of records that
 * rest on each other in the batch (roles, a clerk's key, a key it witnessed, an act signed with it).
 */
export function signingRefusals(rule: VillageSigning | null, docs: readonly YishiDoc[]): Map<YishiDoc, Refusal> {
  const refused = new Map<YishiDoc, Refusal>()
  if (!rule) return refused
  let pending = docs
  for (let round = 0; round <= docs.length && pending.length > 0; round++) {
    const left: YishiDoc[] = []
    for (const doc of pending) {
      const why = rule.refusal(doc)
      if (why) { refused.set(doc, why); left.push(doc) } else { refused.delete(doc); rule.accepted(doc) }
    }
    if (left.length === pending.length) break
    pending = left
  }
  return refused
}
