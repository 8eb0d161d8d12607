import { afterEach, describe, expect, it } from 'vitest'
import ProposalDetailView from '@/features/proposals/ProposalDetailView.vue'
import { memoryPhotoStore, photoResolver } from '@/data/photos'
import { sha256Hex } from '@/data/hash'
import { usePhotosStore } from '@/stores/support/photos'
import { mountFeature } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

describe('a proposal photo taken on another tablet', () => {
  it('shows in words that it is on the hub while offline, and the photo itself once the tablet is online', async () => {
    village = await openTestVillage()
    const bytes = new Uint8Array(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256))
    const hash = sha256Hex(bytes)
    // the hub (the outer edge here; test/data/photos.test.ts uses the real one) has the photo
    let online = false
    let requests = 0
    const hub: typeof fetch = async (input) => {
      requests++
      expect(String(input)).toBe(`http://hub.test/couch/village-${village!.vdb.villageId}/_blobs/${hash}`)
      return new Response(bytes as BlobPart, { headers: { 'content-type': 'image/jpeg' } })
    }
    const store = memoryPhotoStore()
    usePhotosStore(village.pinia).connect(photoResolver(store, { hubUrl: 'http://hub.test', villageId: village.vdb.villageId, credentials: { device: 'dev-b', secret: 's' }, fetch: hub, online: () => online }))
    const p = await village.data.proposals.create({ title: '修水井', description: '', category: 'water', unitId: '', estimatedCost: 0, photos: [hash], voiceNote: '', proposedBy: 'person:a', createdAt: Date.UTC(2026, 2, 1), status: 'open', mergedInto: '' })

    const { wrapper } = await mountFeature(ProposalDetailView, { path: `/proposals/${p.id}`, props: { id: p.id }, pinia: village.pinia })
    const img = () => wrapper.get('.detail-photos img')
    await eventually(() => decodeURIComponent(img().attributes('src') ?? '').includes('照片在镇上服务器上'))
    expect(decodeURIComponent(img().attributes('src')!)).toContain('有网络同步以后就会显示')
    expect(requests).toBe(0)

    online = true
    window.dispatchEvent(new Event('online'))
    await eventually(() => (img().attributes('src') ?? '').startsWith('blob:'))
    expect(requests).toBe(1)
    expect((await store.get(hash))?.uploaded).toBe(true)
    wrapper.unmount()
  })
})
