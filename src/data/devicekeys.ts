/**
 * This tablet's device key and what it trusts (see src/shared/provenance.ts for the rule).
 *
 * - The key pair is made on the tablet: at enrollment (the public key goes with the request, the hub
 *   answers with its own key and this device's certificate), or — for a tablet enrolled before keys
 *   existed — at the first start of this version, then registered once with `registerDeviceKey`
 *   (authenticated by the device credential). Records the device wrote before it had a key are
 *   `unsignedUpTo` (its last seq then); the hub takes those only from the device itself.
 * - The hub's key is pinned at enrollment (or registration). The village's list of device keys, with
 *   revocations, is fetched from the hub (`refreshTrust`, whenever the tablet is online) and kept;
 *   a peer may hand on a newer one. `loadTrust` gives what `recordProvenance` needs.
 * - When the hub has rotated its key, the list (or the hub's answer) carries the key history: the
 *   pinned key moves on only along successions each signed by the key before (src/shared/hubkeys.ts),
 *   and this device's certificate is then issued again under the new key.
 * Kept in the same key-value store as the device credential (localStorage in the app): whoever can
 * read one can read the other, so the key adds no new secret to protect.
 */
import { DEVICE_KEY_KEY as KEY_KEY, TRUST_KEY, type KeyValue } from './identity'
import { DataError } from './errors'
import { HubError, basicAuth } from './replication'
import { newSigningKeyPair } from '@/shared/signature'
import { TrustStore, certificateProblem, createSigner, signChallenge, type DeviceCertificate, type Signer, type TrustList } from '@/shared/provenance'
import { followChain, keysAtPin, type HubKeys, type RetiredKey } from '@/shared/hubkeys'

export interface StoredDeviceKey {
  device: string
  /** base64url Ed25519 secret key: never leaves the tablet */
  secretKey: string
  publicKey: string
  /** this device's last seq before it had a key; null until the writer has opened once with the key */
  unsignedUpTo: number | null
  createdAt: number
}

export interface StoredTrust {
  /** the hub's public key, pinned at enrollment or registration (moved on along the hub's key history) */
  hubKey: string
  /** the hub's earlier keys, each good for what it signed before it retired */
  retired?: RetiredKey[]
  /** this device's certificate (null until the hub has registered the key) */
  certificate: DeviceCertificate | null
  /** the newest list of the village's device keys taken in */
  list: TrustList | null
  /** other tablets' certificates met since (from peers or files), to check their records and hand on */
  certificates?: DeviceCertificate[]
}

/** At most this many other tablets' certificates are kept (a village has a handful of tablets). */
export const KEPT_CERTIFICATES = 200

function read<T>(kv: KeyValue, key: string): T | null {
  try { return JSON.parse(kv.getItem(key) ?? 'null') as T | null } catch { return null }
}

/** A fresh key pair, not yet stored (enrollment sends its public key first). */
export function newDeviceKey(now = Date.now()): Omit<StoredDeviceKey, 'device'> {
  return { ...newSigningKeyPair(), unsignedUpTo: 0, createdAt: now }
}

/** This device's key; made now (for a device enrolled before keys existed) when it has none. */
export function deviceKey(kv: KeyValue, device: string, now = Date.now()): StoredDeviceKey {
  const stored = read<StoredDeviceKey>(kv, KEY_KEY)
  if (stored?.device === device) return stored
  const made: StoredDeviceKey = { device, ...newDeviceKey(now), unsignedUpTo: null }
  kv.setItem(KEY_KEY, JSON.stringify(made))
  return made
}

export function storeDeviceKey(kv: KeyValue, key: StoredDeviceKey): void {
  kv.setItem(KEY_KEY, JSON.stringify(key))
}

/** Signs this device's records and challenges. */
export function deviceSigner(kv: KeyValue, device: string): Signer {
  return createSigner(deviceKey(kv, device).secretKey)
}

/** Records the last seq written without a key (once: the writer's seq when it first opened with the key). */
export function noteUnsignedUpTo(kv: KeyValue, device: string, seq: number): void {
  const key = deviceKey(kv, device)
  if (key.unsignedUpTo === null) storeDeviceKey(kv, { ...key, unsignedUpTo: seq })
}

