import type { Doc, Engine } from '../engine'

export const TRACKER_DB = 'hub-township-sync'

type VillageSync = { devices: Record<string, number>; last: number | null; district?: number | null }

const isTime = (v: unknown): v is number | null | undefined => v == null || typeof v === 'number'

/** A stored arrivals record, its fields checked (the database is shared with other hub processes); null for anything else. */
function villageSyncOf(doc: Doc | null | undefined): (VillageSync & { _rev: string }) | null {
  if (!doc || typeof doc._rev !== 'string' || !isTime(doc.last) || !isTime(doc.district)) return null
  const devices: Record<string, number> = {}
  if (typeof doc.devices === 'object' && doc.devices !== null) {
    for (const [d, at] of Object.entries(doc.devices)) if (typeof at === 'number') devices[d] = at
  }
  return { _rev: doc._rev, devices, last: doc.last ?? null, district: doc.district ?? null }
}

/** A peer sync as the hub's Peers lists it (sync-server/peers.ts). */
export interface PeerView { db: string; direction: string; continuous: boolean; state: string; lastError: string | null }

/**
 * Remembers, by the hub's clock, when each village's data (and each tablet's writes) last
 * reached the hub, persisted in a hub-private database so the times survive a restart. Each
 * hub process hears the writes it commits (Engine.onWrite: on the local engine every write,
 * replication included). Hub processes sharing one CouchDB each record what reached them and
 * merge into the same records (the latest time wins), and each reads the others' back before
 * it answers (`refresh`). Writes by the hub itself are not counted.
 */
export class SyncTracker {
  private state = new Map<string, VillageSync>()
  private unfollow: (() => void) | null = null
  private dirty = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  private revs = new Map<string, string>()
  private seenSeq: string | number | null = null
  /** Called after any change to a followed village database (hub writes included). */
  onChange: ((db: string) => void) | null = null

  constructor(private readonly engine: Engine, private readonly now: () => number = Date.now) {}

  async load(): Promise<void> {
    await this.engine.create(TRACKER_DB)
    await this.read()
  }

  /** Reads every village's record (another hub may have written), keeping the latest of each time. */
  private async read(): Promise<void> {
    const all = await this.engine.db(TRACKER_DB).allDocs({ include_docs: true })
    for (const row of all.rows) {
      const doc = villageSyncOf(row.doc)
      if (!doc) continue
      this.state.set(row.key, merge(this.state.get(row.key), doc))
      this.revs.set(row.key, doc._rev)
    }
  }

  /** Brings in what other hub processes recorded since the last look (nothing to do on the local engine). */
  async refresh(): Promise<void> {
    if (this.engine.soleWriter) return
    const seq = (await this.engine.db(TRACKER_DB).info()).update_seq
    if (seq === this.seenSeq) return
    await this.read()
    this.seenSeq = seq
  }

  /**
   * Starts hearing every write this process commits to a village database, also to villages
   * created after (by this hub or another): a database is never missed between its creation and
   * a periodic look.
   */
  follow(): void {
    this.unfollow ??= this.engine.onEveryWrite((name, docs) => {
      if (!name.startsWith('village-')) return
      for (const d of docs) this.saw(name, d.device)
      this.onChange?.(name)
    })
  }

  private saw(db: string, device: unknown): void {
    if (typeof device !== 'string' || device === 'hub' || device === '') return
    const at = this.now()
    const s = this.state.get(db) ?? { devices: {}, last: null }
    s.devices[device] = at
    s.last = at
    this.state.set(db, s)
    this.dirty.add(db)
    this.timer ??= setTimeout(() => { this.timer = null; void this.flush() }, 2_000)
  }

  /**
   * Upward sync: a continuous push (or two-way) peer of a village database that is idle with
   * no error holds everything this hub had; if data arrived since we last saw it caught up,
   * it has now reached the district.
   */
  observePeers(peers: readonly PeerView[]): void {
    const at = this.now()
    for (const p of peers) {
      if (!p.db.startsWith('village-') || p.direction === 'pull' || p.state !== 'idle' || p.lastError) continue
      const s = this.state.get(p.db) ?? { devices: {}, last: null, district: null }
      if (s.district == null || (s.last !== null && s.last >= s.district)) {
        s.district = at
        this.state.set(p.db, s)
        this.dirty.add(p.db)
        this.timer ??= setTimeout(() => { this.timer = null; void this.flush() }, 2_000)
      }
    }
  }

  get(db: string): VillageSync {
    return this.state.get(db) ?? { devices: {}, last: null }
  }

  async flush(): Promise<void> {
    const names = [...this.dirty]
    this.dirty.clear()
    if (!names.length) return
    const db = this.engine.db(TRACKER_DB)
    let pending = names
    // Another hub may have written a record meanwhile (conflict): read it, merge, write again.
    for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
      const docs = pending.map((name) => ({ _id: name, ...(this.revs.get(name) ? { _rev: this.revs.get(name) } : {}), ...this.get(name) }))
      const results = await db.bulkDocs(docs)
      const conflicted: string[] = []
      results.forEach((r, i) => {
        if ('ok' in r) this.revs.set(r.id, r.rev)
        else if (r.error === 'conflict') conflicted.push(pending[i]!)
      })
      if (conflicted.length === 0) return
      const fresh = await db.byKeys(conflicted, { include_docs: true })
      for (const row of fresh.rows) {
        const doc = villageSyncOf(row.doc)
        if (!doc) continue
        this.state.set(row.key, merge(this.state.get(row.key), doc))
        this.revs.set(row.key, doc._rev)
      }
      pending = conflicted
    }
    for (const name of pending) this.dirty.add(name) // still conflicting: the next flush tries again
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.unfollow?.()
    this.unfollow = null
    await this.flush().catch(() => undefined)
  }
}

const later = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a == null ? (b ?? null) : b == null ? a : Math.max(a, b)

/** Two records of one village's arrivals: the latest time of each. */
function merge(a: VillageSync | undefined, b: VillageSync): VillageSync {
  const devices: Record<string, number> = { ...(a?.devices ?? {}) }
  for (const [d, at] of Object.entries(b.devices ?? {})) devices[d] = Math.max(devices[d] ?? 0, at)
  return { devices, last: later(a?.last, b.last), district: later(a?.district, b.district) }
}
