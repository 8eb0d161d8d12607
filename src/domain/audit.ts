import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { fail } from './errors.ts'
import type { AuditEvent, Time } from './model/types.ts'

/**
 * The audit chain — the one definition shared by the tablet's writer (src/data/writer.ts), the
 * supervision screen and the hub (sync-server/validate). Each device keeps its own chain:
 *
 * - event n of device d is stored as the document `audit:<d>-<n>`, its body being the event
 *   without `id`: `{ device, seq: n, at, actor, action, subjectId, digest, prevHash, hash }`;
 * - `digest` = SHA-256 of the canonical JSON of the record version the event is about (`recordDigest`);
 * - `prevHash` = `hash` of event n−1, or `AUDIT_GENESIS` ('') for event 1;
 * - `hash` = SHA-256 (lower-case hex) of the canonical JSON of exactly the eight fields
 *   device, seq, at, actor, action, subjectId, digest, prevHash (`auditHash`) — nothing else,
 *   so bookkeeping a store adds to a record (id, rev, meta) does not count.
 * Canonical JSON (`canonicalJson`): JSON with object keys sorted at every level and undefined
 * members left out, so the same content always hashes the same on a tablet and on the hub.
 *
 * Changing an event breaks its own hash; rewriting it with a fresh hash breaks the link from the
 * next event; removing events leaves a gap in the numbers. `verifyAuditChain` reports all of these
 * in plain words, per device; given the records, it also names a record that matches none of the
 * versions its device recorded, or that no event of its device mentions. What a chain alone cannot
 * show: its newest events cut off (compare `head` with an earlier report or the hub's copy), a
 * whole tail rewritten by someone holding the tablet, or a record put back to an earlier version
 * its own device recorded.
 */
export const AUDIT_GENESIS = ''

/** JSON with object keys sorted at every level (undefined members dropped): the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

/** SHA-256 of a string (UTF-8) or bytes, lower-case hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data))
}

/** The id of event `seq` of `device`. */
export function auditId(device: string, seq: number): string {
  return `audit:${device}-${seq}`
}

/** The digest an event carries of the record version it is about. */
export function recordDigest(record: unknown): string {
  return sha256Hex(canonicalJson(record))
}

/** What an event's hash covers. */
export type AuditContent = Pick<AuditEvent, 'device' | 'seq' | 'at' | 'actor' | 'action' | 'subjectId' | 'digest' | 'prevHash'>

/** The fields an event's hash covers, in canonical (sorted) order. */
const COVERED = ['action', 'actor', 'at', 'device', 'digest', 'prevHash', 'seq', 'subjectId'] as const

/**
 * The hash of an event: SHA-256 of the canonical JSON of its covered fields (any other field is
 * ignored). Written out key by key in sorted order — the same text as `canonicalJson` of an object
 * holding just those fields, without building and sorting one on every write.
 */
export function auditHash(e: AuditContent): string {
  let out = ''
  for (const k of COVERED) {
    const v = e[k]
    if (v !== undefined) out += `${out ? ',' : ''}"${k}":${canonicalJson(v)}`
  }
  return sha256Hex(`{${out}}`)
}

/** Where a device's chain stands: its last event's number and hash (seq 0, hash '' before the first). */
export interface ChainHead { seq: number; hash: string; device?: string }

export interface AuditInput { device: string; at: Time; actor: string; action: string; subjectId: string; digest: string }

const DEVICE = /^[A-Za-z0-9_.:-]{1,110}$/

/** The next event of a device's chain after `head` (null or seq 0 for the first). */
export function appendAudit(head: ChainHead | null, input: AuditInput): AuditEvent {
  if (head?.device !== undefined && head.device !== input.device) fail('audit.chain', `the previous event belongs to device ${head.device}, not ${input.device}`)
  if (!DEVICE.test(input.device)) fail('invalid.format', `audit.device: expected letters, digits, _ . : -, got "${input.device}"`, { field: 'device' })
  if (!input.action) fail('invalid.required', 'audit.action: required', { field: 'action' })
  const seq = (head?.seq ?? 0) + 1
  const content: AuditContent = {
    device: input.device, seq, at: input.at, actor: input.actor, action: input.action, subjectId: input.subjectId,
    digest: input.digest, prevHash: head && head.seq > 0 ? head.hash : AUDIT_GENESIS,
  }
  return { id: auditId(input.device, seq), ...content, hash: auditHash(content) }
}

/**
 * Why one stored audit event cannot be genuine on its own (the hub's check of a pushed event),
 * or null: its id must name its device and number, its device must be the writing device, and
 * its hash must match its content.
 */
