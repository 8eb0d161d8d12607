/**
 * What this tablet knows of its link to the hub, learnt from its own requests: the rate each way,
 * the round trip, how many bytes a record takes on the wire, and how long the link stayed up the
 * last times it dropped. From that: batch sizes that take a few seconds on the link (a cut loses
 * little, a round trip is a small share), and an estimate of the time a sync still needs, with a
 * warning when the link will likely drop first.
 *
 * Figures saved from an earlier session are a guess: a tablet that synced on the township's Wi-Fi
 * yesterday is on GPRS today. Until this session has measured its uplink, push batches stay at
 * most the first size and nothing is sent on the strength of the old rate; the first measurement of
 * the session replaces the old figure instead of being averaged with it. (With yesterday's rate, a
 * GPRS push went out in batches of a thousand records, 141 KB, three at a time on a 4 KB/s uplink:
 * none got its answer within the client's minute, each was sent again, and again.)
 */

export interface LinkFigures {
  /** bytes per second, tablet → hub (request bodies over their upload time), null until measured */
  upBytesPerS: number | null
  /** bytes per second, hub → tablet (answers over their download time) */
  downBytesPerS: number | null
  /** shortest answer time of a request without a body, ms */
  rttMs: number | null
  /** bytes a record takes in a push request (compressed), as last measured */
  upBytesPerRecord: number | null
  /** bytes a record takes in a pull answer (compressed) */
  downBytesPerRecord: number | null
  /** how long the link stayed up before its last drops (s), newest last */
  windowsS: number[]
}

export const NO_FIGURES: LinkFigures = { upBytesPerS: null, downBytesPerS: null, rttMs: null, upBytesPerRecord: null, downBytesPerRecord: null, windowsS: [] }

/** One request as the tablet saw it. */
export interface RequestSample {
  /** bytes of the request body as sent (compressed), 0 for none */
  sentBytes: number
  /** records the body carried (a push), 0 otherwise */
  sentRecords: number
  /** ms from the start to the answer's headers */
  headersMs: number
  /** bytes of the answer's body on the wire (its Content-Length), null when unknown */
  receivedBytes: number | null
  /** ms from the headers to the end of the answer's body, null when unknown */
  bodyMs: number | null
  /** a page of the pull (its records are counted by `page`), a long-poll (its answer time says nothing of the link), or another request */
  kind: 'page' | 'longpoll' | 'other'
}

/** Seconds of link time a batch should take: long enough that a round trip is a small share, short enough that a cut loses little. */
export const BATCH_SECONDS = 8
/**
 * At most what the hub takes and serves in one request (sync-server/limits.ts: 1,000 documents a
 * `_bulk_docs`, 1,000 records a `_changes` page). A page asked for 2,000 came back with 1,000, which
 * RxDB and the catch-up read as the last page: the live long-poll then walked the feed beside the
 * catch-up, and a fresh tablet on 3g-weak received every record twice (2.1 MB for 1.1 MB).
 */
const PUSH = { min: 20, max: 1000, first: 200 }
const PULL = { min: 50, max: 1000, first: 500 }
/** Rates below this many bytes of a sample say nothing (a few segments arrive at once) */
const MIN_SAMPLE_BYTES = 4096
const KEEP_WINDOWS = 5
/** A request body this small goes up in one or two segments: its answer time is a round trip */
const SMALL_BODY_BYTES = 2048
/** A body's upload time is guessed at this rate (16 kbit/s, below any link we serve) until the uplink is measured */
const FLOOR_BYTES_PER_S = 2_000

const blend = (old: number | null, sample: number, weight = 0.5) => (old === null ? sample : old * (1 - weight) + sample * weight)
/**
 * Bytes a record takes: the mean over the records behind the figure, the last RECORDS_KEPT of them.
 * (Averaged batch by batch, the vote pushed online — one record of 4.5 KB, its roster — weighed as
 * much as a batch of 200 ballots of 140 B: the GPRS push then went out 24 records at a time.)
 * A saved figure counts as SAVED_RECORDS records.
 */
