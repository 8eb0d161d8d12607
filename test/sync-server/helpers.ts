/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub, read field by field in tests */
import { ADMIN, type RunningHub } from '../support/hub'
import type { MadeKey } from '../support/personkeys'
import { newSigningKeyPair, signValue } from '../../src/shared/signature'
import { personKeyClaim } from '../../src/shared/personacts'

export const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
export const ADMIN_AUTH = basic(ADMIN.user, ADMIN.password)

/** fetch against the hub's /couch API; JSON bodies; returns status and parsed body. */
export async function couch(hub: RunningHub, path: string, opts: { method?: string; auth?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  if (opts.auth !== null) headers.authorization = opts.auth ?? ADMIN_AUTH
  let body: string | undefined
  if (opts.raw !== undefined) { body = opts.raw; headers['content-type'] ??= 'application/json' }
  else if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers['content-type'] = 'application/json' }
  const res = await fetch(`${hub.url}/couch/${path}`, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body, signal: AbortSignal.timeout(20_000) })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers }
}

export interface Provisioned {
  township: string
  villages: string[]
  clerk: { name: string; password: string; village: string }
  staff: { name: string; password: string }
  devices: { id: string; secret: string; village: string }[]
}

/** A township with villages, a clerk of the first, a staff account, and an enrolled device per village. */
export async function provision(hub: RunningHub, opts: { township?: string; villages?: string[] } = {}): Promise<Provisioned> {
  const township = opts.township ?? 'tsa'
  const villages = opts.villages ?? ['va', 'vb']
  const must = (r: { status: number; body: unknown }, what: string) => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body as any
  }
  must(await couch(hub, '_hub/townships', { body: { id: township, name: '测试镇' } }), 'township')
  for (const v of villages) must(await couch(hub, '_hub/villages', { body: { id: v, township, name: `村 ${v}` } }), 'village')
  const clerk = { name: `clerk-${villages[0]}`, password: 'clerk-password-1', village: villages[0] as string }
  must(await couch(hub, '_hub/users', { body: { ...clerk, role: 'clerk' } }), 'clerk')
  const staff = { name: `staff-${township}`, password: 'staff-password-1' }
  must(await couch(hub, '_hub/users', { body: { ...staff, role: 'township', township } }), 'staff')
  const devices: Provisioned['devices'] = []
  for (const v of villages) {
    const e = must(await couch(hub, '_hub/enrollments', { body: { village: v } }), 'enrollment')
    const d = must(await couch(hub, '_hub/enroll', { auth: null, body: { code: e.code, label: `tablet ${v}` } }), 'enroll')
    devices.push({ id: d.device, secret: d.secret, village: v })
  }
  return { township, villages, clerk, staff, devices }
}

/** One more tablet enrolled in `village` (by the admin's code). */
export async function enrollTablet(hub: RunningHub, village: string): Promise<{ id: string; secret: string; village: string; auth: string }> {
  const e = await couch(hub, '_hub/enrollments', { body: { village } })
  if (e.status !== 201) throw new Error(`enrollment: ${e.status} ${JSON.stringify(e.body)}`)
  const d = await couch(hub, '_hub/enroll', { auth: null, body: { code: e.body.code, label: `tablet ${village}` } })
  if (d.status !== 201) throw new Error(`enroll: ${d.status} ${JSON.stringify(d.body)}`)
  return { id: d.body.device, secret: d.body.secret, village, auth: basic(d.body.device, d.body.secret) }
}

let seq = 0
/** A valid document of kind `proposal` for `village`, written by `device`. */
export function proposal(village: string, device: string, n: number, extra: Record<string, unknown> = {}): Record<string, unknown> & { _id: string } {
  return {
    _id: `proposal:p${n}-${device}`, kind: 'proposal', v: 1, village, year: 2026, author: 'person:p1', device,
    deviceTime: 1_790_000_000_000 + n, seq: ++seq, ref: '', body: { title: `修路 ${n}`, status: 'draft' }, ...extra,
  }
}

/**
 * Gives a person of the hub's roster their roles, signed by the hub (POST /_hub/roles, as the
 * village's clerk account or township staff does): roles a tablet writes itself count for nothing.
 * `auth`: the account asking (the admin by default).
 */
export async function setRoles(hub: RunningHub, village: string, personId: string, roles: readonly string[], auth: string = ADMIN_AUTH): Promise<any> {
  const r = await couch(hub, '_hub/roles', { auth, body: { village, personId, roles } })
  if (r.status !== 200) throw new Error(`roles of ${personId}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}

/**
 * The village's clerk key (`personkey:clerk`, of `person:clerk`, who must be clerk on the hub's roster),
 * certified by this real hub on the clerk account's request (POST /_hub/clerk-key), with its secret:
 * the record to push, and the key that witnesses supervisors' keys (test/support/personkeys.ts).
 */
export async function hubCertifiedClerkKey(hub: RunningHub, village: string, clerkAuth: string, createdAt: number): Promise<MadeKey> {
  const pair = newSigningKeyPair()
  const claim = { personId: 'person:clerk', publicKey: pair.publicKey, createdAt, witnessedBy: 'person:clerk' }
  const c = await couch(hub, '_hub/clerk-key', { auth: clerkAuth, body: { village, personId: 'person:clerk', publicKey: pair.publicKey } })
  if (c.status !== 200) throw new Error(`clerk key: ${c.status} ${JSON.stringify(c.body)}`)
  return { record: { id: 'personkey:clerk', ...claim, certificate: c.body.certificate, signature: signValue(personKeyClaim(claim), pair.secretKey) }, secret: pair.secretKey }
}
