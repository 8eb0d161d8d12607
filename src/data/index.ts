/**
 * src/data — the tablet's local data, its sync with the hub, and the repositories the stores call.
 *
 * Open and wire (src/modules/data.ts does this in the app):
 *   const vdb = await openVillageDatabase({ villageId, storage })           // db.ts
 *   const data = await createRepositories(vdb, { villageId, deviceId, actor: () => session.personId })
 *   const sync = startSync(vdb, { hubUrl, credentials, onState })            // replication.ts
 *
 * Repositories (repositories.ts), one per kind, e.g. `data.proposals`, `data.votes`, `data.ballots`:
 *   list$({ ref?, limit?, oldestFirst?, includeRefused? }) → Observable<Stored<T>[]>   (newest first)
 *   get$(id) → Observable<Stored<T> | null>,  list(), get(id), count({ ref })
 *   create(input) → Stored<T>     input goes through the domain constructor (throws DomainError);
 *                                 id is generated when absent, villageId filled in
 *   update(id, patch) → Stored<T> mutable kinds only; rebuilt by the domain constructor
 * `Stored<T>` is the domain record plus `meta` { author, device, deviceTime, seq, year, refused? }.
 * Records the hub refused are left out of lists unless `includeRefused`; `data.rejections` says why.
 * Every write is validated (src/shared/schemas: import schemas from there, this facade is the tablet's
 * data only), stamped (author, device, deviceTime, per-device seq) and followed by this device's
 * hash-chained audit event (writer.ts). Errors: DataError { code, message }.
 *
 * Ballots: `data.recordBallot({ vote, voterId, choices, recordedBy })` writes the check-off at once and
 * puts the ballot in the tablet's ballot box (ballotbox.ts); `data.ballotBox.flush(voteId?)` writes the
 * boxed ballots in a shuffled batch (also done when the kiosk session ends, before a vote is closed
 * here, and when a vote with boxed ballots is seen closed); `data.ballotBox.count$(voteId?)` counts them.
 * Double votes and conflicts of edits: `data.conflicts.list$()` and `data.decisions.list$()`; the
 * domain reads them (`conflictItems`, `unresolvedDoubleVotes`: src/domain/conflicts.ts).
 * Refusals: a record the hub refused stays on the tablet marked `meta.refused` (left out of lists);
 * `data.rejections.list$({ ref: recordId })` gives the hub's reason next to that record, and
 * `refusalLines(rejections, deviceId)` groups them for the sync page.
 *
 * Also here: sync (`createSync` → VillageSync: start/stop/syncNow/pendingCount, state$ with
 * lastSyncAt, lastError in plain words, clockSkewMs), identity (enrollment, clerk PIN), device keys
 * and trust (devicekeys.ts: sign records and challenges, the hub's certificate, the village's keys),
 * records received from a peer or a file (quarantine.ts: `checkIncoming`, the tablet's quarantine),
 * carry (signed export/import of unsynced changes, year archive), photos (keep by hash, upload).
 */
import * as D from '@/domain'
import type { VillageDb } from './db'
import { createKindRepositories } from './repositories'
import { Writer, type WriterIdentity } from './writer'
import { yearOfTime } from './rxSchema'
import { createBallotBox } from './ballotbox'
import { retrying } from './unsaved'

/** How long a conflict record whose write failed waits before it is tried again. */
const RETRY_MS = 30_000

export * from './db'
export * from './errors'
export * from './repositories'
export * from './writer'
export * from './rxSchema'
export * from './ballotbox'
export * from './unsaved'

