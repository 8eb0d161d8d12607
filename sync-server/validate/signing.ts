/**
 * The hub's side of acts a person signs: the batch rule (src/shared/villagesigning.ts, the tablet's
 * too) over the village database the hub holds.
 */
import type { Db } from '../engine'
import type { HubKeys } from '../../src/shared/hubkeys'
import type { RosterEntry } from '../../src/shared/personacts'
import { VillageSigning, signedVillageRoster, type SigningDoc, type VillageRecords, type WaitingRoom } from '../../src/shared/villagesigning'

/** The village's stored records of a kind (by their id's prefix), none deleted. */
function recordsIn(db: Db): VillageRecords {
  return async (kind) => {
    const r = await db.allDocs({ startkey: `${kind}:`, endkey: `${kind}:\ufff0`, include_docs: true })
    return r.rows.flatMap((row) => {
      const doc = row.doc as SigningDoc | null | undefined
      return doc && !doc._deleted ? [doc] : []
    })
  }
}

/**
 * What one push batch is checked against (`VillageSigning`), or null when it holds no person's act and no key. `hubKeys`: the hub's
 * keys, which certify clerks' keys; `waitingRoom`: the village's room for keys waiting for their witness's key (waitingkeys.ts).
 */
export function hubSigning(db: Db, docs: readonly SigningDoc[], village: string, hubKeys: HubKeys | null, waitingRoom: () => Promise<WaitingRoom>): Promise<VillageSigning | null> {
  return VillageSigning.load(recordsIn(db), docs, { village, hubKeys, receiver: 'the hub', waitingRoom })
}

/** The village's roster as the hub holds it, with only the roles that count: who is clerk, supervisor, on the council. */
export function hubRoster(db: Db, village: string, hubKeys: HubKeys | null): Promise<RosterEntry[]> {
  return signedVillageRoster(recordsIn(db), village, hubKeys)
}
