import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * A fault-injecting TCP proxy on loopback, between tablets and the hub. It knows just enough
 * HTTP/1.1 to find where a response starts and which request is a long-poll; everything else
 * is bytes. The plan can be changed while traffic flows.
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
  /** long-poll answers (`_changes?…feed=longpoll`) are swallowed: the connection stays open and silent */
  stallLongPolls: boolean
  /** nothing passes at all: new connections are accepted and stay silent, open ones stall (a dead
   * network); when it ends, every connection that lived through it is reset */
  blackhole: boolean
}

export interface FaultStats {
  connections: number; dropped: number; cut: number; stalled: number; bytesUp: number; bytesDown: number
  /** request lines that went into the blackhole (never answered) */
  lost: string[]
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

const CALM: FaultPlan = { delayMs: 0, jitterMs: 0, dropRate: 0, dropWithinMs: 0, cutRate: 0, stallLongPolls: false, blackhole: false }

/** Ordered, delayed writes to one socket; `end` follows the last queued write. */
function delayedWriter(to: Socket, plan: () => FaultPlan, random: () => number) {
  let last = 0
  const later = (fn: () => void, delay: number) => {
    const at = Math.max(Date.now() + delay, last)
    last = at
    if (at <= Date.now()) fn()
    else setTimeout(fn, at - Date.now())
  }
  return {
    write(buffer: Buffer) {
      const p = plan()
      // a plain view of the bytes (TS 6 with @types/node 20 will not pass a Buffer to write())
      const chunk = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
      later(() => { if (!to.destroyed) to.write(chunk) }, p.delayMs + (p.jitterMs ? random() * p.jitterMs : 0))
    },
    end() { later(() => { if (!to.destroyed) to.end() }, 0) },
  }
}

export async function startFaultProxy(target: { host?: string; port: number }, opts: { random?: () => number; plan?: Partial<FaultPlan> } = {}): Promise<FaultProxy> {
  const random = opts.random ?? Math.random
  const plan: FaultPlan = { ...CALM, ...opts.plan }
  const stats: FaultStats = { connections: 0, dropped: 0, cut: 0, stalled: 0, bytesUp: 0, bytesDown: 0, lost: [] }
  const requestLine = (chunk: Buffer) => /^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r\n/.exec(chunk.subarray(0, 512).toString('latin1'))
  const open = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()

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
    const up = delayedWriter(upstream, () => plan, random)
    const down = delayedWriter(client, () => plan, random)
    client.on('data', (chunk: Buffer) => {
      const line = requestLine(chunk)
      if (plan.blackhole) { if (line) stats.lost.push(`${line[1]} ${line[2]}`); return }
      stats.bytesUp += chunk.length
      if (line) longPoll = /\/_changes\?/.test(line[2]!) && /feed=longpoll/.test(line[2]!)
      up.write(chunk)
    })
    client.on('end', () => up.end())
    upstream.on('end', () => down.end())
    client.on('close', () => upstream.destroy())
    upstream.on('data', (chunk: Buffer) => {
      if (plan.blackhole || stalled) return
      if (longPoll && plan.stallLongPolls) { stalled = true; stats.stalled++; return }
      stats.bytesDown += chunk.length
      if (plan.cutRate > 0 && chunk.subarray(0, 9).toString('latin1').startsWith('HTTP/1.') && random() < plan.cutRate) {
        stats.cut++
        const keep = Math.max(1, Math.floor(chunk.length * (0.2 + 0.6 * random())))
        down.write(chunk.subarray(0, keep))
        const t = setTimeout(() => { timers.delete(t); kill() }, plan.delayMs + plan.jitterMs + 5)
        timers.add(t)
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
    cutAll() { for (const s of [...open]) s.destroy() },
    async close() {
      for (const t of timers) clearTimeout(t)
      for (const s of [...open]) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