export async function createRepositories(vdb: VillageDb, identity: WriterIdentity) {
  const writer = await new Writer(vdb, identity).init()
  const repos = createKindRepositories(vdb, writer)

  // What the conflict handler found is written as `conflict` records (insert-only, replicated). A
  // record whose write fails is the evidence of a double vote: it stays queued, is tried again
  // (now, then every RETRY_MS) and is counted in `unsaved$` until it is stored.
  let draining: Promise<void> | null = null
  let stalled = false
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  async function drainOnce(): Promise<void> {
    while (vdb.conflicts.pending.length > 0) {
      const c = vdb.conflicts.pending[0]!
      // One record per (loser, winner) pair: the same version can lose to two different
      // versions on two tablets, in different fields, and each of those losses must be kept.
      const id = `conflict:${c.loser.device}-${c.loser.seq}.${c.winner.device}-${c.winner.seq}`
      const body = {
        subjectId: c.subjectId, reason: c.reason, winner: { device: c.winner.device, seq: c.winner.seq, author: c.winner.author },
        loser: c.loser, fields: c.fields, at: Date.now(),
      }
      try {
        await retrying(async () => {
          if (!(await vdb.docs.findOne(id).exec())) await writer.insert([{ kind: 'conflict', id, ref: c.subjectId, body, year: c.loser.year }])
        }, writer.retryDelaysMs)
        writer.unsaved.saved(id)
        vdb.conflicts.pending.shift()
      } catch (e) {
        writer.unsaved.failed(id, 'conflict', e)
        stalled = true
        retryTimer ??= setTimeout(() => { retryTimer = null; stalled = false; void drainConflicts() }, RETRY_MS)
        ;(retryTimer as { unref?: () => void }).unref?.()
        return
      }
    }
  }
  /** Writes what the conflict handler found; resolves when nothing is left to write (or the writes fail: tried again later). */
  function drainConflicts(): Promise<void> {
    draining ??= drainOnce().finally(() => { draining = null })
    return draining.then(() => (vdb.conflicts.pending.length > 0 && !stalled ? drainConflicts() : undefined))
  }
  vdb.conflicts.notify = () => { stalled = false; void drainConflicts() }
  await drainConflicts()

  // The ballot box: ballots wait apart from their check-offs and are written in shuffled batches.
  const ballotBox = await createBallotBox(vdb, writer, identity, repos.votes)
  // Closing a vote on this tablet writes its boxed ballots first, then the close.
  const updateVote = repos.votes.update.bind(repos.votes)
  repos.votes.update = async (id, patch) => {
    if (patch.closedAt) await ballotBox.flush(id)
    return updateVote(id, patch)
  }

  /**
   * Records one vote cast: the check-off (who) is written at once; the ballot (what) from the domain's
   * castVote (random ballot id, hour-coarse ballot time, sealed link) goes into the ballot box and is
   * written later in a shuffled batch, so write order does not link the two. The ballot's envelope
   * carries the coarse time too, never the exact one.
   */
  async function recordBallot(input: { vote: D.Vote; voterId: string; choices: string[]; recordedBy: string; at?: number }) {
    const at = input.at ?? (identity.now ?? Date.now)()
    const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n))
    const { checkOff, ballot } = D.castVote({ vote: input.vote, voterId: input.voterId, choices: input.choices, recordedBy: input.recordedBy, device: identity.deviceId, at, random })
    const year = identity.year?.() ?? yearOfTime(ballot.castAt)
    await ballotBox.cast(repos.checkoffs.item(checkOff), { ...repos.ballots.item(ballot), deviceTime: ballot.castAt, year })
    return { checkoffId: checkOff.id, ballotId: ballot.id }
  }

  /** Conflict records and audit events this tablet could not store yet (kept, tried again): the person is told. */
  const unsaved$ = writer.unsaved.count$.asObservable()

  return { ...repos, writer, ballotBox, recordBallot, drainConflicts, unsaved$ }
}

export type Repositories = Awaited<ReturnType<typeof createRepositories>>
export * from './replication'
export * from './identity'
export * from './devicekeys'
export * from './quarantine'
export * from './personkeys'
export * from './refusals'
export * from './carry'
export * from './conflicts'
export * from './photos'
export { newIdRest } from './hash'
