/**
 * The names the village's tablets were given at enrollment, as the hub certified them: in the list
 * of device keys, in this tablet's certificate and in the certificates of tablets met since (by a
 * pairing or a file). Only a hub-signed name counts, so a tablet cannot pass for another by name.
 */
import type { KeyValue } from './identity'
import type { VillageDb } from './db'
import { loadTrust } from './devicekeys'
import { PEER_CERTIFICATES_KEY } from './peer/deviceTrust'

/** device id → its certified name (tablets enrolled without a name are left out). */
export async function deviceNames(kv: KeyValue, vdb: VillageDb): Promise<Map<string, string>> {
  const names = new Map<string, string>()
  const trust = await loadTrust(kv, vdb.villageId)
  if (!trust) return names
  const met = (await vdb.db.getLocal<{ certificates: unknown[] }>(PEER_CERTIFICATES_KEY))?.get('certificates') ?? []
  for (const c of met) await trust.addCertificate(c)
  for (const [device, entry] of trust.devices) if (entry.label && entry.label !== device) names.set(device, entry.label)
  return names
}
