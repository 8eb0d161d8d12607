import { rmSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keepPhoto, memoryPhotoStore, uploadPendingPhotos } from '@/data'
import { startHub, type RunningHub } from '../support/hub'
import { launchChromium } from '../support/browser'
import { provision } from '../sync-server/helpers'
import { openSyncedTablet, type SyncedTablet } from '../data/sync-helpers'
import { copyBuild } from './support/pwa'
import { enrolledTablet, until, type Tablet } from './support/votes'

const VILLAGE = 'yr'
const LAST_YEAR = new Date().getFullYear() - 1
const IN_LAST_YEAR = Date.UTC(LAST_YEAR, 5, 1)

/**
 * Journey: a record of last year, with a photo, made on another tablet; this tablet shows the
 * photo (fetched from the hub), archives last year, and looks at it again read-only from the hub.
 */
describe('photos from another tablet, and archived years, in the app', () => {
  let hub: RunningHub
  let browser: Browser
  let build: string
  let other: SyncedTablet
  let tablet: Tablet
  beforeAll(async () => {
    build = copyBuild()
    hub = await startHub({ STATIC_DIR: build })
    await provision(hub, { township: 'tsyr', villages: [VILLAGE] })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await tablet?.context.close().catch(() => undefined)
    await other?.close().catch(() => undefined)
    await browser?.close()
    await hub?.stop({ removeData: true })
    rmSync(build, { recursive: true, force: true })
  })

  it('shows the other tablet\'s photo, archives last year and views it from the hub, and says when that needs a network', async () => {
    // the other tablet, last year: a proposal with a photo, the fund and one expense
    other = await openSyncedTablet(hub, VILLAGE, { now: () => IN_LAST_YEAR })
    const photos = memoryPhotoStore()
    const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0))
    const hash = await keepPhoto(photos, png, 'image/png')
    const credentials = { device: other.device.id, secret: other.device.secret }
    expect(await uploadPendingPhotos({ hubUrl: hub.url, villageId: VILLAGE, credentials, store: photos })).toEqual({ uploaded: 1, remaining: 0 })
    const proposal = await other.data.proposals.create({ title: '三组修水井', description: '', category: 'water', unitId: '', estimatedCost: 500_000, photos: [hash], voiceNote: '', proposedBy: 'person:a', createdAt: IN_LAST_YEAR, status: 'open', mergedInto: '' })
    const fund = await other.data.funds.create({ year: LAST_YEAR, amount: 20_000_000, source: '专项资金' })
    await other.data.ledger.create({ fundId: fund.id, projectId: 'project:well', kind: 'expense', amount: 120_000, payee: '五金店', description: '水泵', at: IN_LAST_YEAR, recordedBy: 'person:clerk' })
    expect(await other.sync.syncNow(20_000)).toBe(true)

    tablet = await enrolledTablet(browser, hub, VILLAGE, { personId: 'person:clerk', name: '王文书' }, '8642')
    const { page, context } = tablet
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))

    // the photo was never on this tablet: it comes from the hub, checked, and shows
    await page.goto(`${hub.url}/proposals/${proposal.id}`)
    const img = page.locator('.detail-photos img')
    await until(page, async () => (await img.getAttribute('src'))?.startsWith('blob:') ?? false, 30_000, 'the photo from the hub')
    expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(1)

    // last year: 3 records and their audit events, pulled from the hub
    await page.goto(`${hub.url}/device/years`)
    const row = page.getByTestId(`year-${LAST_YEAR}`)
    await until(page, async () => /6 条记录/.test(await row.textContent() ?? ''), 20_000, 'last year on the tablet')
      .catch(async (e: Error) => { throw new Error(`${e.message}: ${await page.getByTestId('device-years').textContent()}`) })
    await page.getByTestId(`archive-${LAST_YEAR}`).click()
    await expect.poll(() => row.textContent()).toContain('镇上服务器还留着')
    await page.getByTestId(`archive-yes-${LAST_YEAR}`).click()
    await expect.poll(() => page.getByTestId('years-message').textContent(), { timeout: 10_000 }).toContain(`已归档 ${LAST_YEAR} 年：本平板移走了 6 条记录`)
    // the message comes first, then the list is read again: the row goes once it is
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0)

    await page.getByTestId(`view-${LAST_YEAR}`).click()
    await page.getByTestId('archive-note').waitFor({ timeout: 20_000 })
    const archive = await page.getByTestId('device-archive').textContent()
    expect(archive).toContain('共 6 条记录')
    expect(archive).toContain('三组修水井')
    expect(archive).toContain('五金店')
    expect(archive).toContain('专项资金：¥200,000，已花 ¥1,200')

    // without a network: the screen says so instead of showing nothing
    await page.getByTestId('page-back').click()
    await context.setOffline(true)
    await page.getByTestId(`view-${LAST_YEAR}`).click()
    await expect.poll(() => page.getByTestId('archive-problem').textContent().catch(() => ''), { timeout: 20_000 }).toContain('看往年的记录要联网')
    await context.setOffline(false)
    expect(errors, errors.join('\n')).toEqual([])
  })
})
