/**
 * The hub's side of record provenance (the rule itself: src/shared/provenance.ts).
 *
 * - The hub's own Ed25519 key, made once and kept in the hub-private accounts database (so every
 *   hub process in front of one CouchDB shares it). It certifies device keys, signs the village's
 *   list of device keys (revocations included) and the records the hub writes itself. It can be
 *   rotated (`rotate`, the admin's `rotate-key`): the old key signs the succession, kept with the
 *   key history in the same document; every hub process on the database follows the change
 *   (src/shared/hubkeys.ts has the rule tablets follow).
 * - `proofs(village, docs, pushedBy)`: per pushed document, what proves its writer, for the rules
 *   (validate/rules.ts): `device` — its signature: an enrolled, unrevoked device of the village wrote
 *   it as it is, so whoever brings it (another tablet of the village, a file) is accepted as its
 *   writer; `hub` — the hub's own record or refused marker coming back; `credential` — the writer
 *   must be who authenticated (as before keys): a record without a usable signature, or one its own
 *   device brings (its credential proves it; its signature is not checked here, saving a
 *   verification per record of every sync — a tablet that receives it from a peer checks it); or a
 *   refusal with its code (src/shared/refusal.ts).
 * Unsigned records: a device's records up to its `unsignedUpTo` (written before it had a key) are
 *   taken from the device itself, for as long as it has them to send; after that seq, and from any
 *   other device, a record must be signed. A device not yet updated (no key) keeps syncing unsigned
 *   records of its own until it registers a key.
 */
import type { Engine } from '../engine'
import { ACCOUNTS_DB, type Accounts, type Device, type Principal } from '../auth/accounts'
import { mayUse } from '../auth/access'
import { newSigningKeyPair } from '../../src/shared/signature'
import { MAX_CHAIN, signSuccession, type HubKeys, type KeySuccession } from '../../src/shared/hubkeys'
import { clerkKeyStatement, type ClerkKeyCertificate } from '../../src/shared/personacts'
import {
  HUB_DEVICE, LABEL_CHARS, createSigner, issueCertificate, issueTrustList, recordProvenance, refusalContent, signedContent,
  type DeviceCertificate, type DeviceKeyEntry, type Signer, type Trust, type TrustList,
} from '../../src/shared/provenance'
import { refusal, type Refusal } from '../../src/shared/refusal'

export type Proof = 'device' | 'hub' | 'credential' | { refusal: Refusal }

const HUB_KEY_DOC = 'secret:hub-signing'
type Doc = Record<string, unknown>
/** The current secret key and the successions that led to it (oldest first; none before a rotation). */
interface HubKeyDoc { _rev?: string; secretKey: string; chain?: KeySuccession[] }

async function loadHubKey(engine: Engine): Promise<HubKeyDoc> {
  const db = engine.db(ACCOUNTS_DB)
  for (let attempt = 0; attempt < 3; attempt++) {
    const stored = await db.get(HUB_KEY_DOC).catch(() => null) as HubKeyDoc | null
    if (stored?.secretKey) return stored
    // two hub processes starting together: one write wins, the other reads it back
    await db.put({ _id: HUB_KEY_DOC, secretKey: newSigningKeyPair().secretKey } as never).catch(() => undefined)
  }
  throw new Error('could not load or create the hub\'s signing key')
}

export class RotationError extends Error {
  constructor(readonly status: number, message: string) { super(message) }
}

export class Provenance {
  private signer!: Signer
  private chain: KeySuccession[] = []
  private unfollow: (() => void) | null = null

  private constructor(private readonly engine: Engine, private readonly accounts: Accounts, doc: HubKeyDoc) { this.take(doc) }

  static async load(engine: Engine, accounts: Accounts): Promise<Provenance> {
    const p = new Provenance(engine, accounts, await loadHubKey(engine))
    // another hub process on the same CouchDB may rotate the key: follow it as it commits
    if (!engine.soleWriter) {
      p.unfollow = engine.onChange(ACCOUNTS_DB, (id) => { if (id === HUB_KEY_DOC || id === null) void p.reload().catch(() => undefined) })
      await p.reload() // a rotation committed between the first read and the follow
    }
    return p
  }

