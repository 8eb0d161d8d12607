/**
 * The ballot box: ballots wait on the tablet, apart from the check-offs, until a batch of them is
 * written in a shuffled order — so neither the per-device `seq`, nor the audit chain, nor the hub's
 * `_changes` feed links a voter's check-off to their ballot by write order.
 *
 * Kept in one RxDB local document of the `docs` collection (local documents are never replicated).
 * A cast:  1. the ballot goes into the box, at a random place, marked `pending` with its check-off id
 *          2. the check-off is written (the usual insert, so one-voter-one-check-off and double-vote
 *             detection work as before)
 *          3. the `pending` mark is removed — the link between voter and ballot lived only this long.
 * At start-up a `pending` entry whose check-off this tablet wrote is kept, any other is dropped (the cast
 * never completed and nobody was checked off). A flush inserts all boxed ballots of a vote in one batch,
 * in a crypto-random order, then empties them from the box; ballots already in the database (a flush
 * that crashed half-way) are not written twice. The anonymity set is the ballots of one flush.
 *
 * A ballot cast after a close this tablet did not know of yet (the vote was closed on another tablet
 * while this one was offline) is written at flush time as cast just after the close, so the hub
 * refuses it in plain words, like its check-off ("the vote was closed before this ballot was
 * recorded"), and no result counts it. For that the box keeps each ballot's exact cast time while it
 * is boxed (on this tablet only; it is never written anywhere).
 *
 * Flushes happen when the kiosk session ends, before a vote is closed on this tablet, when a vote with
 * boxed ballots is seen closed (closed by sync, or its closing time passed on this device's clock), and
 * on `flush(voteId?)`.
 */
import { BehaviorSubject, combineLatest, distinctUntilChanged, map, type Observable, type Subscription } from 'rxjs'
import type * as D from '@/domain'
import type { VillageDb } from './db'
import { DataError } from './errors'
import { BODY_VERSIONS, validateDocument, type YishiDoc } from '@/shared/schemas'
import type { Writer, WriteItem, WriterIdentity } from './writer'

/** Id of the local document that holds the box. */
export const BALLOT_BOX_KEY = 'ballot-box'

export interface BoxEntry {
  voteId: string
  /** The ballot's write item (kind `ballot`, coarse device time, year fixed at the cast). */
  item: WriteItem
  /** Only while the cast is being written: the check-off id. Gone once the check-off is saved. */
  pending?: string
  /** The exact cast time, kept only while boxed: a ballot cast after the vote's close is held to it. */
  castAt?: number
}

export interface BallotBox {
  /** Writes the boxed ballots (of one vote, or of every vote) in shuffled batches; resolves to how many were written. */
  flush(voteId?: string): Promise<number>
  /** How many ballots wait in the box (of one vote, or all). */
  count$(voteId?: string): Observable<number>
  count(voteId?: string): Promise<number>
  /** Boxes a ballot and writes its check-off (used by recordBallot). */
  cast(checkoff: WriteItem, ballot: WriteItem): Promise<void>
}

/** Unbiased random integer in [0, n) from crypto.getRandomValues. */
export function randomIndex(n: number): number {
  if (n <= 1) return 0
  const limit = Math.floor(0x1_0000_0000 / n) * n
  const buf = new Uint32Array(1)
  for (let i = 0; i < 64; i++) {
    globalThis.crypto.getRandomValues(buf)
    if (buf[0]! < limit) return buf[0]! % n
  }
  return buf[0]! % n
}

/** Fisher–Yates with crypto randomness; returns a new array. */
export function cryptoShuffle<T>(items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomIndex(i + 1)
    const tmp = out[i]!; out[i] = out[j]!; out[j] = tmp
  }
  return out
}

type VoteTimes = Pick<D.Vote, 'id' | 'closesAt' | 'closedAt'>

