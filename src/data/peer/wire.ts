/**
 * Messages between two paired tablets over one ordered, reliable channel (a WebRTC data channel;
 * an in-memory pair in tests). JSON messages are cut into frames of at most FRAME_CHARS (a data
 * channel message is limited, and a large one blocks everything behind it) and put back together
 * on arrival; sending waits while the channel's buffer is full. A peer's message larger than
 * MAX_MESSAGE_CHARS closes the link: a tablet does not hold whatever another device sends it.
 *
 * On top: requests with answers (`request`/`answer`), one-way notices (`notify`/`on`), and `closed`.
 */

/** The one thing the wire needs from a channel. */
export interface Transport {
  send(text: string): void
  /** characters (or bytes) queued and not yet sent */
  bufferedAmount(): number
  /** resolves once the queue is below the low-water mark (or the transport closed) */
  drained(): Promise<void>
  onMessage(cb: (text: string) => void): void
  onClose(cb: () => void): void
  close(): void
}

export const FRAME_CHARS = 60_000
export const MAX_MESSAGE_CHARS = 48_000_000
/** Above this many queued characters, sending waits for the channel to drain. */
export const HIGH_WATER = 1_000_000
export const LOW_WATER = 256_000

/** A peer that sent something the protocol does not allow, or went away. */
export class WireError extends Error {
  override readonly name = 'WireError'
  constructor(readonly reason: 'closed' | 'timeout' | 'too-large' | 'garbled' | 'remote', message: string) { super(message) }
}

type Message = { t: string; id?: number; [k: string]: unknown }
type Handler = (params: unknown) => Promise<unknown> | unknown

export class Wire {
  private next = 1
  private partial = ''
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>()
  private readonly handlers = new Map<string, Handler>()
  private readonly listeners = new Map<string, ((m: Message) => void)[]>()
  /** notices that arrived before anyone listened for their type (a few, kept for the first listener) */
  private readonly early: Message[] = []
  private readonly closeListeners: ((why: WireError) => void)[] = []
  private sending: Promise<void> = Promise.resolve()
  private closedWith: WireError | null = null
  /** characters sent and received, for the bench and the progress line */
  sentChars = 0
  receivedChars = 0

  constructor(private readonly transport: Transport, private readonly requestTimeoutMs = 30_000) {
    transport.onMessage((text) => this.frame(text))
    transport.onClose(() => this.shut(new WireError('closed', 'the other tablet went away')))
  }

  get closed(): WireError | null { return this.closedWith }

  /** Sends a message (queued in order; waits while the channel's buffer is full). */
  send(message: Message): Promise<void> {
    const text = JSON.stringify(message)
    const run = this.sending.then(async () => {
      if (this.closedWith) throw this.closedWith
      for (let at = 0; at < text.length; at += FRAME_CHARS) {
        if (this.transport.bufferedAmount() > HIGH_WATER) await this.transport.drained()
        if (this.closedWith) throw this.closedWith
        const last = at + FRAME_CHARS >= text.length
        this.transport.send((last ? '.' : '+') + text.slice(at, at + FRAME_CHARS))
      }
      this.sentChars += text.length
    })
    this.sending = run.catch(() => undefined)
    return run
  }

