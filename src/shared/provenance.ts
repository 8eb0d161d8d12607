/**
 * Where a record came from, checked offline: the one rule the hub and every tablet apply to a
 * record that reaches them through someone other than its writer (another tablet, a file).
 *
 * - Every record a tablet writes carries `sig`: its device key's Ed25519 signature over the
 *   canonical JSON of the envelope's content fields (`signedContent`: everything but `sig` and the
 *   hub's `refused` marker). The audit event of a write is a record too, so it is signed as well.
 * - The hub has its own key. It certifies each device's public key (`DeviceCertificate`) and lists
 *   the village's device keys with their revocations (`TrustList`), both signed by it; a tablet
 *   keeps the hub's key from its enrollment and checks certificates and lists against it. The key
 *   can be rotated: a list carries the hub's key history, which a tablet follows (hubkeys.ts).
 * - Records written by the hub (device 'hub', e.g. rejection notices) carry the hub's signature,
 *   and a refused marker carries the hub's signature in `refused.sig`.
 * - `recordProvenance(doc, trust)` says whether an enrolled, unrevoked device of the village wrote
 *   the record as it is (or the hub did); when not, a refusal with its code (refusal.ts).
 * Every signature is domain-separated by its content: records have envelope fields, certificates,
 * lists and challenges a `format` or `purpose` field no record has, so one can never pass for another.
 * Signing and verifying: ed25519.ts.
 */
import { createSigner, verifySigned, useWebCryptoEd25519, type Signer } from './ed25519'
import { asHubKeys, followChain, hubSigned, keysAt, type HubKeys, type KeySuccession, type RetiredKey } from './hubkeys'
import { refusal, type Refusal } from './refusal'

export { createSigner, verifySigned, useWebCryptoEd25519, type Signer }

/** The envelope fields a device signature covers. */
export const SIGNED_FIELDS = ['id', 'kind', 'v', 'village', 'year', 'author', 'device', 'deviceTime', 'seq', 'ref', 'body'] as const

/** The device that writes the hub's own records. */
export const HUB_DEVICE = 'hub'

type AnyDoc = Record<string, unknown>

/** What a device signs of a record (RxDB form `id` or CouchDB form `_id`). */
export function signedContent(record: object): AnyDoc {
  const doc = record as AnyDoc
  const out: AnyDoc = {}
  for (const k of SIGNED_FIELDS) out[k] = doc[k]
  if (out.id === undefined) out.id = doc._id
  return out
}

/** What the hub signs of a refused marker: the record's content and the refusal (without its signature). */
export function refusalContent(doc: object): AnyDoc {
  const r = ((doc as AnyDoc).refused ?? {}) as { reason?: unknown; at?: unknown }
  return { ...signedContent(doc), refused: { reason: r.reason, at: r.at } }
}


// ------------------------------------------------------------------ certificates and trust lists

/** One device's key as the hub certifies it. */
export interface DeviceKeyEntry {
  device: string
  village: string
  /** base64url Ed25519 public key */
  publicKey: string
  enrolledAt: number
  /** this device's records up to this seq were written before it had a key (unsigned, they come only from it or the hub) */
  unsignedUpTo: number
  /** set once the device is revoked: its certificate is no longer honoured, nor records it did not bring itself */
  revokedAt?: number
  /** the tablet's name given at enrollment (signed with the rest, so a tablet cannot pass for another by name) */
  label?: string
}

/** The longest tablet name the hub keeps and certifies. */
export const LABEL_CHARS = 80

export const CERT_FORMAT = 'yishi-cert/1'
export const TRUST_FORMAT = 'yishi-trust/1'

/** The hub's signature over one device's key: what a tablet shows a peer to prove it is enrolled. */
export interface DeviceCertificate extends Omit<DeviceKeyEntry, 'revokedAt'> { format: typeof CERT_FORMAT; issuedAt: number; sig: string }

/** The hub's signed list of a village's device keys, revoked ones included, with the hub's key history once it has rotated. */
export interface TrustList { format: typeof TRUST_FORMAT; village: string; hubKey: string; issuedAt: number; devices: DeviceKeyEntry[]; chain?: KeySuccession[]; sig: string }

export async function issueCertificate(hub: Signer, entry: Omit<DeviceKeyEntry, 'revokedAt'>, issuedAt: number): Promise<DeviceCertificate> {
  const { device, village, publicKey, enrolledAt, unsignedUpTo, label } = entry
  const unsigned = { format: CERT_FORMAT, device, village, publicKey, enrolledAt, unsignedUpTo, ...(label ? { label } : {}), issuedAt }
  return { ...unsigned, sig: await hub.sign(unsigned) } as DeviceCertificate
}