export async function createBallotBox(
  vdb: VillageDb,
  writer: Writer,
  identity: WriterIdentity,
  votes: { list$(): Observable<VoteTimes[]>; list(): Promise<VoteTimes[]> },
): Promise<BallotBox> {
  const now = identity.now ?? Date.now
  const box$ = new BehaviorSubject<BoxEntry[]>([])
  let queue: Promise<unknown> = Promise.resolve()
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task)
    queue = run.catch(() => undefined)
    return run
  }

  async function read(): Promise<BoxEntry[]> {
    const doc = await vdb.docs.getLocal<{ entries: BoxEntry[] }>(BALLOT_BOX_KEY)
    return [...((doc?.get('entries') as BoxEntry[] | undefined) ?? [])]
  }
  async function write(entries: BoxEntry[]): Promise<void> {
    await vdb.docs.upsertLocal(BALLOT_BOX_KEY, { entries })
    box$.next(entries)
  }

  /** A pending entry survives start-up only if this tablet wrote its check-off (or that check-off lost to another tablet's). */
  async function checkedOffHere(checkoffId: string): Promise<boolean> {
    const doc = await vdb.docs.findOne(checkoffId).exec()
    if (doc && doc.device === identity.deviceId) return true
    const lost = await vdb.docs.find({ selector: { kind: 'conflict', ref: checkoffId } }).exec()
    return lost.some((c) => (c.body as { loser?: { device?: string } }).loser?.device === identity.deviceId)
  }

  async function recover(): Promise<void> {
    const entries = await read()
    if (!entries.some((e) => e.pending !== undefined)) { box$.next(entries); return }
    const kept: BoxEntry[] = []
    for (const e of entries) {
      if (e.pending === undefined) { kept.push(e); continue }
      if (await checkedOffHere(e.pending)) kept.push({ voteId: e.voteId, item: e.item, ...(e.castAt !== undefined ? { castAt: e.castAt } : {}) })
    }
    await write(kept)
  }

  function cast(checkoff: WriteItem, ballot: WriteItem): Promise<void> {
    return serial(async () => {
      const probe: YishiDoc = {
        id: ballot.id, kind: 'ballot', v: BODY_VERSIONS.ballot, village: identity.villageId, year: ballot.year ?? 0,
        author: identity.actor(), device: identity.deviceId, deviceTime: ballot.deviceTime ?? now(), seq: 1, ref: ballot.ref, body: ballot.body,
      }
      const checked = validateDocument(probe)
      if (!checked.ok) throw new DataError('invalid', checked.reason, { id: ballot.id, refusal: { code: checked.code, params: checked.params } })
      const present = await vdb.docs.findByIds([checkoff.id, ballot.id]).exec()
      if (present.size > 0) {
        const id = present.has(checkoff.id) ? checkoff.id : ballot.id
        throw new DataError('already-recorded', `${id} is already recorded on this tablet`, { id })
      }
      const before = await read()
      const at = randomIndex(before.length + 1)
      const castAt = Number((checkoff.body as { at?: unknown }).at) || now()
      const entry: BoxEntry = { voteId: ballot.ref, item: ballot, pending: checkoff.id, castAt }
      await write([...before.slice(0, at), entry, ...before.slice(at)])
      try {
        await writer.insert([checkoff])
      } catch (e) {
        await write(before)
        throw e
      }
      await write([...before.slice(0, at), { voteId: ballot.ref, item: ballot, castAt }, ...before.slice(at)])
    })
  }

  function flush(voteId?: string): Promise<number> {
    return serial(async () => {
      let entries = await read()
      const voteIds = [...new Set(entries.filter((e) => e.pending === undefined && (voteId === undefined || e.voteId === voteId)).map((e) => e.voteId))]
      let written = 0
      const known = voteIds.length > 0 ? await votes.list() : []
      for (const v of voteIds) {
        const batch = entries.filter((e) => e.pending === undefined && e.voteId === v)
        const present = await vdb.docs.findByIds(batch.map((e) => e.item.id)).exec()
        const todo = cryptoShuffle(batch.filter((e) => !present.has(e.item.id)))
        const closedAt = known.find((x) => x.id === v)?.closedAt ?? 0
        if (todo.length > 0) await writer.insert(todo.map((e) => (closedAt > 0 && (e.castAt ?? 0) > closedAt ? late(e.item, closedAt) : e.item)))
        written += todo.length
        const gone = new Set(batch.map((e) => e.item.id))
        entries = entries.filter((e) => !gone.has(e.item.id))
        await write(entries)
      }
      return written
    })
  }

  /** A ballot cast after the close: recorded as cast just after it (not its real time), so the hub refuses it. */
  function late(item: WriteItem, closedAt: number): WriteItem {
    return { ...item, deviceTime: closedAt + 1, body: { ...item.body, castAt: closedAt + 1 } }
  }

  function count$(voteId?: string): Observable<number> {
    return box$.pipe(map((entries) => entries.filter((e) => voteId === undefined || e.voteId === voteId).length), distinctUntilChanged())
  }

  async function count(voteId?: string): Promise<number> {
    return (await read()).filter((e) => voteId === undefined || e.voteId === voteId).length
  }

  // A vote with boxed ballots that is closed (by sync, or its time is up on this device's clock) is flushed.
  const timers = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>()
  const flushing = new Set<string>()
  function flushClosed(list: VoteTimes[], entries: BoxEntry[]): Promise<unknown> {
    const boxed = new Set(entries.filter((e) => e.pending === undefined).map((e) => e.voteId))
    const jobs: Promise<unknown>[] = []
    for (const [id, t] of timers) if (!boxed.has(id)) { clearTimeout(t.timer); timers.delete(id) }
    for (const v of list) {
      if (!boxed.has(v.id)) continue
      const end = v.closedAt || v.closesAt
      const t = now()
      if (t >= end) {
        if (flushing.has(v.id)) continue
        flushing.add(v.id)
        jobs.push(flush(v.id).catch(() => 0).finally(() => flushing.delete(v.id)))
      } else if (timers.get(v.id)?.at !== end) {
        const old = timers.get(v.id)
        if (old) clearTimeout(old.timer)
        const delay = Math.min(Math.max(end - t, 1_000), 2 ** 31 - 1)
        timers.set(v.id, { at: end, timer: setTimeout(() => { timers.delete(v.id); box$.next(box$.value) }, delay) })
      }
    }
    return Promise.all(jobs)
  }

  await recover()
  await flushClosed(await votes.list(), box$.value)
  let sub: Subscription | null = combineLatest([votes.list$(), box$]).subscribe(([list, entries]) => { void flushClosed(list, entries) })
  vdb.db.onClose.push(() => {
    sub?.unsubscribe(); sub = null
    for (const t of timers.values()) clearTimeout(t.timer)
    timers.clear()
  })

  return { flush, count$, count, cast }
}
