import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { fail } from './errors.ts'
import type { AuditEvent, Time } from './model/types.ts'

/**
 * A per-device hash chain of audit events. Event n of a device carries the SHA-256 of event
 * n−1 (`prevHash`), and its own `hash` covers every other field, so changing, removing or
 * reordering an event breaks the chain at that point. Ids are `audit:<device>:<seq>`.
 * `verifyAuditChain` reports, per device, the first broken or missing link.
 */
export const GENESIS_HASH = '0'.repeat(64)

export type AuditContent = Omit<AuditEvent, 'hash'>

/** The hash of an event: SHA-256 of its fields in a fixed order (hex). */
export function auditHash(e: AuditContent): string {
  const canonical = JSON.stringify([e.id, e.device, e.seq, e.at, e.actor, e.action, e.subjectId, e.prevHash])
  return bytesToHex(sha256(utf8ToBytes(canonical)))
}

export interface AuditInput { device: string; at: Time; actor: string; action: string; subjectId: string }

/** The next event of a device's chain after `previous` (null for the first). */
export function appendAudit(previous: AuditEvent | null, input: AuditInput): AuditEvent {
  if (previous && previous.device !== input.device) fail('audit.chain', `the previous event belongs to device ${previous.device}, not ${input.device}`)
  if (!/^[A-Za-z0-9_.-]{1,60}$/.test(input.device)) fail('invalid.format', `audit.device: expected letters, digits, _ . -, got "${input.device}"`, { field: 'device' })
  if (!input.action) fail('invalid.required', 'audit.action: required', { field: 'action' })
  const seq = previous ? previous.seq + 1 : 1
  const content: AuditContent = {
    id: `audit:${input.device}:${seq}`,
    device: input.device,
    seq,
    at: input.at,
    actor: input.actor,
    action: input.action,
    subjectId: input.subjectId,
    prevHash: previous ? previous.hash : GENESIS_HASH,
  }
  return { ...content, hash: auditHash(content) }
}

export type ChainProblem = 'missing' | 'duplicate' | 'altered' | 'broken-link' | 'bad-id'
export interface ChainReport {
  device: string
  ok: boolean
  /** Events verified before the first problem. */
  verified: number
  /** The first problem, if any: at which sequence number and what. */
  firstProblem?: { seq: number; problem: ChainProblem; message: string }
}

/** Verifies every device's chain in `events` (any order, any mix of devices). */
export function verifyAuditChain(events: readonly AuditEvent[]): ChainReport[] {
  const byDevice = new Map<string, AuditEvent[]>()
  const seen = new Set<string>()
  for (const e of events) {
    const key = `${e.id}|${e.hash}`
    if (seen.has(key)) continue // the same event received twice (sync) is not a problem
    seen.add(key)
    const list = byDevice.get(e.device) ?? []
    list.push(e)
    byDevice.set(e.device, list)
  }
  return [...byDevice.keys()].sort().map((device) => verifyDevice(device, (byDevice.get(device) as AuditEvent[]).sort((a, b) => a.seq - b.seq)))
}

function verifyDevice(device: string, chain: AuditEvent[]): ChainReport {
  let prevHash = GENESIS_HASH
  const problem = (seq: number, p: ChainProblem, message: string, verified: number): ChainReport =>
    ({ device, ok: false, verified, firstProblem: { seq, problem: p, message: `device ${device}, event ${seq}: ${message}` } })
  for (let i = 0; i < chain.length; i++) {
    const e = chain[i] as AuditEvent
    const expectedSeq = i + 1
    if (e.seq > expectedSeq) return problem(expectedSeq, 'missing', `missing (next present is ${e.seq})`, i)
    if (e.seq < expectedSeq) return problem(e.seq, 'duplicate', 'appears twice with different content', i)
    if (e.id !== `audit:${device}:${e.seq}`) return problem(e.seq, 'bad-id', `id ${e.id} does not match its device and number`, i)
    if (auditHash(e) !== e.hash) return problem(e.seq, 'altered', 'its content does not match its hash (changed after it was written)', i)
    if (e.prevHash !== prevHash) return problem(e.seq, 'broken-link', 'does not follow the event before it (an event was removed, replaced or reordered)', i)
    prevHash = e.hash
  }
  return { device, ok: true, verified: chain.length }
}
