import { describe, expect, it } from 'vitest'
import { LIMITS } from '../../sync-server/limits'
import { BATCH_SECONDS, LinkMeter, NO_FIGURES, photoChunkBytes, timeLeft, typicalWindowS, type LinkFigures, type RequestSample } from '@/data/link'

// What the tablet learns of its link from its own requests, and what it makes of it.

/** A push of `records` (compressed to `bytes`) over a link of `rate` bytes/s and `rttMs`: its sample. */
function push(records: number, bytes: number, rate: number, rttMs: number): RequestSample {
  return { sentBytes: bytes, sentRecords: records, headersMs: rttMs + (bytes / rate) * 1000, receivedBytes: 900, bodyMs: 5, kind: 'other' }
}
const ping = (rttMs: number): RequestSample => ({ sentBytes: 0, sentRecords: 0, headersMs: rttMs, receivedBytes: 400, bodyMs: 1, kind: 'other' })
const page = (bytes: number, rate: number): RequestSample => ({ sentBytes: 0, sentRecords: 0, headersMs: 700, receivedBytes: bytes, bodyMs: (bytes / rate) * 1000, kind: 'page' })

describe('the link meter', () => {
  it('sizes push batches to about eight seconds of the measured uplink', () => {
    const edge = new LinkMeter()
    expect(edge.pushBatchSize()).toBe(200) // nothing measured yet
    edge.observe(ping(600))
    for (let i = 0; i < 4; i++) edge.observe(push(200, 14_000, 8_000, 600)) // 64 kbit/s, 70 B a record
    expect(edge.figures.upBytesPerS).toBeCloseTo(8_000, -1)
    expect(edge.figures.upBytesPerRecord).toBe(70)
    expect(edge.pushBatchSize()).toBe(Math.floor((8_000 * BATCH_SECONDS) / 70)) // 914
    const gprs = new LinkMeter()
    gprs.observe(ping(1_000))
    for (let i = 0; i < 4; i++) gprs.observe(push(200, 14_000, 4_000, 1_000))
    expect(gprs.pushBatchSize()).toBe(Math.floor((4_000 * BATCH_SECONDS) / 70)) // half the edge's
    const lan = new LinkMeter()
    lan.observe(ping(2))
    for (let i = 0; i < 4; i++) lan.observe(push(200, 14_000, 5_000_000, 2))
    expect(lan.pushBatchSize()).toBe(1000) // at most a thousand records a request
  })

  it('sizes pull pages from the downlink and the bytes a pulled record took', () => {
    const m = new LinkMeter()
    expect(m.pullBatchSize()).toBe(500)
    m.observe(page(102_000, 8_000))
    m.page(1000)
    expect(m.figures.downBytesPerRecord).toBe(102)
    expect(m.figures.downBytesPerS).toBeCloseTo(8_000, -1)
    expect(m.pullBatchSize()).toBe(Math.floor((8_000 * BATCH_SECONDS) / 102))
  })

  it('never asks for more than the hub serves in one request: a shorter page would read as the last one', () => {
    const lan = new LinkMeter()
    lan.observe(ping(2))
    for (let i = 0; i < 4; i++) lan.observe(push(200, 14_000, 5_000_000, 2))
    lan.observe(page(180_000, 10_000_000))
    lan.page(1000)
    expect(lan.pushBatchSize()).toBe(LIMITS.docsPerBatch)
    expect(lan.pullBatchSize()).toBe(LIMITS.changesPerPage)
  })

  it('takes smaller batches when the link keeps dropping sooner than a batch would take', () => {
    let now = 0
    const m = new LinkMeter(null, () => now)
    m.observe(ping(600))
    for (let i = 0; i < 4; i++) m.observe(push(200, 14_000, 8_000, 600))
    const steady = m.pushBatchSize()
    for (const upFor of [12_000, 16_000, 12_000]) { // the signal lasts 12–16 s at a time
      now += upFor
      m.dropped()
      now += 30_000 // no signal
      m.observe(ping(600))
    }
    expect(typicalWindowS(m.figures)).toBeCloseTo(12.6, 0)
    expect(m.pushBatchSize()).toBeLessThan(steady / 2) // a quarter of the window, not eight seconds
    expect(m.pushBatchSize()).toBeGreaterThanOrEqual(20)
  })

  it('lets the round trip drift up when the link has become slower (yesterday Wi-Fi, today 2G)', () => {
    const m = new LinkMeter({ ...NO_FIGURES, rttMs: 3 })
    for (let i = 0; i < 20; i++) m.observe(ping(600))
    expect(m.figures.rttMs).toBeGreaterThan(590)
    m.observe(ping(550))
    expect(m.figures.rttMs).toBe(550)
  })

  it('keeps what it learnt across restarts as a guess: the estimate uses it, the first batches stay small, nothing is sent on its rate', () => {
    const m = new LinkMeter()
    m.observe(ping(600))
    m.observe(push(200, 14_000, 8_000, 600))
    expect(m.pushBatchSize()).toBe(914)
    expect(m.upRateNow).toBeCloseTo(8_000, -1)
    const again = new LinkMeter(JSON.parse(JSON.stringify(m.figures)) as LinkFigures)
    expect(again.figures).toEqual(m.figures)
    expect(timeLeft(again.figures, 6_000, 0)).toEqual(timeLeft(m.figures, 6_000, 0))
    expect(again.pushBatchSize()).toBe(200) // at most the first size until this session measured the uplink
    expect(again.upRateNow).toBeNull()
    expect(again.uploadAllowanceMs(14_000)).toBe(14_000) // twice its time at 16 kbit/s, not at the saved rate
    // a saved slow link is believed: its batches are smaller still
    const slow = new LinkMeter({ ...NO_FIGURES, upBytesPerS: 500, upBytesPerRecord: 140, rttMs: 1_000 })
    expect(slow.pushBatchSize()).toBe(Math.floor((500 * BATCH_SECONDS) / 140))
    // a sync that starts again on a running meter is a new session too
    m.newSession()
    expect(m.pushBatchSize()).toBe(200)
    expect(m.upRateNow).toBeNull()
  })

  it('never reads a batch as faster than twice its size over its answer time, whatever the round trip read', () => {
    const m = new LinkMeter()
    m.observe({ ...ping(700), sentBytes: 600 }) // a pre-read that waited behind a batch: the round trip reads long
    m.observe(push(40, 5_000, 32_000, 300)) // 5 KB on a 256 kbit/s link, answered in 456 ms
    expect(m.figures.upBytesPerS).toBeLessThanOrEqual((2 * 5_000 * 1000) / 456 + 1)
    expect(m.figures.upBytesPerS).toBeGreaterThan(16_000)
  })

  it('weighs the bytes of a record by the records measured, not by the requests', () => {
    const m = new LinkMeter()
    m.observe(ping(1_000))
    m.observe(push(1, 4_460, 4_000, 1_000)) // the vote, online: one record with its roster
    expect(m.figures.upBytesPerRecord).toBe(4_460)
    m.observe(push(200, 27_690, 4_000, 1_000)) // then the day's ballots, 138 B each
    expect(m.figures.upBytesPerRecord).toBeLessThan(165) // a batch average said 2,299
    expect(m.pushBatchSize()).toBeGreaterThan(190)
    const saved = new LinkMeter(m.figures)
    saved.observe(push(1, 4_460, 4_000, 1_000)) // another vote: a saved figure is not swept away by one record
    expect(saved.figures.upBytesPerRecord).toBeLessThan(190)
  })

  it('replaces yesterday\'s Wi-Fi rate with today\'s first measurement instead of averaging them', () => {
    const wifi = new LinkMeter()
    wifi.observe(ping(3))
    for (let i = 0; i < 4; i++) wifi.observe(push(200, 14_000, 5_000_000, 3))
    const today = new LinkMeter(wifi.figures) // the sync state saved last night
    today.observe({ ...ping(1_000), sentBytes: 600 }) // a push's pre-read: 600 B of ids, a small answer
    today.observe(push(200, 14_000, 4_000, 1_000)) // GPRS: 32 kbit/s
    expect(today.figures.rttMs).toBe(1_000)
    expect(today.upRateNow).toBeCloseTo(4_000, -1) // averaged with the old figure it read 2.5 MB/s
    expect(today.pushBatchSize()).toBe(Math.floor((4_000 * BATCH_SECONDS) / 70))
    expect(today.uploadAllowanceMs(14_000)).toBeCloseTo(7_000, -2)
    // the downlink too
    today.observe(page(102_000, 8_000))
    expect(today.figures.downBytesPerS).toBeCloseTo(8_000, -1)
  })
})

