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
