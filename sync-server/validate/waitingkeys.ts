/**
 * How many person keys may wait at the hub for their witnessing clerk's key (src/shared/villagesigning.ts
 * keeps them): per village and, well below that, per tablet or account that wrote them — so one
 * enrolled tablet's keys whose witness never comes cannot fill its village's room — counting only
 * keys that reached the hub within `LIMITS.keysWaitingWindowMs` by the hub's own clock (never the
 * time a record claims). An older waiting key is still kept and still counts nowhere (nothing
 * signed with it counts until its witness's key arrives), but it no longer takes room: junk stops
 * blocking by itself.
 *
 * When and from which writer each waiting key arrived is noted in a hub-private database
 * (`hub-waiting-keys`), shared by every hub process in front of one CouchDB. A waiting key with no
 * note (it came by replication from another hub, or before hubs noted them) takes no room here.
 */
import type { Db, Engine } from '../engine'
import { refusal, type Refusal } from '../../src/shared/refusal'
import type { WaitingRoom as Room } from '../../src/shared/villagesigning'
import { LIMITS } from '../limits'

export const WAITING_KEYS_DB = 'hub-waiting-keys'

/** When a waiting key reached the hub (hub clock, ms) and who wrote it (the record's proven `device`). */
interface Receipt { device: string; at: number }

const receiptId = (dbName: string, keyId: string) => `${dbName}/${keyId}`

/** The hub's notes of waiting keys' arrival. `now`: the hub's clock. */
export class WaitingKeys {
  constructor(private readonly engine: Engine, private readonly now: () => number = Date.now) {}

  private get db(): Db { return this.engine.db(WAITING_KEYS_DB) }

  async init(): Promise<void> { await this.engine.create(WAITING_KEYS_DB) }

  /** The room village database `dbName` has for waiting keys now, read once for a push batch. */
  async room(dbName: string): Promise<WaitingRoom> {
    const prefix = receiptId(dbName, '')
    const r = await this.db.allDocs({ startkey: prefix, endkey: `${prefix}\ufff0`, include_docs: true })
    const receipts = new Map<string, Receipt>()
    for (const row of r.rows) {
      const d = row.doc
      if (d && typeof d.device === 'string' && typeof d.at === 'number') receipts.set(row.key.slice(prefix.length), { device: d.device, at: d.at })
    }
    return new WaitingRoom(receipts, this.now())
  }

  /** Notes the keys a batch landed while waiting (`WaitingRoom.taken`, those written). A key noted before keeps its first note. */
  async note(dbName: string, taken: readonly { id: string; device: string; at: number }[]): Promise<void> {
    if (taken.length === 0) return
    await this.db.bulkDocs(taken.map((k) => ({ _id: receiptId(dbName, k.id), device: k.device, at: k.at })))
  }
}

/** One village's waiting keys as far as room goes, grown by the keys a batch takes. */
export class WaitingRoom implements Room {
  private readonly landed = new Map<string, Receipt>()

  constructor(private readonly receipts: ReadonlyMap<string, Receipt>, private readonly now: number) {}

  /** The keys this batch took while waiting, with who wrote them and when (hub clock). */
  get taken(): { id: string; device: string; at: number }[] { return [...this.landed].map(([id, r]) => ({ id, ...r })) }

  /**
   * Why a key `device` wrote is not kept waiting now, or null: `waiting` are the village's keys
   * still waiting for their witness's key (the batch's own included); of them, those that reached
   * the hub within the window take room.
   */
  refusal(key: { id: string; personId: string }, device: string, waiting: readonly { id: string }[], village: string): Refusal | null {
    // a key the hub already holds (sent again) takes no more room than it has
    if (waiting.some((k) => k.id === key.id)) return null
    const since = this.now - LIMITS.keysWaitingWindowMs
    const recent = waiting.map((k) => this.landed.get(k.id) ?? this.receipts.get(k.id)).filter((r): r is Receipt => r !== undefined && r.at > since)
    const person = key.personId
    const perDevice = LIMITS.keysWaitingPerDevice
    const theirs = recent.filter((r) => r.device === device)
    if (theirs.length >= perDevice) {
      // when the one that has waited longest stops taking room
      const at = Math.min(...theirs.map((r) => r.at)) + LIMITS.keysWaitingWindowMs
      return refusal('personkey.device-too-many-waiting', `${device} already has ${perDevice} keys of village ${village} waiting at the hub for their witnessing clerk's key; the key of ${person} is not taken until some of them are vouched for, or until ${new Date(at).toISOString()} when the oldest stops taking room`,
        { person, device, max: perDevice, at })
    }
    const max = LIMITS.keysWaitingPerVillage
    if (recent.length >= max) {
      return refusal('personkey.too-many-waiting', `the hub already keeps ${max} keys of village ${village} waiting for their witnessing clerk's key; the key of ${person} is not taken until some of them are vouched for`, { person, max })
    }
    return null
  }

  /** A waiting key `device` wrote was taken in this batch: it takes room from now (unless noted before). */
  took(id: string, device: string): void {
    if (!this.receipts.has(id)) this.landed.set(id, { device, at: this.now })
  }
}
