/**
 * The hub's side of record provenance (the rule itself: src/shared/provenance.ts).
 *
 * - The hub's own Ed25519 key, made once and kept in the hub-private accounts database (so every
 *   hub process in front of one CouchDB shares it). It certifies device keys, signs the village's
 *   list of device keys (revocations included) and the records the hub writes itself.
 * - `proofs(village, docs, pushedBy)`: per pushed document, what proves its writer, for the rules
 *   (validate/rules.ts): `device` — its signature: an enrolled, unrevoked device of the village wrote
 *   it as it is, so whoever brings it (another tablet of the village, a file) is accepted as its
 *   writer; `hub` — the hub's own record or refused marker coming back; `credential` — the writer
 *   must be who authenticated (as before keys): a record without a usable signature, or one its own
 *   device brings (its credential proves it; its signature is not checked here, saving a
 *   verification per record of every sync — a tablet that receives it from a peer checks it); or a
 *   refusal in plain words.
 * Unsigned records: a device's records up to its `unsignedUpTo` (written before it had a key) are
 *   taken from the device itself, for as long as it has them to send; after that seq, and from any
 *   other device, a record must be signed. A device not yet updated (no key) keeps syncing unsigned
 *   records of its own until it registers a key.
 */
import type { Engine } from '../engine'
import { ACCOUNTS_DB, type Accounts, type Device } from '../auth/accounts'
import { newSigningKeyPair } from '../../src/shared/signature'
import {
  HUB_DEVICE, LABEL_CHARS, createSigner, issueCertificate, issueTrustList, recordProvenance, refusalContent, signedContent,
  type DeviceCertificate, type DeviceKeyEntry, type Signer, type Trust, type TrustList,
} from '../../src/shared/provenance'

export type Proof = 'device' | 'hub' | 'credential' | { refusal: string }

const HUB_KEY_DOC = 'secret:hub-signing'
type Doc = Record<string, unknown>

async function loadHubKey(engine: Engine): Promise<string> {
  const db = engine.db(ACCOUNTS_DB)
  for (let attempt = 0; attempt < 3; attempt++) {
    const stored = await db.get(HUB_KEY_DOC).catch(() => null) as { secretKey?: string } | null
    if (stored?.secretKey) return stored.secretKey
    // two hub processes starting together: one write wins, the other reads it back
    await db.put({ _id: HUB_KEY_DOC, secretKey: newSigningKeyPair().secretKey } as never).catch(() => undefined)
  }
  throw new Error('could not load or create the hub\'s signing key')
}

export class Provenance {
  private constructor(private readonly accounts: Accounts, readonly hub: Signer) {}

  static async load(engine: Engine, accounts: Accounts): Promise<Provenance> {
    return new Provenance(accounts, createSigner(await loadHubKey(engine)))
  }

  get hubKey(): string { return this.hub.publicKey }

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

  certificate(d: Device): Promise<DeviceCertificate> {
    const e = this.entry(d)
    if (!e) throw new Error(`device ${d.id} has no key`)
    const { revokedAt: _r, ...entry } = e
    return issueCertificate(this.hub, entry, Date.now())
  }

  /** The village's device keys, revoked ones included, signed now. */
  trustList(village: string): Promise<TrustList> {
    const entries = [...this.accounts.devices.values()].filter((d) => d.village === village).map((d) => this.entry(d)).filter((e): e is DeviceKeyEntry => e !== null)
    return issueTrustList(this.hub, village, entries, Date.now())
  }

  private trust(village: string): Trust {
    return {
      village, hubKey: this.hubKey,
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
    return p.ok ? p.by : { refusal: p.reason }
  }

  private unsigned(doc: Doc, village: string): Proof {
    const d = this.accounts.devices.get(String(doc.device))
    if (d?.publicKey && d.village === village && typeof doc.seq === 'number' && doc.seq > (d.unsignedUpTo ?? 0)) {
      return { refusal: `device ${d.id} signs its records since it registered its key, but this one (seq ${doc.seq}) is not signed` }
    }
    return 'credential'
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