export function storedTrust(kv: KeyValue): StoredTrust | null {
  return read<StoredTrust>(kv, TRUST_KEY)
}

const keysOf = (t: StoredTrust): HubKeys => ({ current: t.hubKey, retired: t.retired ?? [] })
const withKeys = (t: StoredTrust, keys: HubKeys): StoredTrust => ({ ...t, hubKey: keys.current, retired: [...keys.retired] })

/** The hub keys this tablet pinned (null before it has reached the hub): they certify the clerks' keys (src/shared/personacts.ts). */
export function pinnedHubKeys(kv: KeyValue): HubKeys | null {
  const t = storedTrust(kv)
  return t ? keysOf(t) : null
}

/** This device's certificate, to show a peer (null until the hub has registered the key). */
export function myCertificate(kv: KeyValue): DeviceCertificate | null {
  return storedTrust(kv)?.certificate ?? null
}

/** Signs a peer's challenge with this device's key (see `signChallenge` in src/shared/provenance.ts). */
export function answerChallenge(kv: KeyValue, device: string, challenge: unknown): Promise<string> {
  return signChallenge(deviceSigner(kv, device), challenge)
}

/**
 * Keeps the hub's key and this device's certificate from the hub's answer (enrollment or
 * registration), after checking the certificate is the hub's and names this device and key.
 * A hub key different from the one pinned earlier is taken only when the hub's key history
 * (`hubKeys`) leads to it from the pinned one; otherwise it is refused.
 */
export async function pinHub(kv: KeyValue, answer: { hubKey?: unknown; hubKeys?: unknown; certificate?: unknown }, expect: { device: string; village: string; publicKey: string }): Promise<void> {
  const hubKey = answer.hubKey
  if (typeof hubKey !== 'string') throw new DataError('invalid', 'the hub did not send its key: it may be an older version')
  const pinned = storedTrust(kv)
  let keys: HubKeys
  if (!pinned) keys = await keysAtPin(hubKey, answer.hubKeys)
  else if (pinned.hubKey === hubKey) keys = keysOf(pinned)
  else {
    const r = await followChain(keysOf(pinned), answer.hubKeys)
    if (!r.ok || r.keys.current !== hubKey) throw new DataError('invalid', `the hub answered with a different key than at enrollment: this may not be your township's hub${r.ok ? '' : ` (${r.reason})`}`)
    keys = r.keys
  }
  const problem = await certificateProblem(answer.certificate, keys, expect.village)
  const cert = answer.certificate as DeviceCertificate
  if (problem || cert.device !== expect.device || cert.publicKey !== expect.publicKey) {
    throw new DataError('invalid', `the hub's certificate for this tablet is not valid${problem ? ` (${problem})` : ''}`)
  }
  kv.setItem(TRUST_KEY, JSON.stringify(withKeys({ hubKey, certificate: cert, list: pinned?.list ?? null, certificates: pinned?.certificates ?? [] }, keys)))
}

export interface HubLink { device: string; secret: string; village: string; hubUrl: string }

async function call(link: HubLink, path: string, init: RequestInit, f: typeof fetch): Promise<unknown> {
  let res: Response
  try {
    res = await f(`${link.hubUrl.replace(/\/$/, '')}/couch/_hub/${path}`, {
      ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: basicAuth(link) },
    })
  } catch {
    throw new HubError(0, 'cannot reach the hub (no network, or the hub is off)')
  }
  const body = await res.json().catch(() => ({})) as { reason?: string }
  if (!res.ok) throw new HubError(res.status, body.reason ?? `the hub answered ${res.status}`)
  return body
}

/**
 * Registers this device's public key with the hub once (a tablet enrolled before keys existed) and
 * keeps the certificate; the same again once the hub's key has moved on (a certificate issued under
 * the current key). Does nothing when that certificate is already kept, or before the writer has
 * opened with the key. Throws HubError (no network, hub refused) or DataError.
 */
