/**
 * Verifies the per-device audit chains as src/data's Writer writes them (writer.ts):
 * event n of a device is `audit:<device>-<n>`, its body carries `prevHash` = the hash of event
 * n−1 ('' for the first) and `hash` = sha-256 of its canonical JSON without `hash`.
 * Reported in the domain's `ChainReport` shape. (The domain's `verifyAuditChain` checks the
 * `audit:<device>:<seq>` chains of `appendAudit`, a different encoding; when the Writer adopts it,
 * the supervision store can call the domain directly.)
 */
import type { ChainProblem, ChainReport } from '@/domain'
import { canonicalJson, sha256Hex } from '../hash'
import type { AuditDoc, Stored } from '../repositories'

type AuditRecord = Stored<AuditDoc> & { prevHash: string; hash: string; digest?: string }

export function verifyAuditDocs(docs: readonly AuditRecord[]): ChainReport[] {
  const byDevice = new Map<string, AuditRecord[]>()
  for (const d of docs) byDevice.set(d.device, [...(byDevice.get(d.device) ?? []), d])
  return [...byDevice.keys()].sort().map((device) => verifyDevice(device, (byDevice.get(device) ?? []).sort((a, b) => a.seq - b.seq)))
}

function verifyDevice(device: string, chain: AuditRecord[]): ChainReport {
  const problem = (seq: number, p: ChainProblem, message: string, verified: number): ChainReport =>
    ({ device, ok: false, verified, firstProblem: { seq, problem: p, message: `device ${device}, event ${seq}: ${message}` } })
  let prevHash = ''
  for (let i = 0; i < chain.length; i++) {
    const e = chain[i] as AuditRecord
    const expected = i + 1
    if (e.seq > expected) return problem(expected, 'missing', `missing (next present is ${e.seq})`, i)
    if (e.seq < expected) return problem(e.seq, 'duplicate', 'appears twice', i)
    if (e.id !== `audit:${device}-${e.seq}`) return problem(e.seq, 'bad-id', `id ${e.id} does not match its device and number`, i)
    const { hash, id: _id, villageId: _v, meta: _m, ...event } = e as unknown as Record<string, unknown>
    if (sha256Hex(canonicalJson(event)) !== hash) return problem(e.seq, 'altered', 'its content does not match its hash (changed after it was written)', i)
    if (e.prevHash !== prevHash) return problem(e.seq, 'broken-link', 'does not follow the event before it (an event was removed, replaced or reordered)', i)
    prevHash = e.hash
  }
  return { device, ok: true, verified: chain.length }
}
