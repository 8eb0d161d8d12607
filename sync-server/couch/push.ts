import type { FastifyBaseLogger } from 'fastify'
import type { Db, Engine, WriteResult } from '../engine'
import type { Principal } from '../auth/accounts'
import { villageOf } from '../auth/access'
import { LIMITS, type Counters } from '../limits'
import { contentKey, identityRefusal, refusalReason, sameContent, type VoteRecord } from '../validate/rules'
import { tooLarge } from './errors'
import type { Proof, Provenance } from '../validate/signature'
import { noteIds, rowsByKeys } from './keys'
import { hubSigning } from '../validate/signing'
import { signingRefusals, type VillageSigning } from '../../src/shared/villagesigning'
import { REJUDGING_KINDS } from '../../src/shared/rejudge'
import { WaitingKeys } from '../validate/waitingkeys'
import { Quarantine, type QuarantineEntry, type RefusedDoc } from './quarantine'
import { settleRolesConflicts } from './rolesconflicts'
import { refusal, type Refusal, type RefusalCode, type RefusalParams } from '../../src/shared/refusal'

export { QUARANTINE_DB, type QuarantineEntry } from './quarantine'

interface KnownVotes { db: Db; epoch: number; votes: Map<string, VoteRecord | null>; stop: () => void }

type Doc = Record<string, unknown> & { _id?: string; _rev?: string; _deleted?: boolean }
/** A `_bulk_docs` row; a refusal also carries its code and params (src/shared/refusal.ts) for the tablet to word. */
export type PushResult = WriteResult & { code?: RefusalCode; params?: RefusalParams }

/**
 * Writes pushed documents, at most LIMITS.docsPerBatch a request. Every document has one identity
 * (rules.ts `identityRefusal`, the admin's too). For village databases every document from a
 * non-admin passes the hub's rules (validate/rules.ts); a refused one is never answered `forbidden`
 * (RxDB would retry it forever): it is quarantined with its reason (quarantine.ts), nothing is
 * written under its id, the village gets a small `rejection` notice, and the answer is `conflict`:
 * RxDB re-reads the id and is given — it alone — its own record marked refused, so its push loop
 * ends. Valid documents of the same batch land. With `new_edits=false` a refusal is `forbidden`
 * (PouchDB's replicator counts it as a write failure and moves on).
 */
export class Pusher {
  /** Votes as the hub's records show them, per database (local engine only: see knownVotes). */
  private readonly votes = new Map<string, KnownVotes>()
  readonly quarantine: Quarantine
  /** When and from whom person keys waiting for their witness's key arrived: how much room each village has left. */
  private readonly waitingKeys: WaitingKeys
  /** Per village database, the last batch of person keys being judged and written: the next waits for it. */
  private readonly keyBatches = new Map<string, Promise<unknown>>()

  /**
   * `provenance`: the hub's key and the signature checks (validate/signature.ts); without it every record is judged unsigned.
   * `now`: the hub's clock (how long ago a waiting key arrived).
   */
  constructor(private readonly engine: Engine, counters: Counters, private readonly log: FastifyBaseLogger, readonly provenance?: Provenance, now: () => number = Date.now) {
    this.quarantine = new Quarantine(engine, counters, log, provenance ? (docs) => provenance.signHubDocs(docs) : undefined)
    this.waitingKeys = new WaitingKeys(engine, now)
  }

  /**
   * The votes already read from `db`, forgotten whenever a vote is written to it: every ballot
   * batch needs its vote, and the first LevelDB read after a write took ~10 ms of each push.
   * Only for the local engine, which hears every write as it commits (Engine.onWrite); on
   * CouchDB other hubs write too, so votes are read with each batch. A re-created database is a
   * new Db, so its votes start over.
   */
  private knownVotes(name: string, db: Db): KnownVotes | null {
    if (!this.engine.soleWriter) return null
    let known = this.votes.get(name)
    if (known?.db !== db) {
      known?.stop()
      const created: KnownVotes = { db, epoch: 0, votes: new Map(), stop: () => undefined }
      created.stop = this.engine.onWrite(name, (docs) => {
        if (docs.some((d) => d._id.startsWith('vote:') || d.kind === 'vote' || created.votes.has(d._id))) { created.epoch++; created.votes.clear() }
      })
      this.votes.set(name, created)
      known = created
    }
    return known
  }