  /** Asks the other side to run `method`; resolves with its answer. */
  request<T>(method: string, params: unknown, timeoutMs = this.requestTimeoutMs): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith)
    const id = this.next++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new WireError('timeout', `the other tablet did not answer (${method})`))
      }, timeoutMs)
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
      this.send({ t: 'req', id, m: method, p: params }).catch((e: Error) => {
        clearTimeout(timer); this.waiting.delete(id); reject(e)
      })
    })
  }

  /** Answers the other side's requests for `method`. */
  answer(method: string, handler: Handler): void { this.handlers.set(method, handler) }

  /** A one-way message. */
  notify(type: string, body: Record<string, unknown> = {}): Promise<void> {
    return this.send({ ...body, t: `n:${type}` })
  }

  on(type: string, cb: (body: Record<string, unknown>) => void): void {
    const key = `n:${type}`
    this.listeners.set(key, [...(this.listeners.get(key) ?? []), cb])
    for (let i = 0; i < this.early.length;) {
      if (this.early[i]!.t === key) cb(this.early.splice(i, 1)[0]!)
      else i++
    }
  }

  /**
   * The next notice of `type` (waits at most `timeoutMs`; rejects when the wire closes). A caller
   * that gives up waiting before it awaits the answer leaves no unhandled rejection behind.
   */
  once(type: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const next = new Promise<Record<string, unknown>>((resolve, reject) => {
      let done = false
      const timer = setTimeout(() => { if (!done) { done = true; reject(new WireError('timeout', `the other tablet did not answer (${type})`)) } }, timeoutMs)
      this.onClose((why) => { if (!done) { done = true; clearTimeout(timer); reject(why) } })
      this.on(type, (m) => { if (!done) { done = true; clearTimeout(timer); resolve(m) } })
    })
    next.catch(() => undefined)
    return next
  }

  onClose(cb: (why: WireError) => void): void {
    if (this.closedWith) cb(this.closedWith)
    else this.closeListeners.push(cb)
  }

  close(): void {
    this.shut(new WireError('closed', 'the pairing was ended'))
    this.transport.close()
  }

  private shut(why: WireError): void {
    if (this.closedWith) return
    this.closedWith = why
    for (const w of this.waiting.values()) { clearTimeout(w.timer); w.reject(why) }
    this.waiting.clear()
    for (const cb of this.closeListeners.splice(0)) cb(why)
  }

  private frame(text: string): void {
    if (this.closedWith) return
    const more = text[0] === '+'
    if (!more && text[0] !== '.') return this.fail('garbled', 'the other tablet sent something that is not a Yishi message')
    if (this.partial.length + text.length > MAX_MESSAGE_CHARS) return this.fail('too-large', 'the other tablet sent a message too large to hold')
    this.partial += text.slice(1)
    if (more) return
    const whole = this.partial
    this.partial = ''
    this.receivedChars += whole.length
    let message: Message
    try { message = JSON.parse(whole) as Message } catch { return this.fail('garbled', 'the other tablet sent something that is not a Yishi message') }
    if (!message || typeof message !== 'object' || typeof message.t !== 'string') return this.fail('garbled', 'the other tablet sent something that is not a Yishi message')
    void this.dispatch(message)
  }

  private fail(reason: WireError['reason'], text: string): void {
    this.shut(new WireError(reason, text))
    this.transport.close()
  }

  private async dispatch(m: Message): Promise<void> {
    if (m.t === 'req' && typeof m.id === 'number' && typeof m.m === 'string') {
      const handler = this.handlers.get(m.m)
      try {
        if (!handler) throw new Error(`unknown request ${m.m}`)
        const result = await handler(m.p)
        await this.send({ t: 'res', id: m.id, r: result })
      } catch (e) {
        await this.send({ t: 'res', id: m.id, e: e instanceof Error ? e.message : String(e) }).catch(() => undefined)
      }
      return
    }
    if (m.t === 'res' && typeof m.id === 'number') {
      const w = this.waiting.get(m.id)
      if (!w) return
      this.waiting.delete(m.id)
      clearTimeout(w.timer)
      if (typeof m.e === 'string') w.reject(new WireError('remote', m.e))
      else w.resolve(m.r)
      return
    }
    const cbs = this.listeners.get(m.t)
    if (cbs) for (const cb of cbs) cb(m)
    else if (this.early.length < 16) this.early.push(m)
  }
}

/** Two transports joined back to back (tests, the bench's baseline). Delivery is asynchronous, in order. */
export function memoryTransportPair(): [Transport, Transport] {
  type Side = { message: ((t: string) => void)[]; close: (() => void)[]; open: boolean; other?: Side }
  const mk = (): Side => ({ message: [], close: [], open: true })
  const a = mk(); const b = mk()
  a.other = b; b.other = a
  const transport = (me: Side): Transport => ({
    send(text) {
      if (!me.open) throw new Error('closed')
      const to = me.other!
      queueMicrotask(() => { if (to.open) for (const cb of to.message) cb(text) })
    },
    bufferedAmount: () => 0,
    drained: () => Promise.resolve(),
    onMessage(cb) { me.message.push(cb) },
    onClose(cb) { me.close.push(cb) },
    close() {
      for (const side of [me, me.other!]) {
        if (!side.open) continue
        side.open = false
        const cbs = side.close.splice(0)
        queueMicrotask(() => { for (const cb of cbs) cb() })
      }
    },
  })
  return [transport(a), transport(b)]
}

/**
 * A WebRTC data channel as a transport. Listens from the moment it is made: what the other tablet
 * sends before anyone reads it (its first message can arrive while this side is still loading its
 * keys) is kept until `onMessage` is given, in order.
 */
export function channelTransport(dc: RTCDataChannel): Transport {
  dc.bufferedAmountLowThreshold = LOW_WATER
  let reader: ((text: string) => void) | null = null
  const early: string[] = []
  dc.addEventListener('message', (e: MessageEvent) => {
    if (typeof e.data !== 'string') return
    if (reader) reader(e.data)
    else if (early.length < 1_000) early.push(e.data)
  })
  return {
    send: (text) => dc.send(text),
    bufferedAmount: () => dc.bufferedAmount,
    drained: () => new Promise<void>((resolve) => {
      if (dc.bufferedAmount <= LOW_WATER || dc.readyState !== 'open') return resolve()
      const done = () => { dc.removeEventListener('bufferedamountlow', done); dc.removeEventListener('close', done); resolve() }
      dc.addEventListener('bufferedamountlow', done)
      dc.addEventListener('close', done)
    }),
    onMessage: (cb) => { reader = cb; for (const text of early.splice(0)) cb(text) },
    onClose: (cb) => dc.addEventListener('close', () => cb()),
    close: () => dc.close(),
  }
}
