/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub */
import { deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { refusalContent, verifySigned } from '../../src/shared/provenance'
import { startHub, type RunningHub } from '../support/hub'
import { basic, couch, proposal, provision } from './helpers'

// Tablets gzip their pushes (src/data/wire.ts); the hub inflates them (sync-server/couch/encoding.ts)
// and holds the inflated body to the same limit as a plain one.

const LIMIT = 1024 * 1024
let hub: RunningHub
let auth: string
let device: string

beforeAll(async () => {
  hub = await startHub({ BODY_LIMIT: String(LIMIT) })
  const p = await provision(hub, { township: 'tenc', villages: ['venc'] })
  device = p.devices[0]!.id
  auth = basic(device, p.devices[0]!.secret)
})
afterAll(async () => { await hub?.stop({ removeData: true }) })

const bytes = (b: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(b).slice()
async function post(path: string, body: Uint8Array<ArrayBuffer> | string, encoding: string | null, who: string | null = auth): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (who) headers.authorization = who
  if (encoding) headers['content-encoding'] = encoding
  const res = await fetch(`${hub.url}/couch/${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(20_000) })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body: parsed }
}
/** A record as the pushing tablet re-reads it after a conflict, as RxDB does (a refused one comes back to that tablet alone, marked refused). */
const stored = async (id: string) => (await couch(hub, `village-venc/_all_docs?include_docs=true&keys=${encodeURIComponent(JSON.stringify([id]))}`, { auth })).body.rows[0]?.doc
const docCount = async () => (await couch(hub, 'village-venc/_all_docs?limit=0')).body.total_rows as number
const quarantined = async () => ((await couch(hub, '_hub/quarantine?db=village-venc')).body as any[]).length
const sorted = (v: any): any => (Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v)
/** A stored document as comparable text: without its revision, its id, the refusal's time and the hub's signature of the refusal (over both: checked on its own). */
const comparable = (d: any, id: string) => JSON.stringify(sorted({ ...d, _id: id, _rev: undefined, refused: d.refused ? { ...d.refused, at: undefined, sig: undefined } : undefined }))

describe('compressed request bodies', () => {
  it('a gzipped push lands exactly like the same push sent plain: same answers, same records, same refusals', async () => {
    // twin pushes: the same records (one without a title: refused) under other ids
    const batch = (from: number) => [
      ...Array.from({ length: 40 }, (_, i) => proposal('venc', device, from + i, { deviceTime: 1_790_000_000_000 + i, seq: 1000 + i, body: { title: `修路 ${i}`, status: 'draft' } })),
      { ...proposal('venc', device, from + 99, { deviceTime: 1_790_000_000_999, seq: 1999 }), body: { status: 'open' } },
    ]
    const plainDocs = batch(100)
    const gzipDocs = batch(300)
    const plainText = JSON.stringify({ docs: plainDocs })
    const gzipBody = bytes(gzipSync(JSON.stringify({ docs: gzipDocs })))
    expect(gzipBody.byteLength).toBeLessThan(plainText.length / 4)

    const plain = await post('village-venc/_bulk_docs', plainText, null)
    const zipped = await post('village-venc/_bulk_docs', gzipBody, 'gzip')
    expect(zipped.status).toBe(plain.status)
    expect(plain.status).toBe(201)
    const shape = (rows: any[]) => rows.map((r) => ({ ok: r.ok ?? false, error: r.error ?? null, reason: r.reason ?? null, rev: /^1-[0-9a-f]{32}$/.test(r.rev ?? '') }))
    expect(shape(zipped.body)).toEqual(shape(plain.body))
    expect(shape(plain.body).filter((r) => r.ok)).toHaveLength(40)
    expect(shape(plain.body).at(-1)).toMatchObject({ ok: false, error: 'conflict', reason: expect.stringContaining('title') })

    const { hubKey } = (await couch(hub, '_hub/trust', { auth })).body
    for (let i = 0; i < plainDocs.length; i++) {
      const [a, b] = [await stored(plainDocs[i]!._id), await stored(gzipDocs[i]!._id)]
      expect(comparable(b, 'x')).toBe(comparable(a, 'x'))
      // both refused markers carry the hub's signature over their own record and refusal
      for (const d of [a, b].filter((d) => d.refused)) expect(await verifySigned(refusalContent(d), d.refused.sig, hubKey)).toBe(true)
    }
    expect([await stored(plainDocs.at(-1)!._id), await stored(gzipDocs.at(-1)!._id)].map((d) => typeof d.refused?.sig)).toEqual(['string', 'string'])
    // and what was stored is what was sent
    expect(comparable(await stored(gzipDocs[0]!._id), 'x')).toBe(comparable(gzipDocs[0], 'x'))
  })

  it('answers a gzipped _all_docs the same as a plain one', async () => {
    const keys = [proposal('venc', device, 100)._id, 'proposal:nowhere']
    const plain = await post('village-venc/_all_docs', JSON.stringify({ keys, include_docs: true }), null)
    const zipped = await post('village-venc/_all_docs', bytes(gzipSync(JSON.stringify({ keys, include_docs: true }))), 'gzip')
    expect(plain.status).toBe(200)
    expect(zipped).toEqual(plain)
  })

  it('refuses a "gzip bomb" (a small body that inflates past the limit) with 413 and writes nothing', async () => {
    const before = { docs: await docCount(), quarantine: await quarantined() }
    const valid = proposal('venc', device, 500)
    // valid JSON that would write `valid` if the hub read it all: the padding inflates to 4× the limit
    const text = `{"docs":[${JSON.stringify(valid)}],"padding":"${' '.repeat(4 * LIMIT)}"}`
    const bomb = bytes(gzipSync(text, { level: 9 }))
    expect(bomb.byteLength).toBeLessThan(LIMIT / 100)
    const r = await post('village-venc/_bulk_docs', bomb, 'gzip')
    expect(r.status).toBe(413)
    expect(r.body).toMatchObject({ error: 'too_large', reason: expect.stringContaining('inflated') })
    expect((await couch(hub, `village-venc/${encodeURIComponent(valid._id)}`)).status).toBe(404)
    expect({ docs: await docCount(), quarantine: await quarantined() }).toEqual(before)

    // the same records under the limit are taken: the limit is on the inflated size, not refused for being gzip
    const fits = await post('village-venc/_bulk_docs', bytes(gzipSync(`{"docs":[${JSON.stringify(valid)}],"padding":"${' '.repeat(LIMIT / 2)}"}`)), 'gzip')
    expect(fits.status).toBe(201)
    expect(fits.body[0]).toMatchObject({ ok: true, id: valid._id })
  })

  it('takes gzip only: another coding is refused with 415, a broken gzip body with 400, and nothing is written', async () => {
    const before = await docCount()
    const docs = { docs: [proposal('venc', device, 600)] }
    const deflated = await post('village-venc/_bulk_docs', bytes(deflateSync(JSON.stringify(docs))), 'deflate')
    expect(deflated.status).toBe(415)
    expect(deflated.body.reason).toContain('gzip')
    const broken = await post('village-venc/_bulk_docs', bytes(gzipSync(JSON.stringify(docs)).subarray(0, 30)), 'gzip')
    expect(broken.status).toBe(400)
    expect(broken.body.reason).toContain('gzip')
    expect(await docCount()).toBe(before)
  })

  it('inflates nothing for a stranger: a compressed body without credentials gets 401', async () => {
    const r = await post('_session', bytes(gzipSync(JSON.stringify({ name: 'admin', password: 'admin-test-password' }))), 'gzip', null)
    expect(r.status).toBe(401)
    const wrong = await post('village-venc/_bulk_docs', bytes(gzipSync(JSON.stringify({ docs: [] }))), 'gzip', basic(device, 'not-the-secret'))
    expect(wrong.status).toBe(401)
  })
})