  async init(): Promise<void> { await this.quarantine.init(); await this.waitingKeys.init() }

  async push(p: Principal, dbName: string, docs: Doc[], newEdits: boolean): Promise<PushResult[]> {
    if (docs.length > LIMITS.docsPerBatch) throw tooLarge(`at most ${LIMITS.docsPerBatch} documents per request; send them in smaller batches`)
    // batches bringing person keys to one village, one at a time: each counts the room the one before left
    // (parallel requests would each see the same room; at most LIMITS.inFlightPerPrincipal wait per writer)
    return docs.some((d) => d.kind === 'personkey') ? this.inTurn(dbName, () => this.pushNow(p, dbName, docs, newEdits)) : this.pushNow(p, dbName, docs, newEdits)
  }

  /** Runs `fn` after the work queued for `key` before it, whether that ended well or not. */
  private async inTurn<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.keyBatches.get(key) ?? Promise.resolve()
    const run = before.then(fn, fn)
    const settled = run.catch(() => undefined)
    this.keyBatches.set(key, settled)
    try {
      return await run
    } finally {
      if (this.keyBatches.get(key) === settled) this.keyBatches.delete(key)
    }
  }

  private async pushNow(p: Principal, dbName: string, docs: Doc[], newEdits: boolean): Promise<PushResult[]> {
    const db = this.engine.db(dbName)
    const village = villageOf(dbName)
    const once = onceEach(docs)
    if (p.kind === 'admin' || village === null) {
      const results = await this.writeAsIs(db, dbName, docs, newEdits, once)
      // the admin's writes (signed roles, a restored backup) may make records quarantined earlier good too
      if (village !== null) {
        const failed = new Set(results.flatMap((r) => ('error' in r ? [r.id] : [])))
        await this.retakeAfter(dbName, docs.filter((d) => typeof d._id === 'string' && !failed.has(d._id)))
      }
      return results
    }

    const ids = docs.map((d) => (typeof d._id === 'string' ? d._id : ''))
    // Only documents that carry a revision can replace something: a new one (no _rev, as RxDB
    // sends documents the hub does not have) meets PouchDB's own conflict check instead.
    const revised = [...new Set(ids.filter((id, i) => id !== '' && !id.startsWith('_') && (docs[i]!._rev !== undefined || !newEdits)))]
    const current = new Map<string, Doc>()
    if (revised.length > 0) for (const r of (await rowsByKeys(db, revised, { include_docs: true })).rows) if (r.doc) current.set(r.key, r.doc as Doc)
    const results: (PushResult | null)[] = new Array(docs.length).fill(null)
    const judged: number[] = []
    docs.forEach((doc, i) => {
      const cur = current.get(ids[i]!) ?? null
      // Re-sending an immutable record unchanged is answered with the hub's revision.
      if (cur && !cur._deleted && newEdits && once[i] === null && sameContent(doc, cur) && doc._rev === cur._rev) results[i] = { ok: true, id: ids[i]!, rev: String(cur._rev) }
      else judged.push(i)
    })
    const verdict = await this.judge(dbName, db, village, judged.map((i) => ({ doc: docs[i]!, principal: p, current: current.get(ids[i]!) ?? null, once: once[i] ?? null })), newEdits)
    const toWrite: Doc[] = []
    const writeIndex: number[] = []
    const refused: { index: number; refusal: RefusedDoc }[] = []
    judged.forEach((i, j) => {
      const why = verdict.refusals[j]
      if (why) refused.push({ index: i, refusal: { ...why, doc: docs[i]! } })
      else { toWrite.push(docs[i]!); writeIndex.push(i) }
    })
    // The writer's share of the quarantine is checked before anything of the batch is written.
    const admitted = refused.length > 0 ? await this.quarantine.admit(p, dbName, refused.map((r) => r.refusal)) : null

    const failures: PushResult[] = []
    const stored: Doc[] = []
    if (toWrite.length > 0) {
      const written = await this.write(db, dbName, toWrite, newEdits)
      if (newEdits) written.forEach((r, j) => { results[writeIndex[j] as number] = r })
      else {
        failures.push(...written)
        await settleRolesConflicts(db, toWrite.map((d) => String(d._id)))
      }
      await this.noteWaiting(dbName, verdict.signing, written)
      const failed = new Set(written.flatMap((r) => ('error' in r ? [r.id] : [])))
      stored.push(...toWrite.filter((d) => !failed.has(String(d._id))))
    }
    if (admitted) {
      await this.quarantine.keep(p, dbName, village, admitted)
      const fresh = new Set(admitted.fresh.map((r) => r.doc))
      for (const { index, refusal } of refused) {
        // a record sent again unchanged is answered with the refusal it was first given
        const given = fresh.has(refusal.doc) ? refusal : Quarantine.lastRefusal(admitted, dbName, p, ids[index]!) ?? refusal
        results[index] = { id: ids[index]!, error: newEdits ? 'conflict' : 'forbidden', reason: `refused by the hub: ${given.reason}`, code: given.code, params: given.params }
      }
    }
    // what the batch stored may make records quarantined earlier good: a record new to the hub, or a person
    // whose roles changed (src/shared/rejudge.ts) — a roster edit of a name or a household changes no refusal
    await this.retakeAfter(dbName, stored.filter((d) => {
      const cur = current.get(String(d._id))
      return !cur || cur._deleted === true || (d.kind === 'person' && rolesOf(cur) !== rolesOf(d))
    }))
    // With new_edits=false CouchDB answers only the failures (PouchDB may return fewer rows).
    return newEdits ? (results as PushResult[]) : [...failures, ...results.filter((r): r is PushResult => r !== null && 'error' in r)]
  }

  /**
   * Why each record is refused, or null: its own checks first (`once`: its id came earlier in the batch;
   * then validate/rules.ts, with what proves its writer, `principal` being who brought it), then the rule
   * for acts a person signs over everything that passed, in rounds (src/shared/villagesigning.ts
   * `signingRefusals`): a record refused only because one it rests on came later in the batch is taken.
   * Also the rule, grown by what passed (the keys it took while they wait for their witness's key).
   */
  private async judge(dbName: string, db: Db, village: string, items: readonly Judged[], newEdits: boolean): Promise<{ refusals: (Refusal | null)[]; signing: VillageSigning | null }> {
    const docs = items.map((x) => x.doc)
    const vote = await this.votesFor(dbName, db, docs)
    const proofs: (Proof | undefined)[] = new Array(items.length).fill(undefined)
    if (this.provenance) {
      // what proves each writer, asked once per writer who brought records (a push: one; a retake: each entry's)
      for (const name of new Set(items.map((x) => x.principal.name))) {
        const mine = items.flatMap((x, i) => (x.principal.name === name ? [i] : []))
        const got = await this.provenance.proofs(village, mine.map((i) => docs[i]!), name)
        mine.forEach((i, j) => { proofs[i] = got[j] })
      }
    }
    const refusals = items.map((x, i) => x.once ?? refusalReason(x.doc, { principal: x.principal, village, current: x.current, newEdits, vote, ...(proofs[i] ? { proof: proofs[i] } : {}) }))
    const passed = docs.filter((_, i) => refusals[i] === null)
    // the village's person keys (and roster), grown by what passes (a key and the acts it signs may travel together, in any order)
    const signing = await hubSigning(db, passed, village, this.provenance?.keys ?? null, () => this.waitingKeys.room(dbName))
    const unsigned = signingRefusals(signing, passed)
    return { refusals: docs.map((d, i) => refusals[i] ?? unsigned.get(d) ?? null), signing }
  }

  /**
   * Notes the keys the batch landed while they wait for their witness's key. A note that cannot be
   * written only leaves its key taking no room (logged): the key itself is written and counts nowhere.
   */
  private async noteWaiting(dbName: string, signing: VillageSigning | null, written: readonly PushResult[]): Promise<void> {
    const failed = new Set(written.flatMap((r) => ('error' in r ? [r.id] : [])))
    const taken = (signing?.waitingTaken ?? []).filter((k) => !failed.has(k.id))
    await this.waitingKeys.note(dbName, taken).catch((err: unknown) => this.log.warn({ err, db: dbName }, 'could not note the arrival of waiting person keys'))
  }

  /**
   * The admin's writes, and writes to databases that are not a village's: taken as they come
   * (seeding, restoring a backup), but only with a sound identity — no `_`-prefixed id, no
   * attachment, one revision per id — and answered `forbidden` otherwise (nothing to quarantine).
   */
  private async writeAsIs(db: Db, dbName: string, docs: Doc[], newEdits: boolean, once: (Refusal | null)[]): Promise<PushResult[]> {
    const refusals = docs.map((d, i) => once[i] ?? identityRefusal(d))
    const ok = docs.filter((_, i) => refusals[i] === null)
    const written = ok.length > 0 ? await this.write(db, dbName, ok, newEdits) : []
    if (!newEdits) await settleRolesConflicts(db, ok.map((d) => String(d._id)))
    const refused = (i: number): PushResult => {
      const r = refusals[i]!
      return { id: typeof docs[i]!._id === 'string' ? docs[i]!._id! : '', error: 'forbidden', reason: r.reason, code: r.code, params: r.params }
    }
    if (!newEdits) return [...written, ...docs.flatMap((_, i) => (refusals[i] ? [refused(i)] : []))]
    let w = 0
    return docs.map((_, i) => (refusals[i] === null ? written[w++]! : refused(i)))
  }

  /** The votes the batch's ballots and check-offs belong to, from the batch itself or the hub's records. */
  private async votesFor(dbName: string, db: Db, docs: Doc[]): Promise<(id: string) => VoteRecord | null> {
    const batchVotes = new Map<string, Doc>()
    for (const d of docs) if (typeof d._id === 'string' && d._id.startsWith('vote:') && d.kind === 'vote') batchVotes.set(d._id, d)
    const voteCache = new Map<string, VoteRecord | null>()
    const neededVotes = new Set<string>()
    for (const d of docs) if ((d.kind === 'ballot' || d.kind === 'checkoff') && typeof d.ref === 'string' && !batchVotes.has(d.ref)) neededVotes.add(d.ref)
    if (neededVotes.size > 0) {
      const known = this.knownVotes(dbName, db)
      const epoch = known?.epoch
      const missing: string[] = []
      for (const id of neededVotes) {
        const hit = known?.votes.get(id)
        if (hit !== undefined) voteCache.set(id, hit)
        else missing.push(id)
      }
      if (missing.length > 0) {
        const votes = await rowsByKeys(db, missing, { include_docs: true })
        // kept only if no vote was written while this read ran
        const keep = known && known.epoch === epoch
        if (keep && known.votes.size > 2000) known.votes.clear()
        for (const r of votes.rows) {
          const d = r.doc as Doc | null | undefined
          const v = d && !d.refused ? (d.body as VoteRecord) : null
          voteCache.set(r.key, v)
          if (keep) known.votes.set(r.key, v)
        }
      }
    }
    return (id: string): VoteRecord | null => {
      const inBatch = batchVotes.get(id)
      if (inBatch) return inBatch.body as VoteRecord
      return voteCache.get(id) ?? null
    }
  }

  /** Writes through the engine; with new_edits=false only the failures come back (CouchDB's answer). */
  private async write(db: Db, dbName: string, docs: Doc[], newEdits: boolean): Promise<PushResult[]> {
    noteIds(dbName, docs.map((d) => String(d._id)))
    // CouchDB: the validated batch in one request, as the client sent it
    if (!this.engine.soleWriter) return db.bulkDocs(docs, { new_edits: newEdits })
    // local: a few hundred at a time, other requests served in between (PouchDB's bulk writes are synchronous work)
    const results: PushResult[] = []
    for (let i = 0; i < docs.length; i += 250) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve))
      results.push(...await db.bulkDocs(docs.slice(i, i + 250), { new_edits: newEdits }))
    }
    return results
  }

  /** Writes a quarantined document into its database as the hub's version (admin's decision). */
  async release(entryId: string, by: string): Promise<PushResult> {
    const entry = await this.quarantine.get(entryId)
    if (entry.released) return { id: entry.docId, error: 'conflict', reason: 'already released' }
    if (!(await this.engine.exists(entry.db))) return { id: entry.docId, error: 'not_found', reason: 'database is gone' }
    const db = this.engine.db(entry.db)
    const cur = await db.get(entry.docId).catch(() => null) as Doc | null
    const { _rev: _r, _deleted: _d, _revisions: _v, refused: _x, ...rest } = entry.doc
    const doc: Doc = { ...rest, _id: entry.docId, ...(cur?._rev ? { _rev: cur._rev } : {}) }
    const why = identityRefusal(doc)
    if (why) return { id: entry.docId, error: 'forbidden', reason: why.reason, code: why.code, params: why.params }
    const [r] = await this.write(db, entry.db, [doc], true)
    if (r && 'ok' in r) {
      await this.quarantine.markReleased(entryId, by)
      // the record is in: tablets stop showing it refused, as when the hub takes one itself
      await this.quarantine.withdrawNotices(entry.db, [doc])
      // what the admin let in may make other quarantined records good
      await this.retakeAfter(entry.db, [doc])
    }
    return r ?? { id: entry.docId, error: 'unknown', reason: 'no result' }
  }

  /** After a push stored `stored`: the quarantined records they could make good are judged again (`retake`), one pass per village at a time. */
  private async retakeAfter(dbName: string, stored: readonly Doc[]): Promise<void> {
    const kinds = new Set(stored.map((d) => String(d.kind)).filter((k) => REJUDGING_KINDS.has(k)))
    if (kinds.size === 0 || !this.provenance) return
    // a pass that fails leaves the entries as they were: the push that stored is answered all the same
    await this.inTurn(`retake:${dbName}`, () => this.retake(dbName, kinds))
      .catch((err: unknown) => this.log.warn({ err, db: dbName }, 'could not judge quarantined records again'))
  }

  /**
   * Judges again the village's quarantined records that storing records of `kinds` could make good
   * (src/shared/rejudge.ts): at most LIMITS.quarantineRetakePerPass entries, newest first, the newest
   * entry of a record standing for it. Each passes the gates that refused it, as they stand now: its
   * writer still enrolled (a tablet not revoked, an account not gone) and still of the village, what
   * proves its writer (the device's signature when another brought it), the village's rules, and the
   * rule for acts a person signs over the village's records and the other entries judged with it (in
   * rounds: a quarantined key and the act it signs are taken together). Those that pass are written as
   * the admin's release writes them, their entries marked released by `hub` and the village's notices
   * of their refusal withdrawn; the others stay, with the reason they are refused now. A record whose id
   * already holds another version is left alone (one holding this very record: its entries are settled).
   * Returns the ids taken.
   */
  async retake(dbName: string, kinds: ReadonlySet<string>): Promise<string[]> {
    const village = villageOf(dbName)
    const provenance = this.provenance
    if (village === null || !provenance || !(await this.engine.exists(dbName))) return []
    const entries = await this.quarantine.rejudgeable(dbName, kinds, LIMITS.quarantineRetakePerPass)
    if (entries.length === 0) return []
    const db = this.engine.db(dbName)
    // the newest entry of a record stands for it; older entries of the same record are settled with it
    const records = new Map<string, { entry: QuarantineEntry; doc: Doc; all: QuarantineEntry[] }>()
    for (const entry of entries) {
      const doc = asWritten(entry)
      const key = `${entry.docId}\u0000${contentKey(doc)}`
      const known = records.get(key)
      if (known) known.all.push(entry)
      else records.set(key, { entry, doc, all: [entry] })
    }
    const held = new Map<string, Doc>()
    for (const r of (await rowsByKeys(db, [...new Set(entries.map((e) => e.docId))], { include_docs: true })).rows) if (r.doc) held.set(r.key, r.doc as Doc)
    const judged: { record: { entry: QuarantineEntry; doc: Doc; all: QuarantineEntry[] }; principal: Principal }[] = []
    const settled: QuarantineEntry[] = []
    for (const record of records.values()) {
      const { entry, doc } = record
      const cur = held.get(entry.docId)
      if (cur && !cur._deleted) { if (sameContent(doc, cur)) settled.push(...record.all); continue }
      const principal = doc._deleted ? null : provenance.writer(entry.principal, dbName)
      if (principal) judged.push({ record, principal })
    }
    const verdict = await this.judge(dbName, db, village, judged.map(({ record, principal }) => ({ doc: record.doc, principal, current: null, once: null })), true)
    const passing = judged.filter((_, i) => verdict.refusals[i] === null)
    const written = passing.length > 0 ? await this.write(db, dbName, passing.map((x) => x.record.doc), true) : []
    await this.noteWaiting(dbName, verdict.signing, written)
    const taken = passing.filter((_, i) => { const r = written[i]; return r !== undefined && 'ok' in r && r.ok })
    for (const { record } of taken) settled.push(...record.all)
    await this.quarantine.settle(settled, 'hub')
    await this.quarantine.withdrawNotices(dbName, taken.map(({ record }) => record.doc))
    // the others stay, with the reason they are refused now
    await this.quarantine.restate(dbName, judged.flatMap(({ record }, i) => { const why = verdict.refusals[i]; return why ? record.all.map((entry) => ({ entry, refusal: why })) : [] }))
    if (taken.length > 0) this.log.info({ db: dbName, taken: taken.map(({ record }) => record.entry.docId.slice(0, 160)) }, 'quarantined records taken once what they rest on arrived')
    return taken.map(({ record }) => record.entry.docId)
  }
}

/** A person record's roles and their signature, as one string. */
const rolesOf = (doc: Doc) => { const b = (doc.body ?? {}) as { roles?: unknown; rolesSig?: unknown }; return JSON.stringify([b.roles ?? null, b.rolesSig ?? null]) }

/** A record to judge: who brought it, the hub's version of its id, and a refusal it already has (its id came earlier in the batch). */
interface Judged { doc: Doc; principal: Principal; current: Doc | null; once: Refusal | null }

/** A quarantined record as the hub writes it when it takes it: under its id, without the revision it was pushed with. */
function asWritten(entry: QuarantineEntry): Doc {
  const { _rev: _r, _revisions: _v, ...rest } = entry.doc
  return { ...rest, _id: entry.docId }
}

/** Per document, why it may not be in this batch: its id came earlier in the same batch (one revision per id per batch). */
function onceEach(docs: Doc[]): (Refusal | null)[] {
  const seen = new Set<string>()
  return docs.map((d) => {
    if (typeof d._id !== 'string') return null
    if (seen.has(d._id)) return refusal('record.twice-in-batch', 'this batch carries the record more than once: one revision per id per batch')
    seen.add(d._id)
    return null
  })
}
