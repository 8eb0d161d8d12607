import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { appendFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { u8, type BlobMeta, type BlobStore } from './store'

/**
 * Blobs as files under `<dataDir>/blobs/<db>/`: `<hash>` (the bytes), `<hash>.json` (type, size, when,
 * by whom) and `<hash>.<uploader>.part` (an unfinished upload). One hub process owns them.
 */
export class DiskBlobStore implements BlobStore {
  private readonly root: string
  /** bytes per village, read once then kept up to date */
  private readonly bytes = new Map<string, Promise<number>>()

  constructor(dataDir: string) { this.root = join(dataDir, 'blobs') }

  private file(db: string, hash: string): string { return join(this.root, db, hash) }
  private part(db: string, hash: string, uploader: string): string { return join(this.root, db, `${hash}.${uploader}.part`) }

  private add(db: string, delta: number): void {
    const n = this.bytes.get(db)
    if (n) this.bytes.set(db, n.then((v) => Math.max(0, v + delta)))
  }

  async info(db: string, hash: string): Promise<BlobMeta | null> {
    const st = await stat(this.file(db, hash)).catch(() => null)
    if (!st) return null
    const meta = await readFile(`${this.file(db, hash)}.json`, 'utf8').then((t) => JSON.parse(t) as Partial<BlobMeta>, () => ({} as Partial<BlobMeta>))
    return { type: String(meta.type ?? 'application/octet-stream'), size: st.size, at: Number(meta.at ?? st.mtimeMs), ...(meta.by ? { by: meta.by } : {}) }
  }

  async read(db: string, hash: string): Promise<Readable> { return createReadStream(this.file(db, hash)) }

  async partSize(db: string, hash: string, uploader: string, ttlMs: number): Promise<number> {
    const path = this.part(db, hash, uploader)
    const st = await stat(path).catch(() => null)
    if (!st) return 0
    if (Date.now() - st.mtimeMs <= ttlMs) return st.size
    await rm(path, { force: true })
    this.add(db, -st.size)
    return 0
  }

  async unfinished(db: string): Promise<number> {
    return (await readdir(join(this.root, db)).catch(() => [] as string[])).filter((n) => n.endsWith('.part')).length
  }

  usage(db: string): Promise<number> {
    let n = this.bytes.get(db)
    if (!n) {
      n = readdir(join(this.root, db)).then(async (names) => {
        let sum = 0
        for (const name of names) sum += await stat(join(this.root, db, name)).then((st) => st.size, () => 0)
        return sum
      }, () => 0)
      this.bytes.set(db, n)
    }
    return n
  }

  async write(db: string, hash: string, uploader: string, start: number, bytes: Uint8Array): Promise<boolean> {
    await mkdir(join(this.root, db), { recursive: true })
    const path = this.part(db, hash, uploader)
    const have = await stat(path).then((st) => st.size, () => 0)
    if (start === 0) {
      await writeFile(path, bytes)
      this.add(db, bytes.length - have)
    } else {
      if (start !== have) return false
      await appendFile(path, bytes)
      this.add(db, bytes.length)
    }
    return true
  }

  async partHash(db: string, hash: string, uploader: string): Promise<string> {
    const h = createHash('sha256')
    await new Promise<void>((resolve, reject) => {
      createReadStream(this.part(db, hash, uploader)).on('data', (c) => h.update(u8(c as Buffer))).on('end', () => resolve()).on('error', reject)
    })
    return h.digest('hex')
  }

  async finish(db: string, hash: string, uploader: string, meta: BlobMeta): Promise<void> {
    const json = JSON.stringify(meta)
    await writeFile(`${this.file(db, hash)}.json`, json)
    this.add(db, json.length)
    await rename(this.part(db, hash, uploader), this.file(db, hash))
  }

  async discard(db: string, hash: string, uploader: string): Promise<void> {
    const path = this.part(db, hash, uploader)
    const size = await stat(path).then((st) => st.size, () => 0)
    await rm(path, { force: true })
    this.add(db, -size)
  }

  async sweep(ttlMs: number, max: number): Promise<void> {
    const now = Date.now()
    let removed = 0
    for (const db of await readdir(this.root).catch(() => [] as string[])) {
      for (const name of await readdir(join(this.root, db)).catch(() => [] as string[])) {
        if (!name.endsWith('.part') || removed >= max) continue
        const path = join(this.root, db, name)
        const st = await stat(path).catch(() => null)
        if (st && now - st.mtimeMs > ttlMs) {
          await rm(path, { force: true })
          this.add(db, -st.size)
          removed++
        }
      }
    }
  }
}