describe('the time a sync still needs', () => {
  const edge: LinkFigures = { ...NO_FIGURES, upBytesPerS: 8_000, downBytesPerS: 16_000, rttMs: 600, upBytesPerRecord: 70, downBytesPerRecord: 102 }

  it('is the bytes each way over the rate, with a round trip per batch', () => {
    const t = timeLeft(edge, 6_000, 0)
    // 6,000 records × 70 B at 8 kB/s = 52.5 s, in 7 batches of 914: 4.2 s of round trips
    expect(t.seconds).toBe(57)
    expect(t.tooWeak).toBe(false)
    expect(timeLeft(edge, 0, 0).seconds).toBe(0)
    // 1,254 records to receive: two pages (the hub serves at most 1,000 a page), two round trips
    expect(timeLeft(edge, 0, 1_254).seconds).toBe(Math.ceil((1_254 * 102) / 16_000 + 2 * 0.6))
  })

  it('is unknown before the link was measured', () => {
    expect(timeLeft(NO_FIGURES, 10, 0).seconds).toBeNull()
    expect(timeLeft(NO_FIGURES, 0, 0).seconds).toBe(0)
  })

  it('says the link is too weak when the sync needs longer than the link stayed up the last times', () => {
    const drops = { ...edge, windowsS: [40, 35, 50] }
    expect(timeLeft(drops, 6_000, 0)).toMatchObject({ tooWeak: true, windowS: 40 })
    expect(timeLeft(drops, 300, 0).tooWeak).toBe(false)
    expect(timeLeft({ ...edge, windowsS: [] }, 60_000, 0).tooWeak).toBe(false) // never dropped: nothing to say
  })

  it('gives photo chunks of a few seconds of the uplink', () => {
    expect(photoChunkBytes(NO_FIGURES)).toBe(64 * 1024)
    expect(photoChunkBytes(edge)).toBe(8_000 * BATCH_SECONDS)
    expect(photoChunkBytes({ ...edge, upBytesPerS: 500 })).toBe(16 * 1024)
    expect(photoChunkBytes({ ...edge, upBytesPerS: 10_000_000 })).toBe(256 * 1024)
  })
})
