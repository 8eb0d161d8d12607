import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { firstValueFrom, filter, type Observable } from 'rxjs'
import { createRepositories, openVillageDatabase, type Repositories, type VillageDb } from '@/data'
import { unresolvedDoubleVotes } from '@/domain'
import { TrustStore, createSigner, issueCertificate, issueTrustList, type DeviceCertificate, type DeviceKeyEntry, type Signer } from '@/shared/provenance'
import { newSigningKeyPair } from '@/shared/signature'

export const VILLAGE = 'qingbo'
let counter = 0

/** A "tablet": its own RxDB database (memory storage) and repositories; with `signer`, its records are signed. */
export async function openTablet(deviceId: string, opts: { name?: string; now?: () => number; signer?: Signer; village?: string } = {}) {
  const villageId = opts.village ?? VILLAGE
  const vdb = await openVillageDatabase({ villageId, storage: getRxStorageMemory(), name: opts.name ?? `t${Date.now().toString(36)}${counter++}${deviceId}` })
  const data = await createRepositories(vdb, { villageId, deviceId, actor: () => 'person:clerk', ...(opts.now ? { now: opts.now } : {}), ...(opts.signer ? { signer: opts.signer } : {}) })
  return { vdb, data, remove: () => vdb.db.remove() }
}

export type Tablet = Awaited<ReturnType<typeof openTablet>>

/** A stand-in for the hub's key in tests without a hub: it certifies test tablets' keys. */
export const TEST_HUB = createSigner(newSigningKeyPair().secretKey)

/** A tablet with a device key and a certificate from TEST_HUB. */
export async function openKeyedTablet(deviceId: string, opts: { now?: () => number; village?: string } = {}) {
  const signer = createSigner(newSigningKeyPair().secretKey)
  const certificate: DeviceCertificate = await issueCertificate(TEST_HUB, { device: deviceId, village: opts.village ?? VILLAGE, publicKey: signer.publicKey, enrolledAt: 1, unsignedUpTo: 0 }, Date.now())
  const tablet = await openTablet(deviceId, { ...opts, signer })
  return { ...tablet, device: deviceId, signer, certificate }
}

/** What a tablet trusts: TEST_HUB's key, its own certificate, and a list of the village's keys from TEST_HUB (as after a sync). */
export async function trustOf(certificate: DeviceCertificate, village: DeviceKeyEntry[] = []): Promise<TrustStore> {
  const trust = new TrustStore(certificate.village, TEST_HUB.publicKey)
  const problem = await trust.addCertificate(certificate) ?? (village.length > 0 ? await trust.addList(await issueTrustList(TEST_HUB, certificate.village, village, Date.now())) : null)
  if (problem) throw new Error(problem)
  return trust
}

/** A tablet's key as a list of the village's keys names it. */
export function keyEntry(t: { certificate: DeviceCertificate }, extra: Partial<DeviceKeyEntry> = {}): DeviceKeyEntry {
  const { format: _f, issuedAt: _i, sig: _s, ...entry } = t.certificate
  return { ...entry, ...extra }
}

/** Waits (bounded) until the observable emits a value matching `ok`. */
export function until<T>(source: Observable<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  return Promise.race([
    firstValueFrom(source.pipe(filter(ok))),
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`condition not met within ${ms} ms`)), ms)),
  ])
}

export async function eventually(check: () => Promise<boolean> | boolean, ms = 15_000, step = 100): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, step))
  }
}

export function openVote(now = Date.now()) {
  return {
    title: '2026 民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 2, budget: 20_000_000,
    candidates: [
      { id: 'project:lights', title: '路灯', cost: 8_000_000, proposalIds: [] },
      { id: 'project:path', title: '步道', cost: 9_000_000, proposalIds: [] },
      { id: 'project:water', title: '饮水', cost: 7_000_000, proposalIds: [] },
    ],
    opensAt: now - 3_600_000, closesAt: now + 3_600_000,
    roster: ['person:a', 'person:b', 'person:c'], perHousehold: false, rule: 'greedy', sealKeys: [],
  }
}
export type { VillageDb }

/** The voters (check-off ids) this tablet shows as double votes awaiting the council: the domain's one reading. */
export async function openDoubleVotes(data: Pick<Repositories, 'conflicts' | 'decisions'>): Promise<string[]> {
  return unresolvedDoubleVotes(await data.conflicts.list(), await data.decisions.list())
}
