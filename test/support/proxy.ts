import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * A fault-injecting TCP proxy on loopback, between tablets and the hub. It knows just enough
 * HTTP/1.1 to find where a response starts and which request is a long-poll; everything else
 * is bytes. The plan can be changed while traffic flows.
 *
 * It can also be a thin link: with `upKbps` / `downKbps` set, each direction is one shared radio
 * channel that carries its bytes one after the other at that rate (every connection queues on it,
 * in 1,460-byte segments), a connection's first bytes wait `connectMs` (TCP's handshake), and a
 * connection that has more than 16 KB waiting on the link is paused until the link drains, as TCP's
 * window would. Named profiles: `LINKS`.
 */
export interface FaultPlan {
  /** added to every chunk, each way (order kept) */
  delayMs: number
  /** extra random delay per chunk, 0..jitterMs */
  jitterMs: number
  /** probability that a new connection is torn down after a random time (0..dropWithinMs) */
  dropRate: number
  dropWithinMs: number
  /** probability that a response is cut half-way (part of its first chunk, then both sockets reset) */
  cutRate: number
  /** this many of the next responses are cut half-way, whatever cutRate says */
  cutNext: number
  /** long-poll answers (`_changes?…feed=longpoll`) are swallowed: the connection stays open and silent */
  stallLongPolls: boolean
  /** nothing passes at all: new connections are accepted and stay silent, open ones stall (a dead
   * network); when it ends, every connection that lived through it is reset */
  blackhole: boolean
  /** tablet → hub rate, kbit/s (1,000 bit/s); 0 = no limit */
  upKbps: number
  /** hub → tablet rate, kbit/s; 0 = no limit */
  downKbps: number
  /** a new connection's first bytes go up this much later (the TCP handshake: one round trip) */
  connectMs: number
  /** when this many bytes have gone up in all (stats.bytesUp), every open connection is reset, once */
  cutAtBytesUp: number | null
}

/** A thin link: rates, round trip and how often a connection dies. */
export interface LinkProfile { name: string; upKbps: number; downKbps: number; rttMs: number; dropRate: number; dropWithinMs: number }

/**
 * Links named for what they model. 2G/EDGE at the edge of coverage (the figures); GPRS where
 * there is no EDGE; a weak 3G signal. The loss of gprs and 3g-weak is our own guess (not measured).
 */
export const LINKS = {
  edge: { name: 'edge', upKbps: 64, downKbps: 128, rttMs: 600, dropRate: 0.02, dropWithinMs: 60_000 },
  gprs: { name: 'gprs', upKbps: 32, downKbps: 64, rttMs: 1_000, dropRate: 0.02, dropWithinMs: 60_000 },
  '3g-weak': { name: '3g-weak', upKbps: 256, downKbps: 768, rttMs: 300, dropRate: 0.01, dropWithinMs: 60_000 },
} as const satisfies Record<string, LinkProfile>
export type LinkName = keyof typeof LINKS

/** The plan of a link profile: half the round trip each way, one round trip to connect. */
export function linkPlan(link: LinkProfile): Partial<FaultPlan> {
  return { upKbps: link.upKbps, downKbps: link.downKbps, delayMs: link.rttMs / 2, connectMs: link.rttMs, dropRate: link.dropRate, dropWithinMs: link.dropWithinMs }
}

export interface FaultStats {
  connections: number; dropped: number; cut: number; stalled: number; bytesUp: number; bytesDown: number
  /** sockets reset all at once (`cutAll`, `cutAtBytesUp`): the whole link dropping */
  resets: number
  /** request lines that went into the blackhole (never answered) */
  lost: string[]
  /** requests by kind (`POST _bulk_docs`, `GET _changes longpoll`…): how many, bytes up, bytes of their answers down */
  requests: Record<string, { count: number; up: number; down: number }>
  /** ms each direction of a thin link spent carrying bytes (busy over elapsed = how full the link was) */
  busyUpMs: number
  busyDownMs: number
}

/** A request's kind for the stats: method, last path segment of a database route, the feed of `_changes`. */
function requestKind(method: string, target: string): string {
  const path = target.split('?')[0]!
  const last = /\/(_[a-z_]+)(?:\/[^/]*)?$/.exec(path)?.[1] ?? (path.split('/').length > 3 ? 'doc' : path)
  const feed = last === '_changes' ? ` ${/feed=(\w+)/.exec(target)?.[1] ?? 'normal'}` : ''
  return `${method} ${last}${feed}`
}

