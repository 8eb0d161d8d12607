import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keepPhoto, memoryPhotoStore, uploadPendingPhotos } from '@/data'
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