const RECORDS_KEPT = 1000
const SAVED_RECORDS = 200
class PerRecord {
  constructor(private behind: number) {}
  add(old: number | null, bytes: number, records: number): number {
    const mean = old === null || this.behind === 0 ? bytes / records : (old * this.behind + bytes) / (this.behind + records)
    this.behind = Math.min(RECORDS_KEPT, this.behind + records)
    return mean
  }
}

export class LinkMeter {
  private f: LinkFigures
  private upSince: number | null = null
  private pageBytes: number | null = null
  /** which figures this session has measured (the others are saved guesses) */
  private fresh = { up: false, down: false, rtt: false }
  private readonly upPerRecord: PerRecord
  private readonly downPerRecord: PerRecord
  private readonly now: () => number
  /** called after each change of the figures */
  changed: () => void = () => {}

  constructor(saved: Partial<LinkFigures> | null = null, now: () => number = Date.now) {
    this.f = { ...NO_FIGURES, ...(saved ?? {}), windowsS: [...(saved?.windowsS ?? [])] }
    this.upPerRecord = new PerRecord(this.f.upBytesPerRecord === null ? 0 : SAVED_RECORDS)
    this.downPerRecord = new PerRecord(this.f.downBytesPerRecord === null ? 0 : SAVED_RECORDS)
    this.now = now
  }

  get figures(): LinkFigures { return { ...this.f, windowsS: [...this.f.windowsS] } }

  /** A new session (the sync starts): the figures so far become guesses until measured again. */
  newSession(): void { this.fresh = { up: false, down: false, rtt: false } }

  /** The uplink's rate as measured in this session, bytes/s; null before. */
  get upRateNow(): number | null { return this.fresh.up ? this.f.upBytesPerS : null }

  /** Ms a request body of `bytes` may take to go up before its answer is due: twice its time at the rate of this session, or at 16 kbit/s before. */
  uploadAllowanceMs(bytes: number): number {
    return (2 * bytes * 1000) / (this.upRateNow ?? FLOOR_BYTES_PER_S)
  }

  /** Since when the link has been up (ms), null while it is down or not tried yet. */
  get upSinceMs(): number | null { return this.upSince }

  observe(s: RequestSample): void {
    if (this.upSince === null) this.upSince = this.now() - s.headersMs
    if (s.kind === 'longpoll') return
    if (s.kind === 'page') this.pageBytes = s.receivedBytes
    // the round trip: the quickest small answer, drifting up when the link has become slower (a
    // tablet that synced on the township's Wi-Fi yesterday is on 2G today)
    // (a push's pre-read, a few hundred bytes of ids, counts: after a start on a thin link it is the
    // only request that small, and a round trip left from the fast link made each batch read 25 % slow)
    if (s.sentBytes <= SMALL_BODY_BYTES && s.sentRecords === 0 && (s.receivedBytes ?? 0) < MIN_SAMPLE_BYTES) {
      const rtt = this.fresh.rtt ? this.f.rttMs : null
      this.f.rttMs = rtt === null || s.headersMs < rtt ? s.headersMs : blend(rtt, s.headersMs, 0.2)
      this.fresh.rtt = true
    }
    if (s.sentBytes >= MIN_SAMPLE_BYTES) {
      // the body's time is the answer's less a round trip, but at least half of it: a round trip
      // read long (a pre-read that waited behind a batch) made a 5 KB batch answered in 450 ms read
      // as 5 MB/s, and the next batches went up together on that rate
      const ms = Math.max(1, s.headersMs / 2, s.headersMs - (this.f.rttMs ?? 0))
      this.f.upBytesPerS = blend(this.fresh.up ? this.f.upBytesPerS : null, (s.sentBytes * 1000) / ms)
      this.fresh.up = true
    }
    if (s.sentRecords > 0) this.f.upBytesPerRecord = this.upPerRecord.add(this.f.upBytesPerRecord, s.sentBytes, s.sentRecords)
    if (s.receivedBytes !== null && s.bodyMs !== null && s.receivedBytes >= MIN_SAMPLE_BYTES) {
      this.f.downBytesPerS = blend(this.fresh.down ? this.f.downBytesPerS : null, (s.receivedBytes * 1000) / Math.max(1, s.bodyMs))
      this.fresh.down = true
    }
    this.changed()
  }