export async function issueTrustList(hub: Signer, village: string, devices: DeviceKeyEntry[], issuedAt: number, chain: readonly KeySuccession[] = []): Promise<TrustList> {
  const entries = devices.map((d) => ({ ...d })).sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0))
  const unsigned = { format: TRUST_FORMAT, village, hubKey: hub.publicKey, issuedAt, devices: entries, ...(chain.length ? { chain: [...chain] } : {}) }
  return { ...unsigned, sig: await hub.sign(unsigned) } as TrustList
}

const KEY_TEXT = /^[A-Za-z0-9_-]{43}$/
const isEntry = (d: unknown): d is DeviceKeyEntry => {
  const e = d as DeviceKeyEntry
  return typeof e === 'object' && e !== null && typeof e.device === 'string' && typeof e.village === 'string' && typeof e.publicKey === 'string'
    && KEY_TEXT.test(e.publicKey) && Number.isSafeInteger(e.enrolledAt) && Number.isSafeInteger(e.unsignedUpTo)
    && (e.revokedAt === undefined || Number.isSafeInteger(e.revokedAt))
    && (e.label === undefined || (typeof e.label === 'string' && e.label.length <= LABEL_CHARS))
}

/** Why a certificate cannot be trusted for `village` under the hub's keys (a retired key: only when issued before it retired), or null. */
export async function certificateProblem(cert: unknown, hubKeys: string | HubKeys, village: string): Promise<string | null> {
  const c = cert as DeviceCertificate
  if (typeof c !== 'object' || c === null || c.format !== CERT_FORMAT || !isEntry(c)) return 'this is not a device certificate'
  const { sig, ...unsigned } = c
  if (!(await hubSigned(asHubKeys(hubKeys), unsigned, sig, c.issuedAt))) return `the certificate of device ${c.device} was not issued by this village's hub`
  if (c.village !== village) return `device ${c.device} is enrolled in another village (${c.village})`
  return null
}

/** Why a trust list cannot be used for `village` under the hub's keys (a retired key: only for a list issued before it retired), or null. */
export async function trustListProblem(list: unknown, hubKeys: string | HubKeys, village: string): Promise<string | null> {
  const l = list as TrustList
  if (typeof l !== 'object' || l === null || l.format !== TRUST_FORMAT || !Array.isArray(l.devices) || !l.devices.every(isEntry)) return 'this is not a list of device keys'
  const { sig, ...unsigned } = l
  const keys = asHubKeys(hubKeys)
  if (typeof l.hubKey !== 'string' || !(await verifySigned(unsigned, sig, l.hubKey))) return 'the list of device keys was not issued by this village\'s hub'
  if (!keysAt(keys, l.issuedAt).includes(l.hubKey)) {
    return keys.retired.some((r) => r.key === l.hubKey)
      ? 'the list of device keys is signed with the hub\'s retired key, after the hub moved to its new key'
      : 'the list of device keys was not issued by this village\'s hub'
  }
  if (l.village !== village || l.devices.some((d) => d.village !== village)) return 'the list of device keys belongs to another village'
  return null
}

/** What a tablet (or the hub) knows to check records of one village: the hub's key (and those it retired) and the device keys. */
export interface Trust {
  village: string
  hubKey: string
  retired?: readonly RetiredKey[]
  devices: { get(device: string): DeviceKeyEntry | undefined }
}

/** A tablet's trust, grown from certificates and lists it has checked (the hub's view is built from its accounts). */
export class TrustStore implements Trust {
  readonly devices = new Map<string, DeviceKeyEntry>()
  /** the newest trust list taken in (to hand on to a peer) */
  list: TrustList | null = null
  private keys: HubKeys

  constructor(readonly village: string, hubKeys: string | HubKeys) { this.keys = asHubKeys(hubKeys) }

  get hubKey(): string { return this.keys.current }
  get retired(): readonly RetiredKey[] { return this.keys.retired }
  get hubKeys(): HubKeys { return this.keys }

  /** Moves on to the hub's newer key when `chain` leads there from the current one; returns why not, or null. */
  async follow(chain: unknown): Promise<string | null> {
    const r = await followChain(this.keys, chain)
    if (!r.ok) return r.reason
    this.keys = r.keys
    return null
  }

  private take(entry: DeviceKeyEntry): string | null {
    const known = this.devices.get(entry.device)
    if (known && known.publicKey !== entry.publicKey) return `two different keys are certified for device ${entry.device}`
    // a revocation is never undone; a name, once certified, stays (an older list may not carry it)
    const revokedAt = known?.revokedAt ?? entry.revokedAt
    const label = entry.label ?? known?.label
    this.devices.set(entry.device, { ...entry, ...(revokedAt !== undefined ? { revokedAt } : {}), ...(label !== undefined ? { label } : {}) })
    return null
  }

