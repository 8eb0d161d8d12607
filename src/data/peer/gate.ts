/**
 * The gate every record from another tablet passes, whichever way it comes (pulled from the peer,
 * pushed by it, or handed back in a conflict answer): the village's rules for a record
 * (`recordRefusal`, the hub's rule too), then proof that an enrolled device of this village wrote
 * it unaltered (`PeerTrust.checkRecord`), then the hub's rule for acts a person signs, person keys and
 * roles (signingRule.ts: a person's signature, their entitlement, a witnessed key, no squatted id). A refused record is kept in the tablet's quarantine
 * (quarantine.ts, with records refused from files) with its reason and never stored; a record this tablet already holds in another
 * version of an immutable kind is a conflict, recorded like one found in a sync with the hub. Once a
 * batch is stored, records it quarantined earlier only for lack of what that batch brought are judged
 * again (`retake`).
 */
import type { WithDeleted } from 'rxdb'
import type { VillageDb } from '../db'
import { recordRefusal, type VoteTimes } from '@/shared/acceptance'
import { refusal as refused_, type Refusal } from '@/shared/refusal'
import { isImmutableKind, withoutStorage, type YishiDoc } from '@/shared/schemas'
import { ARCHIVED_YEARS_KEY } from '../replication'
import { sameVersion } from '../conflicts'
import { quarantine } from '../quarantine'
import { canonicalJson } from '../hash'
import type { PeerTrust } from './trust'
import { loadSigning } from '../signingRule'
import { signingRefusals } from '@/shared/villagesigning'
import { retakeQuarantined } from '../retake'

/** A record refused, by id, with its refusal (code, params, reason). */
export type Refused = { id: string } & Refusal

export type PeerDoc = WithDeleted<YishiDoc>

export class PeerGate {
  constructor(private readonly vdb: VillageDb, private readonly trust: PeerTrust, private readonly now: () => number = Date.now) {}

  /**
   * The records of `docs` this tablet takes, in order. Deletions and records of years archived off
   * this tablet are left out quietly (they are not refusals); every other record that fails is
   * quarantined and listed in `refused`. When pulling (`pulled`): immutable records that differ from
   * the version held here are recorded as conflicts, and an older version of a mutable record than
   * the one held here (same device, lower seq) is left out — a tablet never rolls a record back to
   * an earlier version of its own writer, whoever serves it (a conflict answer still passes: the
   * conflict handler needs the other side's real state to merge).
   */
  async admit(docs: readonly unknown[], from: string, opts: { pulled?: boolean } = {}): Promise<{ accepted: PeerDoc[]; refused: Refused[]; fresh: number }> {
    const archived = new Set((await this.vdb.db.getLocal<{ years: number[] }>(ARCHIVED_YEARS_KEY))?.get('years') ?? [])
    const candidates = docs.filter((d): d is PeerDoc => !!d && typeof d === 'object' && (d as PeerDoc)._deleted !== true && !archived.has((d as PeerDoc).year))
    const batchVotes = new Map<string, VoteTimes>()
    for (const d of candidates) if (d.kind === 'vote' && typeof d.id === 'string' && !d.refused) batchVotes.set(d.id, d.body as VoteTimes)
    const voteIds = [...new Set(candidates.filter((d) => (d.kind === 'ballot' || d.kind === 'checkoff') && !batchVotes.has(d.ref)).map((d) => String(d.ref)))]
    const stored = voteIds.length > 0 ? await this.vdb.docs.findByIds(voteIds).exec() : new Map()
    const vote = (id: string): VoteTimes | null => {
      const inBatch = batchVotes.get(id)
      if (inBatch) return inBatch
      const v = stored.get(id)?.toJSON() as YishiDoc | undefined
      return v && !v.refused ? (v.body as VoteTimes) : null
    }
    const held = await this.vdb.docs.findByIds(candidates.map((d) => String(d.id))).exec()
    // each record's outcome, in the batch's order: taken as held, refused, or checked (then judged by the signing rule)
    const outcomes: ({ doc: YishiDoc; is: 'held' | 'checked' } | { doc: YishiDoc; is: 'refused'; why: Refusal })[] = []
    for (const raw of candidates) {
      const { _deleted: _d, ...rest } = raw
      const doc = rest as YishiDoc
      // a version this tablet already holds is not checked again (two tablets that both synced with
      // the hub hold the same older, unsigned records); the replication only notes it is there
      const mine = held.get(String(doc.id))?.toJSON() as YishiDoc | undefined
      if (mine && sameRecord(mine, doc)) { outcomes.push({ doc, is: 'held' }); continue }
      if (mine && opts.pulled && isStale(doc, mine)) continue
      const why = await this.refusal(doc, from, vote)
      outcomes.push(why ? { doc, is: 'refused', why } : { doc, is: 'checked' })
    }
    // acts a person signs, person keys and roles, as the hub judges them (a refusal mark is the hub's word already)
    const judged = outcomes.flatMap((o) => (o.is === 'checked' && !o.doc.refused ? [o.doc] : []))
    const unsigned = signingRefusals(await loadSigning(this.vdb, judged, this.trust.hubKeys?.() ?? null), judged)
    const accepted: PeerDoc[] = []
    const refused: (Refused & { doc: unknown })[] = []
    let fresh = 0
    for (const o of outcomes) {
      const why = o.is === 'refused' ? o.why : o.is === 'checked' ? unsigned.get(o.doc) : undefined
      if (why) refused.push({ id: String(o.doc.id), ...why, doc: o.doc })
      else { accepted.push({ ...o.doc, _deleted: false }); if (o.is === 'checked') fresh++ }
    }
    // kept in the tablet's quarantine with the reason, as records refused from a file are
    if (refused.length > 0) await quarantine(this.vdb, `peer:${from}`, refused, this.now())
    if (opts.pulled) await this.noteImmutableClashes(accepted)
    return { accepted, refused: refused.map(({ doc: _doc, ...r }) => r), fresh }
  }