  /** Stops following the accounts database (the hub is closing). */
  close(): void { this.unfollow?.() }

  private take(doc: HubKeyDoc): void {
    const chain = doc.chain ?? []
    // never back to an older key (a change read out of order)
    if (this.signer && chain.length < this.chain.length) return
    this.signer = createSigner(doc.secretKey)
    this.chain = chain
  }

  private async reload(): Promise<void> {
    const doc = await this.engine.db(ACCOUNTS_DB).get(HUB_KEY_DOC).catch(() => null) as HubKeyDoc | null
    if (doc?.secretKey) this.take(doc)
  }

  /** The key the hub signs with now. */
  get hub(): Signer { return this.signer }
  get hubKey(): string { return this.signer.publicKey }
  /** The successions from the hub's first key to this one (what tablets follow). */
  get history(): KeySuccession[] { return this.chain }
  /** The current key and the retired ones, each good for what it signed before its succession. */
  get keys(): HubKeys { return { current: this.hubKey, retired: this.chain.map((s) => ({ key: s.previous, until: s.from })) } }

  /**
   * Replaces the hub's key: a new one, announced by a succession the current key signs, kept with
   * the history in the accounts database against its stored revision (two rotations at once: one
   * wins, the other is refused). Every hub process on that database moves to the new key.
   */
  async rotate(now = Date.now()): Promise<KeySuccession> {
    const db = this.engine.db(ACCOUNTS_DB)
    const stored = await db.get(HUB_KEY_DOC)
    if (typeof stored.secretKey !== 'string' || (stored.chain !== undefined && !Array.isArray(stored.chain))) throw new RotationError(500, 'the hub key record is damaged: restore the accounts database from a backup')
    const doc: HubKeyDoc = { _rev: stored._rev, secretKey: stored.secretKey, ...(Array.isArray(stored.chain) ? { chain: stored.chain as KeySuccession[] } : {}) }
    const chain = doc.chain ?? []
    if (chain.length >= MAX_CHAIN) throw new RotationError(409, `the hub's key has been rotated ${MAX_CHAIN} times, as many as tablets follow: enroll the tablets again with a new hub`)
    const next = newSigningKeyPair()
    const previous = createSigner(doc.secretKey)
    const succession = await signSuccession(previous, chain.length + 2, next.publicKey, Math.max(now, chain[chain.length - 1]?.from ?? 0))
    const updated: HubKeyDoc = { secretKey: next.secretKey, chain: [...chain, succession] }
    try {
      await db.put({ ...updated, _id: HUB_KEY_DOC, _rev: doc._rev } as never)
    } catch (e) {
      if ((e as { status?: number }).status === 409) throw new RotationError(409, 'the hub\'s key was rotated by another hub at the same moment: nothing done here')
      throw e
    }
    this.take(updated)
    return succession
  }

  /** A device's key as the hub certifies it (null before it has one). */
  entry(d: Device): DeviceKeyEntry | null {
    if (!d.publicKey) return null
    return {
      device: d.id, village: d.village, publicKey: d.publicKey, enrolledAt: d.createdAt, unsignedUpTo: d.unsignedUpTo ?? 0,
      // the name given at enrollment (a device enrolled without one was given its id: no name then)
      ...(d.label && d.label !== d.id ? { label: d.label.slice(0, LABEL_CHARS) } : {}),
      ...(d.revoked ? { revokedAt: d.revokedAt ?? d.createdAt } : {}),
    }
  }

  /**
   * Before a certificate or a list (what tablets keep and hand on): the key as stored, not as this
   * process last heard of it — a rotation another hub committed a moment ago is not missed.
   */
  private async latest(): Promise<void> {
    if (!this.engine.soleWriter) await this.reload()
  }

  async certificate(d: Device): Promise<DeviceCertificate> {
    const e = this.entry(d)
    if (!e) throw new Error(`device ${d.id} has no key`)
    const { revokedAt: _r, ...entry } = e
    await this.latest()
    return issueCertificate(this.hub, entry, Date.now())
  }

