/**
 * What the supervisory committee's check reads: this tablet's audit events and records exactly as
 * stored (envelopes without RxDB's bookkeeping), for the domain's `verifyAuditChain`
 * (src/domain/audit.ts) — the chain's one definition. Nothing here hashes or judges.
 */
import type { AuditEvent } from '@/domain'
import { archivedYears } from '../carry'
import type { VillageDb } from '../db'
import type { YishiDoc } from '@/shared/schemas'
import { isKind, recordOf } from '@/shared/records'

export interface AuditSnapshot {
  events: AuditEvent[]
  records: YishiDoc[]
  /** Years archived off this tablet: their events are on the hub, so chains may start later here. */
  archivedYears: number[]
}

/**
 * Every audit event (as the domain's event: body plus id) and every other record this tablet holds.
 * An event the hub refused is not live data (the hub keeps it in quarantine): its absence shows as a gap.
 */
export async function auditSnapshot(vdb: VillageDb): Promise<AuditSnapshot> {
  const events: AuditEvent[] = []
  const records: YishiDoc[] = []
  for (const d of await vdb.docs.find().exec()) {
    const doc = d.toJSON() as YishiDoc
    if (!isKind(doc, 'audit')) records.push(doc)
    else if (!doc.refused) { const { villageId: _v, ...event } = recordOf(doc); events.push(event) }
  }
  return { events, records, archivedYears: await archivedYears(vdb) }
}