export async function registerDeviceKey(kv: KeyValue, link: HubLink, f: typeof fetch = globalThis.fetch.bind(globalThis)): Promise<boolean> {
  const key = deviceKey(kv, link.device)
  const cert = myCertificate(kv)
  const hubKey = storedTrust(kv)?.hubKey
  const current = cert && cert.device === link.device && cert.publicKey === key.publicKey
    && (!hubKey || !(await certificateProblem(cert, hubKey, link.village)))
  if (current || key.unsignedUpTo === null) return false
  const answer = await call(link, 'device-key', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ publicKey: key.publicKey, unsignedUpTo: key.unsignedUpTo }),
  }, f) as { hubKey?: unknown; certificate?: unknown }
  await pinHub(kv, answer, { device: link.device, village: link.village, publicKey: key.publicKey })
  return true
}

/** Fetches the village's current list of device keys (revocations included) and keeps it when the pinned hub key signed it. */
export async function refreshTrust(kv: KeyValue, link: HubLink, f: typeof fetch = globalThis.fetch.bind(globalThis)): Promise<TrustList> {
  const trust = storedTrust(kv)
  if (!trust) throw new DataError('invalid', 'this tablet does not know its hub\'s key yet: it needs to reach the hub once')
  const list = await call(link, 'trust', { method: 'GET' }, f)
  const problem = await keepList(kv, link.village, list)
  if (problem) throw new DataError('invalid', problem)
  // the hub's key moved on: this device's certificate is issued again under the new one
  if (storedTrust(kv)?.hubKey !== trust.hubKey) await registerDeviceKey(kv, link, f)
  return list as TrustList
}

/**
 * Keeps a list of the village's device keys when the pinned hub key signed it (or a newer key its
 * history leads to: the pin moves on) and it is newer than the one kept (a peer may hand on a newer
 * one); returns why not, or null.
 */
export async function keepList(kv: KeyValue, village: string, list: unknown): Promise<string | null> {
  const trust = storedTrust(kv)
  if (!trust) return 'this tablet does not know its hub\'s key yet'
  const store = new TrustStore(village, keysOf(trust))
  const problem = await store.addList(list)
  if (problem) return problem
  const l = list as TrustList
  const moved = store.hubKey !== trust.hubKey
  if (moved || !trust.list || l.issuedAt > trust.list.issuedAt) {
    kv.setItem(TRUST_KEY, JSON.stringify(withKeys({ ...trust, list: !trust.list || l.issuedAt > trust.list.issuedAt ? l : trust.list }, store.hubKeys)))
  }
  return null
}

/**
 * Keeps another tablet's certificate (a peer's, or one that came with a file) when the pinned hub
 * key issued it for `village` and the device is not known revoked; returns why not, or null. So a
 * tablet met once can be checked later, and its certificate handed on with its records.
 */
export async function keepCertificate(kv: KeyValue, village: string, cert: unknown): Promise<string | null> {
  const stored = storedTrust(kv)
  const trust = await loadTrust(kv, village)
  if (!stored || !trust) return 'this tablet does not know its hub\'s key yet'
  const problem = await trust.addCertificate(cert)
  if (problem) return problem
  const c = cert as DeviceCertificate
  if (c.device === stored.certificate?.device) return null
  const others = (stored.certificates ?? []).filter((k) => k.device !== c.device)
  kv.setItem(TRUST_KEY, JSON.stringify({ ...stored, certificates: [c, ...others].slice(0, KEPT_CERTIFICATES) } satisfies StoredTrust))
  return null
}

/** The certificates this tablet can hand on to a peer: its own and those it kept. */
export function knownCertificates(kv: KeyValue): DeviceCertificate[] {
  const stored = storedTrust(kv)
  return stored ? [...(stored.certificate ? [stored.certificate] : []), ...(stored.certificates ?? [])] : []
}

/**
 * What this tablet trusts for `village`: the pinned hub key, the kept list, its own certificate and
 * those it kept (null before the tablet has reached the hub once with a key). Add a peer's
 * certificate and list with `addCertificate` / `addList` before checking the records it sends.
 */
export async function loadTrust(kv: KeyValue, village: string): Promise<TrustStore | null> {
  const stored = storedTrust(kv)
  if (!stored) return null
  const trust = new TrustStore(village, keysOf(stored))
  if (stored.list) await trust.addList(stored.list)
  // a kept certificate of a device revoked since is refused here, as it should be
  for (const c of [stored.certificate, ...(stored.certificates ?? [])]) if (c) await trust.addCertificate(c)
  return trust
}