  /**
   * Quarantined records that the records just stored here (`stored`) could make good — a co-signature
   * that came a batch before its supervisor's signed roles — judged again through this gate and stored
   * when they pass now (src/data/retake.ts); those taken, in the quarantine's order.
   */
  retake(stored: readonly { kind?: unknown }[]): Promise<YishiDoc[]> {
    const origin = (from: string) => from.slice(from.indexOf(':') + 1)
    return retakeQuarantined(this.vdb, stored, (doc, from, vote) => this.refusal(doc, origin(from), vote), this.trust.hubKeys?.() ?? null)
  }

  /**
   * Why a record from `from` is not taken, or null. Proof first (who wrote it), then the village's
   * rules for the record. A record written before its device had a key is taken only from that
   * device itself (the channel proved who the other tablet is), as the hub takes it only from it.
   */
  private async refusal(doc: YishiDoc, from: string, vote: (id: string) => VoteTimes | null): Promise<Refusal | null> {
    const proof = await this.trust.checkRecord(doc)
    if (!proof.ok && !(proof.unsigned && doc.device === from)) return refused_(proof.code, proof.reason, proof.params)
    const fromHub = proof.ok && proof.by === 'hub'
    return recordRefusal(doc, { village: this.vdb.villageId, current: null, vote, receiver: 'this tablet', fromHub })
  }

  /**
   * A record of an immutable kind that arrives in another version than the one held here: the
   * replication takes the other tablet's version (as it takes the hub's), and the clash is recorded
   * (`double-checkoff` for a voter checked off on two tablets) so it is never silent.
   */
  private async noteImmutableClashes(docs: PeerDoc[]): Promise<void> {
    const immutable = docs.filter((d) => isImmutableKind(d.kind) && d.kind !== 'audit' && d.kind !== 'conflict')
    if (immutable.length === 0) return
    const held = await this.vdb.docs.findByIds(immutable.map((d) => d.id)).exec()
    const sink = this.vdb.conflicts
    let found = 0
    for (const d of immutable) {
      const mine = held.get(d.id)?.toJSON() as YishiDoc | undefined
      if (!mine || sameVersion({ ...mine, _deleted: false }, d) || canonicalJson(mine.body) === canonicalJson(d.body)) continue
      const { _deleted: _x, ...winner } = d
      sink.pending.push({ subjectId: d.id, reason: d.kind === 'checkoff' ? 'double-checkoff' : 'duplicate-insert', winner, loser: withoutStorage(mine), fields: [] })
      found++
    }
    if (found > 0) sink.notify()
  }
}

/** An earlier version of a mutable record than `held`, by the same writing device. */
export function isStale(doc: YishiDoc, held: YishiDoc): boolean {
  return !isImmutableKind(doc.kind) && doc.device === held.device && doc.seq < held.seq
}

const CONTENT = ['id', 'kind', 'v', 'village', 'year', 'author', 'device', 'deviceTime', 'seq', 'ref', 'body', 'refused'] as const

/** The same record, field for field (what a device signs, and the hub's refusal mark). */
function sameRecord(a: YishiDoc, b: YishiDoc): boolean {
  const pick = (d: YishiDoc) => canonicalJson(CONTENT.map((k) => d[k] ?? null))
  return pick(a) === pick(b)
}