  /** Takes in a hub-signed list (revocations included); returns why not, or null. */
  async addList(list: unknown): Promise<string | null> {
    const l0 = list as Partial<TrustList> | null
    // signed by a key this tablet does not know yet: only through the history the list carries
    if (l0 && typeof l0 === 'object' && l0.hubKey !== this.hubKey && l0.chain !== undefined) {
      const p = await this.follow(l0.chain)
      if (p) return p
    }
    const problem = await trustListProblem(list, this.keys, this.village)
    if (problem) return problem
    const l = list as TrustList
    for (const d of l.devices) {
      const p = this.take(d)
      if (p) return p
    }
    if (!this.list || l.issuedAt > this.list.issuedAt) this.list = l
    return null
  }

  /** Takes in a device's certificate (a peer shows its own); refused when the device is known revoked. */
  async addCertificate(cert: unknown): Promise<string | null> {
    const problem = await certificateProblem(cert, this.keys, this.village)
    if (problem) return problem
    const { format: _f, issuedAt: _i, sig: _s, ...entry } = cert as DeviceCertificate
    if (this.devices.get(entry.device)?.revokedAt !== undefined) return `device ${entry.device} has been revoked by the hub`
    return this.take(entry)
  }
}

// ------------------------------------------------------------------ records

const hubKeysOf = (trust: Trust): HubKeys => ({ current: trust.hubKey, retired: trust.retired ?? [] })

export type Provenance =
  | { ok: true; by: 'device' | 'hub' }
  | ({ ok: false; unsigned?: true } & Refusal)

const no = (...r: Parameters<typeof refusal>): { ok: false } & Refusal => ({ ok: false, ...refusal(...r) })

/**
 * Whether `doc` is, unaltered, what an enrolled and unrevoked device of `trust.village` wrote —
 * or what the hub wrote or marked refused. Checks the signature only: the schema, the village of
 * the database and the domain's rules are checked apart (validateDocument, the hub's rules).
 */
export async function recordProvenance(record: object, trust: Trust): Promise<Provenance> {
  const doc = record as AnyDoc
  const id = String(doc.id ?? doc._id ?? '')
  const device = String(doc.device ?? '')
  if (doc.refused !== undefined) {
    const sig = (doc.refused as { sig?: unknown } | null)?.sig
    // a marker from before the hub signed them: not suspect, but nothing here can check it
    if (sig === undefined) return { unsigned: true, ...no('proof.unsigned-marker', `${id} is marked as refused without the hub's signature (an older marker): it can come only from the hub`, { device }) }
    return await hubSigned(hubKeysOf(trust), refusalContent(doc), sig, (doc.refused as { at?: unknown }).at)
      ? { ok: true, by: 'hub' }
      : no('proof.forged-marker', `${id} is marked as refused, but not by the hub`, { device })
  }
  if (doc.village !== trust.village) return no('record.other-village', `${id} belongs to village "${String(doc.village)}", not "${trust.village}"`, { village: String(doc.village), device })
  if (doc.sig === undefined) return { unsigned: true, ...no('proof.unsigned', `${id} is not signed by its device: it can come only from device ${device} itself or from the hub`, { device }) }
  if (device === HUB_DEVICE) {
    return await hubSigned(hubKeysOf(trust), signedContent(doc), doc.sig, doc.deviceTime)
      ? { ok: true, by: 'hub' }
      : no('proof.forged-hub', `${id} claims to come from the hub, but the hub did not sign it`)
  }
  const entry = trust.devices.get(device)
  if (!entry || entry.village !== trust.village) return no('proof.unknown-device', `${id} was written by device ${device}, which is not known as an enrolled device of this village`, { device })
  if (entry.revokedAt !== undefined) return no('proof.revoked', `${id} was written by device ${device}, which the hub has revoked`, { device, at: entry.revokedAt })
  if (!(await verifySigned(signedContent(doc), doc.sig, entry.publicKey))) {
    return no('proof.altered', `${id} does not match the signature of device ${device}: it was altered on the way, or not written by that device`, { device })
  }
  return { ok: true, by: 'device' }
}

// ------------------------------------------------------------------ peer challenges

export const CHALLENGE_PURPOSE = 'yishi-peer-challenge/1'

/**
 * A device's answer to a peer's challenge: its signature over `{ purpose, challenge }`, so what it
 * signs can never pass for a record, a certificate or a list. `challenge` is what the two tablets
 * agree binds the proof to their channel (the peer's nonce and the DTLS fingerprints, for example).
 */
export function signChallenge(signer: Signer, challenge: unknown): Promise<string> {
  return signer.sign({ purpose: CHALLENGE_PURPOSE, challenge })
}

/** True when `signature` answers `challenge` with the key of the (already checked) certificate's device. */
export function verifyChallenge(cert: Pick<DeviceCertificate, 'publicKey'>, challenge: unknown, signature: unknown): Promise<boolean> {
  return verifySigned({ purpose: CHALLENGE_PURPOSE, challenge }, signature, cert.publicKey)
}