export function auditEventRefusal(e: AuditEvent, writtenBy: string): string | null {
  if (e.device !== writtenBy) return `audit event of device "${e.device}" written by device "${writtenBy}"`
  if (e.id !== auditId(e.device, e.seq)) return `audit event ${e.id} does not match its device and number (expected ${auditId(e.device, e.seq)})`
  if (auditHash(e) !== e.hash) return `audit event ${e.seq} of device ${e.device}: hash does not match its content`
  return null
}

export type ChainProblem = 'missing' | 'duplicate' | 'altered' | 'broken-link' | 'bad-id' | 'record-altered' | 'unaudited'
export interface ChainIssue {
  problem: ChainProblem
  /** The event numbers concerned (from = to for one event; for a record: its device's latest event about it, 0 when none). */
  from: number
  to: number
  /** For a record's problem: the record, and its title or name as it reads now (for people, who are never shown an id). */
  recordId?: string
  recordTitle?: string
  /** Plain words, e.g. "event 37 altered: hash does not match", "events 12–14 missing". */
  message: string
}
export interface ChainReport {
  device: string
  ok: boolean
  /** Distinct events present. */
  events: number
  /** Events checked in order before the first problem. */
  verified: number
  /** The first event present when earlier ones are archived elsewhere (`partial`), else 1. */
  startsAt: number
  /** The last event present, to anchor a later check. */
  head: ChainHead | null
  /** Records of this device checked against its events (when records were given). */
  records: number
  /** Every problem, in chain order. */
  problems: ChainIssue[]
  /** The first problem (same as problems[0]). */
  firstProblem?: { seq: number; problem: ChainProblem; message: string }
  /** One line in plain words: "device tab-1: 1,204 events, chain intact". */
  summary: string
}

export interface VerifyOptions {
  /** Per device, the last event known from elsewhere (an archive): a chain may start right after it. */
  anchors?: Readonly<Record<string, ChainHead>>
  /** Earlier events may be archived off this copy: a chain that starts after event 1 is not a problem. */
  partial?: boolean
  /**
   * The records this copy holds, as stored envelopes (`{ id, kind, v, village, year, author, device,
   * deviceTime, seq, ref, body }`, no storage bookkeeping). Each version must be one its writing device
   * recorded: an event of that device about that record carries its digest. Audit events, the hub's
   * own records (device 'hub') and refused markers are not checked.
   */
  records?: readonly AuditedRecord[]
}

/** A stored record, as far as the check of records needs it. */
export interface AuditedRecord { id: string; kind: string; device: string; refused?: unknown; body?: unknown }

/** Verifies every device's chain in `events` (any order, any mix of devices, events received twice). */
export function verifyAuditChain(events: readonly AuditEvent[], opts: VerifyOptions = {}): ChainReport[] {
  const byDevice = new Map<string, AuditEvent[]>()
  const seen = new Set<string>()
  for (const e of events) {
    const key = `${e.id}|${e.hash}`
    if (seen.has(key)) continue // the same event received twice (sync) is not a problem
    seen.add(key)
    const device = String(e.device)
    const list = byDevice.get(device)
    if (list) list.push(e)
    else byDevice.set(device, [e])
  }
  const recordIssues = opts.records ? checkRecords(opts.records, byDevice) : new Map<string, { checked: number; issues: ChainIssue[] }>()
  const devices = new Set([...byDevice.keys(), ...recordIssues.keys()])
  return [...devices].sort().map((device) =>
    verifyDevice(device, (byDevice.get(device) ?? []).sort((a, b) => a.seq - b.seq), opts, recordIssues.get(device)))
}

