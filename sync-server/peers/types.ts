export const PEERS_DB = 'hub-peers'

/** A peer sync as listed (the remote's password hidden). */
export interface PeerView {
  id: string; db: string; remote: string; direction: 'push' | 'pull' | 'both'; continuous: boolean
  state: string; docsWritten: number; lastError: string | null; lastRun: number | null
}
export interface PeerInput { db: string; remote: string; direction: 'push' | 'pull' | 'both'; continuous: boolean }

/** Who runs the replications: this process (local engine) or CouchDB's own replicator. */
export interface PeerSync {
  start(): Promise<void>
  list(): Promise<PeerView[]>
  /** One-shot runs answer with the replication's result; continuous ones with their id only. */
  add(input: PeerInput): Promise<{ id: string; result?: unknown }>
  remove(id: string): Promise<void>
  stopAll(): void
}

/** The remote URL with its password hidden, for listings and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch { return 'invalid url' }
}