  /** The pull page last observed carried this many records. */
  page(records: number): void {
    if (this.pageBytes !== null && records > 0) this.f.downBytesPerRecord = this.downPerRecord.add(this.f.downBytesPerRecord, this.pageBytes, records)
    this.pageBytes = null
    this.changed()
  }

  /** A request failed on the network: the link dropped. How long it had been up is remembered. */
  dropped(): void {
    if (this.upSince === null) return
    this.f.windowsS = [...this.f.windowsS, (this.now() - this.upSince) / 1000].slice(-KEEP_WINDOWS)
    this.upSince = null
    this.changed()
  }

  /** Records per push request: about BATCH_SECONDS of uplink (less when the link tends to drop sooner); at most the first size until this session measured it. */
  pushBatchSize(): number {
    const n = pushSize(this.f)
    return this.fresh.up ? n : Math.min(PUSH.first, n)
  }

  /** Records per pull page. */
  pullBatchSize(): number {
    const n = pullSize(this.f)
    return this.fresh.down ? n : Math.min(PULL.first, n)
  }
}

/** Bytes per photo chunk: about BATCH_SECONDS of the measured uplink (a cut loses at most that), 16 KB to 256 KB; 64 KB unmeasured. */
export function photoChunkBytes(f: LinkFigures): number {
  if (f.upBytesPerS === null) return 64 * 1024
  return Math.max(16 * 1024, Math.min(256 * 1024, Math.round(f.upBytesPerS * batchSeconds(f))))
}

/** The typical time the link stays up (the median of the last drops), s; null before any drop. */
export function typicalWindowS(f: LinkFigures): number | null {
  if (f.windowsS.length === 0) return null
  const s = [...f.windowsS].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]!
}

function batchSeconds(f: LinkFigures): number {
  const w = typicalWindowS(f)
  return w === null ? BATCH_SECONDS : Math.max(1, Math.min(BATCH_SECONDS, w / 4))
}

function batchSize(rate: number | null, perRecord: number | null, seconds: number, bounds: { min: number; max: number; first: number }): number {
  if (rate === null || perRecord === null || perRecord <= 0) return bounds.first
  return Math.max(bounds.min, Math.min(bounds.max, Math.floor((rate * seconds) / perRecord)))
}
const pushSize = (f: LinkFigures) => batchSize(f.upBytesPerS, f.upBytesPerRecord, batchSeconds(f), PUSH)
const pullSize = (f: LinkFigures) => batchSize(f.downBytesPerS, f.downBytesPerRecord, batchSeconds(f), PULL)

export interface TimeLeft {
  /** seconds the records still to send and to receive need at the measured speed; null when unknown */
  seconds: number | null
  /** the link will likely drop before that: it stayed up `windowS` seconds the last times */
  tooWeak: boolean
  windowS: number | null
}

/**
 * How long the rest of a sync will take: the bytes each way over the rate, one round trip per batch.
 * Too weak: it needs more time than the link stayed up the last times it dropped.
 */
export function timeLeft(f: LinkFigures, toSend: number, toReceive: number): TimeLeft {
  const windowS = typicalWindowS(f)
  const leg = (records: number, rate: number | null, perRecord: number | null, batch: number): number | null => {
    if (records <= 0) return 0
    if (rate === null || perRecord === null) return null
    return (records * perRecord) / rate + Math.ceil(records / batch) * ((f.rttMs ?? 0) / 1000)
  }
  const up = leg(toSend, f.upBytesPerS, f.upBytesPerRecord, pushSize(f))
  const down = leg(toReceive, f.downBytesPerS, f.downBytesPerRecord, pullSize(f))
  const seconds = up === null || down === null ? null : Math.ceil(up + down)
  return { seconds, tooWeak: seconds !== null && windowS !== null && seconds > windowS, windowS }
}
