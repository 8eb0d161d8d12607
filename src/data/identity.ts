/**
 * Who this tablet is and who is using it.
 * - Enrollment: the tablet redeems a code (or QR) from township staff or a clerk at the hub's
 *   `POST /couch/_hub/enroll` with the public key of a device key pair it makes now, and keeps the
 *   device id and secret it gets back, the key pair, the hub's key and its certificate (devicekeys.ts).
 * - Clerk PIN: unlocks the app offline. Kept only as a slow hash (PBKDF2-SHA256, 150,000 rounds,
 *   per-clerk salt); after 5 wrong PINs the tablet locks for 5 minutes, doubling with each further miss.
 * The key-value store is passed in (localStorage in the app, a Map in tests).
 */
import { DataError } from './errors'

export interface KeyValue { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void }

export interface DeviceEnrollment {
  device: string
  secret: string
  village: string
  /** the village's and township's names as the hub knows them (shown until the village record syncs) */
  villageName?: string
  townshipName?: string
  /** hub origin; '' = the origin the app was loaded from */
  hubUrl: string
  enrolledAt: number
}

export interface Clerk { personId: string; name: string; salt: string; hash: string }
interface PinState { clerks: Clerk[]; failures: number; lockedUntil: number }

const ENROLLMENT_KEY = 'yishi.device'
const PIN_KEY = 'yishi.clerks'
/** Where devicekeys.ts keeps the device key and what it trusts (named here: forgetting must not load it). */
export const DEVICE_KEY_KEY = 'yishi.device-key'
export const TRUST_KEY = 'yishi.trust'
export const PIN_ROUNDS = 150_000
export const MAX_FAILURES = 5
export const LOCK_MS = 5 * 60_000

export function loadEnrollment(kv: KeyValue): DeviceEnrollment | null {
  try { return JSON.parse(kv.getItem(ENROLLMENT_KEY) ?? 'null') as DeviceEnrollment | null } catch { return null }
}

/** Redeems an enrollment code at the hub and keeps the device credential. */
export async function enrollDevice(kv: KeyValue, opts: { hubUrl: string; code: string; label: string; fetch?: typeof fetch; now?: number }): Promise<DeviceEnrollment> {
  const f = opts.fetch ?? globalThis.fetch.bind(globalThis)
  // loaded here, not with the home screen: the key code (Ed25519) is needed only to enroll and to write
  const { newDeviceKey, pinHub, storeDeviceKey } = await import('./devicekeys')
  const key = newDeviceKey(opts.now)
  let res: Response
  try {
    res = await f(`${opts.hubUrl.replace(/\/$/, '')}/couch/_hub/enroll`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: opts.code.trim(), label: opts.label, publicKey: key.publicKey }),
    })
  } catch {
    throw new DataError('not-found', 'cannot reach the hub: enrollment needs a network connection', { reason: 'offline' })
  }
  const body = await res.json().catch(() => ({})) as { device?: string; secret?: string; village?: string; villageName?: string; townshipName?: string; reason?: string; hubKey?: unknown; certificate?: unknown }
  if (!res.ok || !body.device || !body.secret || !body.village) {
    throw new DataError('invalid', res.status === 429 ? 'too many attempts: wait a few minutes' : `the hub did not accept this code${body.reason ? ` (${body.reason})` : ''}`,
      { reason: res.status === 429 ? 'rate-limited' : 'refused' })
  }
  const e: DeviceEnrollment = {
    device: body.device, secret: body.secret, village: body.village, hubUrl: opts.hubUrl, enrolledAt: opts.now ?? Date.now(),
    ...(body.villageName ? { villageName: body.villageName } : {}), ...(body.townshipName ? { townshipName: body.townshipName } : {}),
  }
  // a new enrollment starts a new identity: the key pair made for it, the hub's key as it answered now
  kv.removeItem(DEVICE_KEY_KEY)
  kv.removeItem(TRUST_KEY)
  await pinHub(kv, body, { device: e.device, village: e.village, publicKey: key.publicKey })
  storeDeviceKey(kv, { device: e.device, ...key })
  kv.setItem(ENROLLMENT_KEY, JSON.stringify(e))
  return e
}

export function forgetEnrollment(kv: KeyValue): void {
  kv.removeItem(ENROLLMENT_KEY)
  kv.removeItem(PIN_KEY)
  kv.removeItem(DEVICE_KEY_KEY)
  kv.removeItem(TRUST_KEY)
}

function pinState(kv: KeyValue): PinState {
  try { return { clerks: [], failures: 0, lockedUntil: 0, ...JSON.parse(kv.getItem(PIN_KEY) ?? '{}') } } catch { return { clerks: [], failures: 0, lockedUntil: 0 } }
}

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

async function slowHash(pin: string, salt: string, rounds = PIN_ROUNDS): Promise<string> {
  const subtle = globalThis.crypto.subtle
  const key = await subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits'])
  const bits = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new TextEncoder().encode(salt), iterations: rounds }, key, 256)
  return hex(bits)
}

export function clerks(kv: KeyValue): Omit<Clerk, 'salt' | 'hash'>[] {
  return pinState(kv).clerks.map(({ personId, name }) => ({ personId, name }))
}

/** Sets (or replaces) a clerk's PIN: 4–8 digits. */
export async function setClerkPin(kv: KeyValue, clerk: { personId: string; name: string }, pin: string): Promise<void> {
  if (!/^\d{4,8}$/.test(pin)) throw new DataError('invalid', 'the PIN must be 4 to 8 digits')
  const salt = hex(globalThis.crypto.getRandomValues(new Uint8Array(16)))
  const state = pinState(kv)
  const entry: Clerk = { ...clerk, salt, hash: await slowHash(pin, salt) }
  state.clerks = [...state.clerks.filter((c) => c.personId !== clerk.personId), entry]
  kv.setItem(PIN_KEY, JSON.stringify(state))
}

export type UnlockResult =
  | { ok: true; personId: string; name: string }
  | { ok: false; reason: 'wrong-pin'; remaining: number }
  | { ok: false; reason: 'locked'; until: number }
  | { ok: false; reason: 'no-clerk' }

/** Checks a PIN against every clerk of this tablet; counts failures and locks out. */
export async function unlockWithPin(kv: KeyValue, pin: string, now = Date.now()): Promise<UnlockResult> {
  const state = pinState(kv)
  if (state.clerks.length === 0) return { ok: false, reason: 'no-clerk' }
  if (state.lockedUntil > now) return { ok: false, reason: 'locked', until: state.lockedUntil }
  for (const c of state.clerks) {
    if (await slowHash(pin, c.salt) === c.hash) {
      kv.setItem(PIN_KEY, JSON.stringify({ ...state, failures: 0, lockedUntil: 0 }))
      return { ok: true, personId: c.personId, name: c.name }
    }
  }
  const failures = state.failures + 1
  const over = failures - MAX_FAILURES
  const lockedUntil = over >= 0 ? now + LOCK_MS * 2 ** Math.min(over, 6) : 0
  kv.setItem(PIN_KEY, JSON.stringify({ ...state, failures, lockedUntil }))
  return lockedUntil ? { ok: false, reason: 'locked', until: lockedUntil } : { ok: false, reason: 'wrong-pin', remaining: MAX_FAILURES - failures }
}

/** A Map-backed KeyValue for tests and for browsers without localStorage. */
export function memoryKeyValue(): KeyValue {
  const m = new Map<string, string>()
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => { m.set(k, v) }, removeItem: (k) => { m.delete(k) } }
}
