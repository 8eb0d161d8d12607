/**
 * Archived years and photos from other tablets (`npm run bench -- --only years`).
 * A village with three council years on a real hub; a tablet fetches one archived year:
 * - years_fetch_cold_ms: `GET _year/<year>` every page, the hub's year index built on this query
 * - years_fetch_ms: the same, index warm (median of 5)
 * - years_changes_scan_cold_ms: what the tablet did before: the whole `_changes` feed with docs, first time
 * - years_changes_scan_ms: the same again (median of 5; the hub serves repeated identical feed reads
 *   from its shared-read cache, so this flatters the scan)
 * - years_fetch_kb / years_changes_scan_kb: bytes on the wire (gzip)
 * - photo_fetch_ms: a 200 KB photo not on the tablet, downloaded, hash-checked and kept (median of 10)
 */
import { request } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { startHub } from '../test/support/hub'
import { couch, provision } from '../test/sync-server/helpers'
import { enrollDevice } from '../test/data/sync-helpers'
import { basicAuth, keepPhoto, memoryPhotoStore, photoResolver, uploadPendingPhotos } from '../src/data'
import { generateVillage } from './township-data'

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function timed(fn: () => Promise<number>): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now()
  const bytes = await fn()
  return { ms: performance.now() - t0, bytes }
}

export async function run(): Promise<Record<string, number | null>> {
  const hub = await startHub({ LOG_LEVEL: 'error' })
  try {
    await provision(hub, { township: 'bench', villages: ['yrs'] })
    let docs = 0
    for (const [i, year] of [2023, 2024, 2025].entries()) {
      const v = generateVillage({ villageId: 'yrs', townshipId: 'bench', name: '年村', year, seed: 11 + i })
      const unique = v.docs.map((d) => ({ ...d, _id: `${d._id}.y${year}` }))
      for (let k = 0; k < unique.length; k += 2000) {
        const r = await couch(hub, 'village-yrs/_bulk_docs', { body: { docs: unique.slice(k, k + 2000) } })
        if (r.status !== 201) throw new Error(`seeding: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`)
      }
      docs += unique.length
    }
    const device = await enrollDevice(hub, 'yrs')
    const credentials = { device: device.id, secret: device.secret }
    const headers = { Authorization: basicAuth(credentials), 'accept-encoding': 'gzip' }
    /** GET with gzip: the JSON answer and the bytes that crossed the wire (compressed). */
    const get = (url: string) => new Promise<{ body: unknown; bytes: number }>((resolve, reject) => {
      request(url, { headers }, (res) => {
        const chunks: Uint8Array[] = []
        res.on('data', (c: Buffer) => chunks.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength)))
        res.on('end', () => {
          const raw = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
          let at = 0
          for (const c of chunks) { raw.set(c, at); at += c.length }
          const text = new TextDecoder().decode(res.headers['content-encoding'] === 'gzip' ? new Uint8Array(gunzipSync(raw)) : raw)
          try { resolve({ body: JSON.parse(text), bytes: raw.length }) } catch (e) { reject(e as Error) }
        })
      }).on('error', reject).end()
    })

    const fetchYear = async () => {
      let after = ''; let bytes = 0; let got = 0
      for (let page = 0; page < 1000; page++) {
        const res = await get(`${hub.url}/couch/village-yrs/_year/2024?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`)
        bytes += res.bytes
        const body = res.body as { docs: unknown[]; next: string | null }
        got += body.docs.length
        if (!body.next) break
        after = body.next
      }
      if (got === 0) throw new Error('the year came back empty')
      return bytes
    }
    const scan = async () => {
      let since: unknown = 0; let bytes = 0
      for (let page = 0; page < 1000; page++) {
        const res = await get(`${hub.url}/couch/village-yrs/_changes?include_docs=true&limit=1000&since=${encodeURIComponent(String(since))}`)
        bytes += res.bytes
        const body = res.body as { results: unknown[]; last_seq: unknown }
        if (body.results.length === 0) break
        since = body.last_seq
      }
      return bytes
    }
    const cold = await timed(fetchYear)
    const warm: number[] = []; let yearBytes = 0
    for (let i = 0; i < 5; i++) { const r = await timed(fetchYear); warm.push(r.ms); yearBytes = r.bytes }
    const scanCold = await timed(scan)
    const scans: number[] = []; let scanBytes = 0
    for (let i = 0; i < 5; i++) { const r = await timed(scan); scans.push(r.ms); scanBytes = r.bytes }

    const photoTimes: number[] = []
    const taker = memoryPhotoStore()
    const hashes: string[] = []
    for (let i = 0; i < 10; i++) {
      const bytes = new Uint8Array(200_000)
      let x = 1000 + i
      for (let k = 0; k < bytes.length; k++) { x = (x * 1103515245 + 12345) >>> 0; bytes[k] = x >>> 24 }
      hashes.push(await keepPhoto(taker, bytes))
    }
    await uploadPendingPhotos({ hubUrl: hub.url, villageId: 'yrs', credentials, store: taker })
    for (const hash of hashes) {
      const resolver = photoResolver(memoryPhotoStore(), { hubUrl: hub.url, villageId: 'yrs', credentials })
      const t0 = performance.now()
      const r = await resolver.resolve(hash)
      if (r.state !== 'ready') throw new Error(`photo: ${r.state}`)
      photoTimes.push(performance.now() - t0)
    }

    const figures = {
      years_village_docs: docs,
      years_fetch_cold_ms: Math.round(cold.ms),
      years_fetch_ms: Math.round(median(warm)),
      years_changes_scan_cold_ms: Math.round(scanCold.ms),
      years_changes_scan_ms: Math.round(median(scans)),
      years_fetch_kb: Math.round(yearBytes / 1024),
      years_changes_scan_kb: Math.round(scanBytes / 1024),
      photo_fetch_ms: Math.round(median(photoTimes) * 10) / 10,
    }
    console.table(figures)
    return figures
  } finally {
    await hub.stop({ removeData: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void run()