/** Per device: how many of its records were checked, and those that match none of its events. */
function checkRecords(records: readonly AuditedRecord[], byDevice: ReadonlyMap<string, AuditEvent[]>) {
  const recorded = new Map<string, { digests: Set<string>; latest: number }>()
  for (const [device, events] of byDevice) {
    for (const e of events) {
      const key = `${device}\u0000${e.subjectId}`
      const r = recorded.get(key) ?? { digests: new Set<string>(), latest: 0 }
      if (e.digest) r.digests.add(e.digest)
      r.latest = Math.max(r.latest, e.seq)
      recorded.set(key, r)
    }
  }
  const out = new Map<string, { checked: number; issues: ChainIssue[] }>()
  for (const record of [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (record.kind === 'audit' || record.device === 'hub' || record.refused !== undefined) continue
    const device = String(record.device)
    const entry = out.get(device) ?? { checked: 0, issues: [] }
    out.set(device, entry)
    entry.checked++
    const r = recorded.get(`${device}\u0000${record.id}`)
    if (r?.digests.has(recordDigest(record))) continue
    const body = (record.body ?? {}) as { title?: unknown; name?: unknown }
    const said = body.title ?? body.name
    const titled = typeof said === 'string' && said !== '' ? { recordTitle: said } : {}
    entry.issues.push(r
      ? { problem: 'record-altered', from: r.latest, to: r.latest, recordId: record.id, ...titled, message: `record ${record.id} altered: it matches none of the versions this device recorded` }
      : { problem: 'unaudited', from: 0, to: 0, recordId: record.id, ...titled, message: `record ${record.id} has no audit event of this device here (not synced yet, or added behind the app)` })
  }
  return out
}

const fmt = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
const range = (from: number, to: number): string => (from === to ? `event ${fmt(from)}` : `events ${fmt(from)}–${fmt(to)}`)

function verifyDevice(device: string, chain: AuditEvent[], opts: VerifyOptions, records?: { checked: number; issues: ChainIssue[] }): ChainReport {
  const problems: ChainIssue[] = []
  const issue = (problem: ChainProblem, from: number, to: number, message: string) => problems.push({ problem, from, to, message })
  let verified = 0
  let distinct = 0
  let startsAt = 1
  let expected = 1
  let prevHash: string | null = AUDIT_GENESIS
  const first = chain[0]
  const anchor = opts.anchors?.[device]
  if (first && first.seq > 1) {
    if (anchor && anchor.seq === first.seq - 1) { expected = first.seq; prevHash = anchor.hash; startsAt = first.seq }
    else if (opts.partial) { expected = first.seq; prevHash = null; startsAt = first.seq }
  }
  let last: AuditEvent | null = null
  for (let i = 0; i < chain.length;) {
    // all versions of one event number (more than one: something was inserted or rewritten)
    const seq = (chain[i] as AuditEvent).seq
    let j = i
    while (j < chain.length && (chain[j] as AuditEvent).seq === seq) j++
    const versions = chain.slice(i, j)
    i = j
    distinct += versions.length
    if (!Number.isSafeInteger(seq) || seq < expected) {
      issue('bad-id', seq, seq, `event ${String(seq)} is out of place (not a number after ${fmt(expected - 1)})`)
      continue
    }
    if (seq > expected) {
      issue('missing', expected, seq - 1, `${range(expected, seq - 1)} missing`)
      prevHash = null // the link across a gap cannot be checked
    }
    // of several versions, follow the genuine one (its own hash holds and it links to the previous event)
    const e = versions.length === 1 ? (versions[0] as AuditEvent)
      : versions.find((v) => auditHash(v) === v.hash && (prevHash === null || v.prevHash === prevHash)) ?? (versions[0] as AuditEvent)
    if (versions.length > 1) issue('duplicate', seq, seq, `event ${fmt(seq)} appears ${versions.length} times with different content (an event was inserted or rewritten)`)
    if (e.id !== auditId(device, seq)) issue('bad-id', seq, seq, `event ${fmt(seq)} is stored as "${e.id}": the id does not match its device and number`)
    if (auditHash(e) !== e.hash) issue('altered', seq, seq, `event ${fmt(seq)} altered: hash does not match`)
    else if (prevHash !== null && e.prevHash !== prevHash) {
      issue('broken-link', seq, seq, seq === 1
        ? 'event 1 does not start a chain: earlier events were removed, or it was rewritten'
        : `event ${fmt(seq)} does not follow event ${fmt(seq - 1)}: an event was replaced, inserted or reordered`)
    }
    if (problems.length === 0) verified++
    prevHash = e.hash
    expected = seq + 1
    last = e
  }
  if (records) problems.push(...records.issues)
  const ok = problems.length === 0
  const what = (startsAt > 1 && last ? `${range(startsAt, last.seq)} here (earlier ones archived)` : `${fmt(distinct)} event${distinct === 1 ? '' : 's'}`)
    + (records ? `, ${fmt(records.checked)} record${records.checked === 1 ? '' : 's'}` : '')
  const shown = problems.slice(0, 3).map((p) => p.message)
  if (problems.length > 3) shown.push(`${problems.length - 3} more problems`)
  const p0 = problems[0]
  return {
    device, ok, events: distinct, verified, startsAt, head: last ? { seq: last.seq, hash: last.hash, device } : null, records: records?.checked ?? 0, problems,
    ...(p0 ? { firstProblem: { seq: p0.from, problem: p0.problem, message: `device ${device}: ${p0.message}` } } : {}),
    summary: ok ? `device ${device}: ${what}, chain intact${records ? ', every record as recorded' : ''}` : `device ${device}: ${what}; ${shown.join('; ')}`,
  }
}