export interface FaultProxy {
  url: string
  port: number
  plan: FaultPlan
  stats: FaultStats
  set(plan: Partial<FaultPlan>): void
  /** Resets every open connection (a network blip). */
  cutAll(): void
  close(): Promise<void>
}

const CALM: FaultPlan = {
  delayMs: 0, jitterMs: 0, dropRate: 0, dropWithinMs: 0, cutRate: 0, cutNext: 0, stallLongPolls: false, blackhole: false,
  upKbps: 0, downKbps: 0, connectMs: 0, cutAtBytesUp: null,
}

const SEGMENT = 1460
/** bytes a connection may have waiting on a thin link before the proxy stops reading from it */
const WINDOW = 16 * 1024

/**
 * One direction of the link, shared by every connection: segments are carried one after the other,
 * each taking its size over the rate (none when the rate is 0). A virtual clock keeps timer lateness
 * from adding up.
 */
class Channel {
  private queue: { bytes: number; send: () => void; gone: () => boolean }[] = []
  private clock = 0
  private timer: NodeJS.Timeout | null = null
  /** ms spent carrying bytes */
  busyMs = 0
  constructor(private readonly kbps: () => number) {}
  get rate(): number { return this.kbps() }
  carry(bytes: number, send: () => void, gone: () => boolean): void {
    this.queue.push({ bytes, send, gone })
    this.pump()
  }
  private pump(): void {
    while (this.timer === null && this.queue.length > 0) {
      const next = this.queue.shift()!
      if (next.gone()) continue
      const now = Date.now()
      const rate = this.kbps()
      const ms = rate > 0 ? (next.bytes * 8) / rate : 0
      this.busyMs += ms
      this.clock = Math.max(this.clock, now) + ms
      if (this.clock <= now) { next.send(); continue }
      this.timer = setTimeout(() => { this.timer = null; next.send(); this.pump() }, this.clock - now)
    }
  }
  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.queue = []
  }
}

/**
 * Writes to one socket through a channel, then after the plan's delay (order kept); `end` follows
 * the last write. `from` is paused while more than WINDOW bytes of it wait on the channel.
 */
function linkWriter(to: Socket, from: Socket, channel: Channel, plan: () => FaultPlan, random: () => number, readyAt: number) {
  let last = 0
  let waiting = 0
  let held: (() => void)[] | null = readyAt > Date.now() ? [] : null
  if (held) setTimeout(() => { const h = held ?? []; held = null; for (const f of h) f() }, readyAt - Date.now())
  const gone = () => to.destroyed
  const later = (fn: () => void) => {
    const p = plan()
    const at = Math.max(Date.now() + p.delayMs + (p.jitterMs ? random() * p.jitterMs : 0), last)
    last = at
    if (at <= Date.now()) fn()
    else setTimeout(fn, at - Date.now())
  }
  const enqueue = (bytes: number, deliver: () => void) => {
    const go = () => channel.carry(bytes, () => {
      waiting -= bytes
      if (from.isPaused() && waiting <= WINDOW / 2) from.resume()
      later(deliver)
    }, gone)
    if (held) held.push(go)
    else go()
  }
  return {
    write(buffer: Buffer) {
      const size = channel.rate > 0 ? SEGMENT : buffer.length
      for (let at = 0; at < buffer.length; at += size) {
        const piece = buffer.subarray(at, Math.min(buffer.length, at + size))
        // a plain view of the bytes (TS 6 with @types/node 20 will not pass a Buffer to write())
        const chunk = new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength)
        waiting += chunk.length
        enqueue(chunk.length, () => { if (!to.destroyed) to.write(chunk) })
      }
      if (waiting > WINDOW && !from.isPaused()) from.pause()
    },
    end() { enqueue(0, () => { if (!to.destroyed) to.end() }) },
    /** runs `fn` once everything written so far has arrived */
    after(fn: () => void) { enqueue(0, fn) },
  }
}

