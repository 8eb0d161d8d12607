import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import { TRUST_KEY, keepList, memoryKeyValue } from '@/data'
import { createSigner, issueTrustList } from '@/shared/provenance'
import { newSigningKeyPair } from '@/shared/signature'
import { useTabletName } from '@/composables/useTabletName'
import { useDeviceNamesStore } from '@/stores/deviceNames'
import { mountFeature } from '../support/mount'
import { VILLAGE, eventually, openTestVillage } from '../support/village'

const hub = createSigner(newSigningKeyPair().secretKey)
const other = createSigner(newSigningKeyPair().secretKey)
let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined; document.body.innerHTML = '' })

/** The hub's signed list of the village's tablets, as a sync fetches it (`refreshTrust`). */
const listOf = (issuedAt: number, label?: string) => issueTrustList(hub, VILLAGE, [{
  device: 'dev-3f2aaa6', village: VILLAGE, publicKey: other.publicKey, enrolledAt: 1, unsignedUpTo: 0, ...(label ? { label } : {}),
}], issuedAt)

const Shows = defineComponent({
  setup() {
    const tabletName = useTabletName()
    return () => h('p', { 'data-testid': 'tablet' }, tabletName('dev-3f2aaa6'))
  },
})

describe('another tablet on screen', () => {
  it('gets its enrolled name once the hub\'s list of tablets arrives after the screen opened, without reopening it', async () => {
    village = await openTestVillage()
    const kv = memoryKeyValue()
    kv.setItem(TRUST_KEY, JSON.stringify({ hubKey: hub.publicKey, certificate: null, list: await listOf(1) }))
    const names = useDeviceNamesStore(village.pinia)
    names.attach(village.data, { kv })
    await names.refresh() // the names as read at start: the other tablet has none yet
    const { wrapper } = await mountFeature(Shows, { pinia: village.pinia })
    await eventually(() => wrapper.get('[data-testid="tablet"]').text().includes('编号尾号 AAA6'))
    // a sync later, the tablet fetches the list that names it (the screen stays open)
    expect(await keepList(kv, VILLAGE, await listOf(2, '二组会议室'))).toBeNull()
    await eventually(() => wrapper.get('[data-testid="tablet"]').text() === '平板「二组会议室」', 15_000)
    wrapper.unmount()
  }, 30_000)
})
