import type { Readable } from 'node:stream'

/** What the hub keeps of a finished blob besides its bytes. */
export interface BlobMeta { type: string; size: number; at: number; by?: string }

/**
 * Where photos and other blobs live, by village database and content hash: files under the hub's
 * data directory (`DiskBlobStore`, one hub), or Apache CouchDB (`CouchBlobStore`, shared by every hub
 * in front of it, so a photo sent through one hub is served by all, and an upload broken on one
 * continues on another). An unfinished upload belongs to its uploader (a hash of the principal).
 */
export interface BlobStore {
  /** The finished blob's size and type, or null when there is none. */
  info(db: string, hash: string): Promise<BlobMeta | null>
  /** The finished blob's bytes (call after `info` said it exists). */
  read(db: string, hash: string): Promise<Readable>
  /** Bytes of this uploader's unfinished upload; one older than `ttlMs` is dropped first and counts 0. */
  partSize(db: string, hash: string, uploader: string, ttlMs: number): Promise<number>
  /** How many unfinished uploads the village has. */
  unfinished(db: string): Promise<number>
  /** Bytes the village's blobs take, finished and unfinished (may lag other hubs' writes by a minute). */
  usage(db: string): Promise<number>
  /**
   * Writes `bytes` at `start` of the uploader's unfinished upload: 0 starts it afresh, otherwise
   * `start` must be its current size. False when another writer got there first (ask `partSize` again).
   */
  write(db: string, hash: string, uploader: string, start: number, bytes: Uint8Array): Promise<boolean>
  /** The sha-256 (hex) of the unfinished upload's bytes. */
  partHash(db: string, hash: string, uploader: string): Promise<string>
  /** Makes the unfinished upload the blob (a blob already there is kept), and drops the upload. */
  finish(db: string, hash: string, uploader: string, meta: BlobMeta): Promise<void>
  /** Drops the unfinished upload. */
  discard(db: string, hash: string, uploader: string): Promise<void>
  /** Drops unfinished uploads older than `ttlMs` (at most `max` per call). */
  sweep(ttlMs: number, max: number): Promise<void>
}

/** A Buffer as a plain Uint8Array view (what the fs and crypto typings expect). */
export const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