export async function startFaultProxy(target: { host?: string; port: number }, opts: { random?: () => number; plan?: Partial<FaultPlan> } = {}): Promise<FaultProxy> {
  const random = opts.random ?? Math.random
  const plan: FaultPlan = { ...CALM, ...opts.plan }
  const stats: FaultStats = { connections: 0, dropped: 0, resets: 0, cut: 0, stalled: 0, bytesUp: 0, bytesDown: 0, lost: [], requests: {}, busyUpMs: 0, busyDownMs: 0 }
  const requestLine = (chunk: Buffer) => /^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r\n/.exec(chunk.subarray(0, 512).toString('latin1'))
  const open = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const upLink = new Channel(() => plan.upKbps)
  const downLink = new Channel(() => plan.downKbps)
  Object.defineProperties(stats, {
    busyUpMs: { get: () => upLink.busyMs, enumerable: true },
    busyDownMs: { get: () => downLink.busyMs, enumerable: true },
  })

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    stats.connections++
    open.add(client)
    client.on('error', () => undefined)
    client.on('close', () => open.delete(client))
    if (plan.blackhole) { // accepted, never answered
      client.on('data', (chunk: Buffer) => { const line = requestLine(chunk); if (line) stats.lost.push(`${line[1]} ${line[2]}`) })
      return
    }
    const upstream = connect({ host: target.host ?? '127.0.0.1', port: target.port, allowHalfOpen: true })
    open.add(upstream)
    upstream.on('error', () => client.destroy())
    upstream.on('close', (hadError) => { open.delete(upstream); if (hadError) client.destroy() })
    client.on('error', () => upstream.destroy())

    const kill = () => { client.resetAndDestroy(); upstream.destroy() }
    if (plan.dropRate > 0 && random() < plan.dropRate) {
      const t = setTimeout(() => { timers.delete(t); stats.dropped++; kill() }, random() * plan.dropWithinMs)
      timers.add(t)
      client.on('close', () => { clearTimeout(t); timers.delete(t) })
    }

    let longPoll = false
    let stalled = false
    let current: FaultStats['requests'][string] | null = null
    const up = linkWriter(upstream, client, upLink, () => plan, random, Date.now() + plan.connectMs)
    const down = linkWriter(client, upstream, downLink, () => plan, random, 0)
    client.on('data', (chunk: Buffer) => {
      const line = requestLine(chunk)
      if (plan.blackhole) { if (line) stats.lost.push(`${line[1]} ${line[2]}`); return }
      stats.bytesUp += chunk.length
      if (plan.cutAtBytesUp !== null && stats.bytesUp >= plan.cutAtBytesUp) {
        plan.cutAtBytesUp = null
        stats.resets += open.size
        for (const s of [...open]) s.resetAndDestroy()
        return
      }
      if (line) {
        longPoll = /\/_changes\?/.test(line[2]!) && /feed=longpoll/.test(line[2]!)
        const kind = requestKind(line[1]!, line[2]!)
        current = stats.requests[kind] ??= { count: 0, up: 0, down: 0 }
        current.count++
      }
      if (current) current.up += chunk.length
      up.write(chunk)
    })
    client.on('end', () => up.end())
    upstream.on('end', () => down.end())
    client.on('close', () => upstream.destroy())
    upstream.on('data', (chunk: Buffer) => {
      if (plan.blackhole || stalled) return
      if (longPoll && plan.stallLongPolls) { stalled = true; stats.stalled++; return }
      stats.bytesDown += chunk.length
      if (current) current.down += chunk.length
      const starts = chunk.subarray(0, 9).toString('latin1').startsWith('HTTP/1.')
      if (starts && (plan.cutNext > 0 || (plan.cutRate > 0 && random() < plan.cutRate))) {
        if (plan.cutNext > 0) plan.cutNext--
        stats.cut++
        const keep = Math.max(1, Math.floor(chunk.length * (0.2 + 0.6 * random())))
        down.write(chunk.subarray(0, keep))
        down.after(() => { const t = setTimeout(() => { timers.delete(t); kill() }, 5); timers.add(t) })
        stalled = true
        return
      }
      down.write(chunk)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`, port, plan, stats,
    set(p) {
      const healing = plan.blackhole && p.blackhole === false
      Object.assign(plan, p)
      // a connection that lived through the dead spell is reset, as TCP does when its retries give up
      // (its swallowed bytes must never be taken for part of a later answer)
      if (healing) for (const s of [...open]) s.destroy()
    },
    cutAll() { stats.resets += open.size; for (const s of [...open]) s.destroy() },
    async close() {
      upLink.close()
      downLink.close()
      for (const t of timers) clearTimeout(t)
      for (const s of [...open]) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
