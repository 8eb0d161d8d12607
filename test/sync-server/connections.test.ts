import { execFileSync, spawnSync } from 'node:child_process'
import { connect } from 'node:http2'
import { request as httpsRequest } from 'node:https'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { ADMIN_AUTH, couch, proposal } from './helpers'

let hub: RunningHub


const stats = async () => (await couch(hub, '_hub/stats')).body as { longPolls: number }

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describeEngines('long-polls', (engine) => {
  beforeAll(async () => {
    hub = await startHub(engine().env)
    await couch(hub, 'village-lp', { method: 'PUT' })
  })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  it('ends a quiet long-poll at its timeout', async () => {
    const t0 = Date.now()
    const r = await couch(hub, 'village-lp/_changes?feed=longpoll&since=now&timeout=400')
    expect(r.body).toMatchObject({ results: [] })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350)
  })

  it('keeps a heartbeat long-poll open with newlines and answers when a change lands', async () => {
    const res = await fetch(`${hub.url}/couch/village-lp/_changes?feed=longpoll&since=now&heartbeat=1000&include_docs=true`, { headers: { authorization: ADMIN_AUTH }, signal: AbortSignal.timeout(10_000) })
    const reader = res.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toMatch(/^\n+$/)
    await couch(hub, 'village-lp/_bulk_docs', { body: { docs: [proposal('lp', 'hub', 1)] } })
    let text = ''
    for (let i = 0; i < 20; i++) {
      const chunk = await reader.read()
      if (chunk.done) break
      text += new TextDecoder().decode(chunk.value)
    }
    const body = JSON.parse(text.trim())
    expect(body.results[0].doc._id).toBe('proposal:p1-hub')
  })

  it('notices a client that went away and frees its long-poll', async () => {
    const before = (await stats()).longPolls
    const aborts = Array.from({ length: 20 }, () => new AbortController())
    const polls = aborts.map((a) => fetch(`${hub.url}/couch/village-lp/_changes?feed=longpoll&since=now&heartbeat=60000`, { headers: { authorization: ADMIN_AUTH }, signal: a.signal }).catch(() => null))
    await until(async () => (await stats()).longPolls >= before + 20)
    for (const a of aborts) a.abort()
    await Promise.all(polls)
    await until(async () => (await stats()).longPolls === before)
  })

  it('answers open long-polls and exits cleanly on SIGTERM', async () => {
    const h = await startHub(engine().another().env)
    await couch(h, 'village-x', { method: 'PUT' })
    const poll = couch(h, 'village-x/_changes?feed=longpoll&since=now&timeout=60000')
    await new Promise((r) => setTimeout(r, 300))
    const exited = new Promise<number | null>((resolve) => h.process.once('exit', (code) => resolve(code)))
    h.process.kill('SIGTERM')
    expect((await poll).body).toMatchObject({ results: [] })
    expect(await exited).toBe(0)
    await h.stop({ removeData: true })
  })
})

describe('operations', () => {
  it('stops with a clear message and a non-zero exit on bad configuration', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8', timeout: 30_000 })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('PORT')
  })

  it('speaks HTTPS with HTTP/2, and HTTP/1.1 too, when given a certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yishi-tls-'))
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' })
    const h = await startHub({ TLS_CERT: cert, TLS_KEY: key })
    try {
      const ca = readFileSync(cert)
      const session = connect(`https://127.0.0.1:${h.port}`, { ca })
      const viaH2 = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ':path': '/couch/_up' })
        let status = 0; let body = ''
        req.on('response', (headers) => { status = Number(headers[':status']) })
        req.on('data', (c: Buffer) => { body += c.toString() })
        req.on('end', () => resolve({ status, body }))
        req.on('error', reject)
        req.end()
      })
      session.close()
      expect(viaH2.status).toBe(200)
      expect(JSON.parse(viaH2.body).status).toBe('ok')
      const viaH1 = await new Promise<number>((resolve, reject) => {
        httpsRequest(`https://127.0.0.1:${h.port}/couch/_up`, { ca }, (res) => { res.resume(); resolve(res.statusCode ?? 0) }).on('error', reject).end()
      })
      expect(viaH1).toBe(200)
    } finally {
      await h.stop({ removeData: true })
    }
  })
})
