import type { WrittenDoc } from './types'

/** Who hears of committed writes, per database and for every database: one registry for both engines. */
export class WriteListeners {
  private readonly byDb = new Map<string, Set<(docs: WrittenDoc[]) => void>>()
  private readonly every = new Set<(name: string, docs: WrittenDoc[]) => void>()

  /** Whether anyone would hear a write to `name` (spares building the list when no one listens). */
  heard(name: string): boolean { return this.every.size > 0 || (this.byDb.get(name)?.size ?? 0) > 0 }

  on(name: string, listener: (docs: WrittenDoc[]) => void): () => void {
    let set = this.byDb.get(name)
    if (!set) { set = new Set(); this.byDb.set(name, set) }
    const s = set
    s.add(listener)
    return () => { s.delete(listener) }
  }

  onEvery(listener: (name: string, docs: WrittenDoc[]) => void): () => void {
    this.every.add(listener)
    return () => { this.every.delete(listener) }
  }

  notify(name: string, docs: WrittenDoc[]): void {
    for (const l of [...(this.byDb.get(name) ?? [])]) {
      try { l(docs) } catch { /* a listener's failure is not the write's */ }
    }
    for (const l of [...this.every]) {
      try { l(name, docs) } catch { /* a listener's failure is not the write's */ }
    }
  }
}