  /** The hub's certificate of a clerk's person key (src/shared/personacts.ts `clerkKeyStatement`), signed now; `by`: the account that asked. */
  async certifyClerkKey(village: string, key: { personId: string; publicKey: string }, by: string): Promise<ClerkKeyCertificate> {
    await this.latest()
    const cert = { issuedAt: Date.now(), by }
    return { ...cert, sig: await this.hub.sign(clerkKeyStatement(village, key, cert)) }
  }

  /** The village's device keys, revoked ones included, signed now. */
  async trustList(village: string): Promise<TrustList> {
    await this.latest()
    const entries = [...this.accounts.devices.values()].filter((d) => d.village === village).map((d) => this.entry(d)).filter((e): e is DeviceKeyEntry => e !== null)
    return issueTrustList(this.hub, village, entries, Date.now(), this.chain)
  }

  private trust(village: string): Trust {
    return {
      village, hubKey: this.hubKey, retired: this.keys.retired,
      devices: { get: (id) => { const d = this.accounts.devices.get(id); return d ? this.entry(d) ?? undefined : undefined } },
    }
  }

  /** What proves each document's writer (see the file comment), in the order given; `pushedBy`: who authenticated. */
  async proofs(village: string, docs: readonly Doc[], pushedBy: string): Promise<Proof[]> {
    const trust = this.trust(village)
    const out: Proof[] = []
    // one at a time: WebCrypto's thread pool made a parallel batch slower on this hub
    for (const doc of docs) out.push(await this.proof(doc, trust, pushedBy))
    return out
  }

  private async proof(doc: Doc, trust: Trust, pushedBy: string): Promise<Proof> {
    const refused = doc.refused as { sig?: unknown } | undefined
    if (refused !== undefined && (typeof refused !== 'object' || refused === null || refused.sig === undefined)) return 'credential'
    if (refused === undefined && doc.sig === undefined) return this.unsigned(doc, trust.village)
    if (refused === undefined && doc.device === pushedBy) return 'credential'
    const device = this.accounts.devices.get(String(doc.device))
    // signed before its key reached the hub: nothing to check it with yet
    if (refused === undefined && doc.device !== HUB_DEVICE && device && device.village === trust.village && !device.publicKey) return 'credential'
    const p = await recordProvenance(doc, trust)
    return p.ok ? p.by : { refusal: refusal(p.code, p.reason, p.params) }
  }

  private unsigned(doc: Doc, village: string): Proof {
    const d = this.accounts.devices.get(String(doc.device))
    if (d?.publicKey && d.village === village && typeof doc.seq === 'number' && doc.seq > (d.unsignedUpTo ?? 0)) {
      return { refusal: refusal('proof.unsigned-after-key', `device ${d.id} signs its records since it registered its key, but this one (seq ${doc.seq}) is not signed`, { device: d.id }) }
    }
    return 'credential'
  }

  /**
   * Who `name` is now, if they may still write to `db` (null when the account is gone or disabled, the
   * tablet revoked, or the database no longer theirs): what the hub asks before it judges again a record
   * they pushed earlier (couch/push.ts `retake`).
   */
  writer(name: string, db: string): Principal | null {
    const p = this.accounts.principal(name)
    return p && p.kind !== 'admin' && mayUse(this.accounts, p, db) ? p : null
  }

  /** Signs the hub's own records (device 'hub') and refused markers before they are written. */
  async signHubDocs(docs: Doc[]): Promise<void> {
    for (const doc of docs) {
      const refused = doc.refused as Record<string, unknown> | undefined
      if (refused && typeof refused === 'object') {
        const { sig: _s, ...plain } = refused
        doc.refused = { ...plain, sig: await this.hub.sign(refusalContent({ ...doc, refused: plain })) }
      } else if (doc.device === HUB_DEVICE) {
        doc.sig = await this.hub.sign(signedContent(doc))
      }
    }
  }
}
