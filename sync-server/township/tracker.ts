import type { Engine } from '../engine'

export const TRACKER_DB = 'hub-township-sync'

interface VillageSync { devices: Record<string, number>; last: number | null; district?: number | null }

/** A peer sync as the hub's Peers lists it (sync-server/peers.ts). */
export interface PeerView { db: string; direction: string; continuous: boolean; state: string; lastError: string | null }

/**
 * Remembers, by the hub's clock, when each village's data (and each tablet's writes) last
 * reached this hub: a live changes feed per village database, persisted in a hub-private
 * database so the times survive a restart. Writes by the hub itself are not counted.
 */
export class SyncTracker {
  private state = new Map<string, VillageSync>()
  private feeds = new Map<string, { cancel: () => void }>()
  private dirty = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  private revs = new Map<string, string>()
  /** Called after any change to a followed village database (hub writes included). */
  onChange: ((db: string) => void) | null = null

  constructor(private readonly engine: Engine, private readonly now: () => number = Date.now) {}

  async load(): Promise<void> {
    await this.engine.create(TRACKER_DB)
    const all = await this.engine.db(TRACKER_DB).allDocs({ include_docs: true })
    for (const row of all.rows) {
      const doc = row.doc as unknown as VillageSync & { _id: string; _rev: string }
      this.state.set(doc._id, { devices: doc.devices ?? {}, last: doc.last ?? null, district: doc.district ?? null })
      this.revs.set(doc._id, doc._rev)
    }
  }

  /** Starts following every village database not yet followed. */
  async follow(): Promise<void> {
    for (const name of await this.engine.list()) {
      if (!name.startsWith('village-') || this.feeds.has(name)) continue
      if (this.engine.onWrite) {
        // the local engine reports each write with its documents: no read-back per change
        const cancel = this.engine.onWrite(name, (docs) => {
          for (const d of docs) this.saw(name, d.device)
          this.onChange?.(name)
        })
        this.feeds.set(name, { cancel })
        continue
      }
      const info = await this.engine.db(name).info()
      const changes = this.engine.db(name).changes({ since: info.update_seq, live: true, include_docs: true, return_docs: false })
      changes.on('change', (change) => {
        this.saw(name, (change.doc as { device?: unknown } | undefined)?.device)
        this.onChange?.(name)
      })
      changes.on('error', () => { this.feeds.delete(name) })
      this.feeds.set(name, { cancel: () => changes.cancel() })
    }
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
    const docs = names.map((name) => ({ _id: name, ...(this.revs.get(name) ? { _rev: this.revs.get(name) } : {}), ...this.get(name) }))
    if (!docs.length) return
    const results = await this.engine.db(TRACKER_DB).bulkDocs(docs)
    for (const r of results) if ('rev' in r && r.rev && r.id) this.revs.set(r.id, r.rev)
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    for (const f of this.feeds.values()) f.cancel()
    this.feeds.clear()
    await this.flush().catch(() => undefined)
  }
}
