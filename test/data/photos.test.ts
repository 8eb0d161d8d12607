import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { keepPhoto, memoryPhotoStore, photoResolver, uploadPendingPhotos } from '@/data'
import { sha256Hex } from '@/data/hash'
import { startHub, type RunningHub } from '../support/hub'
import { provision } from '../sync-server/helpers'
import { enrollDevice } from './sync-helpers'

let hub: RunningHub
beforeAll(async () => { hub = await startHub(); await provision(hub, { township: 'tsp', villages: ['vphoto'] }) })
afterAll(async () => { await hub?.stop({ removeData: true }) })

function photoBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; out[i] = x >>> 24 }
  return out
}

describe('photos', () => {
  it('are kept once per content, uploaded in chunks, resumed after a break, and land intact on the hub', async () => {
    const device = await enrollDevice(hub, 'vphoto')
    const credentials = { device: device.id, secret: device.secret }
    const store = memoryPhotoStore()
    const a = photoBytes(180_000, 1); const b = photoBytes(150_000, 2)
    const ha = await keepPhoto(store, a)
    expect(await keepPhoto(store, a.slice())).toBe(ha)
    const hb = await keepPhoto(store, b)
    expect(ha).toBe(sha256Hex(a))
    expect(await store.pending()).toEqual([ha, hb])

    const opts = { hubUrl: hub.url, villageId: 'vphoto', credentials, store, chunkBytes: 64 * 1024 }
    // the connection breaks after two chunks
    expect(await uploadPendingPhotos({ ...opts, maxRequests: 2 })).toEqual({ uploaded: 0, remaining: 2 })
    const head = await fetch(`${hub.url}/couch/village-vphoto/_blobs/${ha}`, { method: 'HEAD', headers: { authorization: `Basic ${btoa(`${device.id}:${device.secret}`)}` } })
    expect(head.status).toBe(404)
    expect(head.headers.get('x-upload-offset')).toBe(String(128 * 1024))

    expect(await uploadPendingPhotos(opts)).toEqual({ uploaded: 2, remaining: 0 })
    expect(await store.pending()).toEqual([])
    for (const [hash, bytes] of [[ha, a], [hb, b]] as const) {
      const got = await fetch(`${hub.url}/couch/village-vphoto/_blobs/${hash}`, { headers: { authorization: `Basic ${btoa(`${device.id}:${device.secret}`)}` } })
      expect(got.status).toBe(200)
      expect(sha256Hex(new Uint8Array(await got.arrayBuffer()))).toBe(sha256Hex(bytes))
    }
    // a second tablet with the same photo finds it on the hub and sends nothing
    const other = memoryPhotoStore()
    await keepPhoto(other, a)
    let puts = 0
    const counting: typeof fetch = (input, init) => { if (init?.method === 'PUT') puts++; return fetch(input, init) }
    expect(await uploadPendingPhotos({ ...opts, store: other, fetch: counting })).toEqual({ uploaded: 1, remaining: 0 })
    expect(puts).toBe(0)
  })
})

describe('photos taken on another tablet', () => {
  it('are downloaded from the hub, checked against their hash and kept; a forged copy is refused; offline waits for the network', async () => {
    const a = await enrollDevice(hub, 'vphoto'); const b = await enrollDevice(hub, 'vphoto')
    const storeA = memoryPhotoStore(); const storeB = memoryPhotoStore()
    const bytes = photoBytes(90_000, 7)
    const hash = await keepPhoto(storeA, bytes)
    await uploadPendingPhotos({ hubUrl: hub.url, villageId: 'vphoto', credentials: { device: a.id, secret: a.secret }, store: storeA })

    // tablet B is offline first: the photo is "on the hub", nothing is fetched
    let online = false
    let requests = 0
    const counting: typeof fetch = (input, init) => { requests++; return fetch(input, init) }
    const source = { hubUrl: hub.url, villageId: 'vphoto', credentials: { device: b.id, secret: b.secret }, fetch: counting, online: () => online }
    const resolver = photoResolver(storeB, source)
    expect(await resolver.resolve(hash)).toEqual({ state: 'offline' })
    expect(requests).toBe(0)
    // the browser thinks it is online but the link is dead: still "offline", nothing kept
    const dead = photoResolver(storeB, { ...source, online: () => true, fetch: () => Promise.reject(new TypeError('network down')) })
    expect(await dead.resolve(hash)).toEqual({ state: 'offline' })
    expect(await storeB.get(hash)).toBeNull()

    online = true
    const found = await resolver.resolve(hash)
    expect(found.state).toBe('ready')
    const kept = await storeB.get(hash)
    expect(kept && sha256Hex(kept.bytes)).toBe(hash)
    expect(kept?.uploaded).toBe(true) // already on the hub: B never uploads it again
    expect(await storeB.pending()).toEqual([])
    // shown again from the tablet, without asking the hub
    const before = requests
    expect((await resolver.resolve(hash)).state).toBe('ready')
    expect(requests).toBe(before)

    // a photo no tablet has uploaded yet
    expect(await resolver.resolve(sha256Hex(photoBytes(10, 9)))).toEqual({ state: 'not-on-hub' })

    // a damaged or forged copy on the hub's disk is refused and not kept
    const forgedHash = sha256Hex(photoBytes(5000, 11))
    mkdirSync(join(hub.dataDir, 'blobs', 'village-vphoto'), { recursive: true })
    writeFileSync(join(hub.dataDir, 'blobs', 'village-vphoto', forgedHash), photoBytes(5000, 12))
    const forged = await resolver.resolve(forgedHash)
    expect(forged.state).toBe('refused')
    expect(await storeB.get(forgedHash)).toBeNull()
  })

  it('downloads at most three photos at once, and one hash asked twice once', async () => {
    const a = await enrollDevice(hub, 'vphoto')
    const credentials = { device: a.id, secret: a.secret }
    const storeA = memoryPhotoStore()
    const hashes: string[] = []
    for (let i = 0; i < 7; i++) hashes.push(await keepPhoto(storeA, photoBytes(20_000, 100 + i)))
    await uploadPendingPhotos({ hubUrl: hub.url, villageId: 'vphoto', credentials, store: storeA })
    let active = 0; let most = 0; let gets = 0
    const tracking: typeof fetch = async (input, init) => {
      active++; gets++; most = Math.max(most, active)
      try { return await fetch(input, init) } finally { active-- }
    }
    const resolver = photoResolver(memoryPhotoStore(), { hubUrl: hub.url, villageId: 'vphoto', credentials, fetch: tracking })
    const results = await Promise.all([...hashes, hashes[0]!].map((h) => resolver.resolve(h)))
    expect(results.every((r) => r.state === 'ready')).toBe(true)
    expect(gets).toBe(7)
    expect(most).toBeLessThanOrEqual(3)
  })
})
