/**
 * Audit-chain benchmark (an extra group of `npm run bench`; never part of `npm test`), pure domain in Node:
 * - audit_append_us: one event appended by the writer's path (record digest + `appendAudit`), µs;
 * - audit_verify_10k_ms: the supervision check of a tablet's year — 10,000 events of 5 devices and
 *   their 10,000 records (`verifyAuditChain` with records), ms.
 * Seeded records shaped like a village's (ballots, check-offs, proposals). Median of repeats after a warm-up.
 */
import { pathToFileURL } from 'node:url'
import { appendAudit, recordDigest, verifyAuditChain } from '../src/domain/audit.ts'
import type { AuditEvent } from '../src/domain/model/types.ts'

const T0 = Date.UTC(2026, 2, 1)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

function record(device: string, seq: number) {
  const kind = seq % 3 === 0 ? 'proposal' : seq % 3 === 1 ? 'ballot' : 'checkoff'
  const body = kind === 'proposal' ? { title: `修路灯 ${seq}`, description: '村口到祠堂，晚上太黑', status: 'open', proposedBy: 'person:p1', createdAt: T0 + seq }
    : kind === 'ballot' ? { voteId: 'vote:v2026', choices: ['project:lights', 'project:water'], castAt: T0, device }
      : { voteId: 'vote:v2026', voterId: `person:v${seq}`, at: T0 + seq, device, recordedBy: 'person:clerk' }
  return { id: `${kind}:${device}-${seq}`, kind, v: 1, village: 'qingbo', year: 2026, author: 'person:clerk', device, deviceTime: T0 + seq, seq, ref: kind === 'proposal' ? '' : 'vote:v2026', body }
}

function tablet(device: string, n: number) {
  const records = Array.from({ length: n }, (_, i) => record(device, i + 1))
  const events: AuditEvent[] = []
  for (const r of records) events.push(appendAudit(events.at(-1) ?? null, { device, at: r.deviceTime, actor: r.author, action: 'insert', subjectId: r.id, digest: recordDigest(r) }))
  return { records, events }
}

export async function run(): Promise<Record<string, number | null>> {
  // appending: the writer's cost per event
  const appendRuns: number[] = []
  for (let rep = 0; rep < 7; rep++) {
    const t0 = performance.now()
    tablet('dev-bench', 2_000)
    appendRuns.push(((performance.now() - t0) * 1000) / 2_000)
  }
  // verifying a year: 5 devices × 2,000 events and records
  const tablets = ['dev-a', 'dev-b', 'dev-c', 'dev-d', 'dev-e'].map((d) => tablet(d, 2_000))
  const events = tablets.flatMap((t) => t.events)
  const records = tablets.flatMap((t) => t.records)
  const verifyRuns: number[] = []
  for (let rep = 0; rep < 6; rep++) {
    const t0 = performance.now()
    const reports = verifyAuditChain(events, { records })
    const ms = performance.now() - t0
    if (reports.some((r) => !r.ok)) throw new Error(`bench chains do not verify: ${reports.map((r) => r.summary).join('; ')}`)
    if (rep > 0) verifyRuns.push(ms)
  }
  const figures = { audit_append_us: Math.round(median(appendRuns.slice(1)) * 10) / 10, audit_verify_10k_ms: Math.round(median(verifyRuns)) }
  console.log('audit chain (Node, pure domain)')
  console.log(`  append one event (digest + chain)      ${figures.audit_append_us} µs`)
  console.log(`  verify 10,000 events + 10,000 records   ${figures.audit_verify_10k_ms} ms`)
  return figures
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void run()
