/**
 * RxDB's CouchDB plugin opens its live stream with `_changes?feed=longpoll&since=now` and keeps
 * sending `since=now` on every retry until the first long-poll answer arrives. On a flaky link a
 * retry that lands after the catch-up pull has finished skips every change made in between — and
 * for good, because the stream's answer moves the pull checkpoint past them (found by the wire
 * suite in test/proof: a tablet never received another tablet's records).
 *
 * This fetch wrapper starts the long-poll where the latest catch-up (`feed=normal`) ended instead —
 * at the last_seq of its last page, the first one that is not full — so it can never jump over a
 * change. Until a catch-up has reached its end, the long-poll waits.
 */
export function pinLongPollStart(base: typeof fetch, signal: AbortSignal): typeof fetch {
  let lastSeq: string | null = null
  let waiters: (() => void)[] = []
  const known = () => new Promise<void>((resolve, reject) => {
    if (lastSeq !== null) return resolve()
    if (signal.aborted) return reject(new Error('sync stopped'))
    waiters.push(resolve)
    signal.addEventListener('abort', () => reject(new Error('sync stopped')), { once: true })
  })
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!/\/_changes\?/.test(url)) return base(input, init)
    if (/[?&]feed=longpoll(&|$)/.test(url)) {
      if (!/[?&]since=now(&|$)/.test(url)) return base(input, init)
      await known()
      return base(url.replace(/([?&])since=now(?=&|$)/, `$1since=${encodeURIComponent(lastSeq as string)}`), init)
    }
    const res = await base(input, init)
    try {
      const page = (await res.clone().json()) as { last_seq?: unknown; results?: unknown[] }
      const seq = page.last_seq
      // Only a page that is not full ends a catch-up: starting the long-poll after a full page
      // made it walk the rest of the feed alongside the catch-up (every record read, sent and
      // parsed twice on a first sync).
      const limit = Number(/[?&]limit=(\d+)/.exec(url)?.[1] ?? NaN)
      const last = !(limit > 0) || !Array.isArray(page.results) || page.results.length < limit
      if (last && seq !== undefined && seq !== null) {
        lastSeq = String(seq)
        const ready = waiters
        waiters = []
        for (const w of ready) w()
      }
    } catch { /* not JSON: RxDB reports it */ }
    return res
  }
}

/**
 * A request whose connection died silently (a NAT or a 2G link dropping it without a reset) waits
 * forever: neither RxDB nor fetch sets a timeout. A dead long-poll stopped live updates for good,
 * and a push sent into a dead network blocked every later push after the link came back (both
 * found by the wire suite in test/proof). So a request is aborted when nothing arrives for a
 * while — RxDB then retries it on a new connection:
 * - a long-poll after `longPollIdleMs` of silence (the hub sends a heartbeat newline every
 *   `heartbeat` ms, so more than two heartbeats of silence means the connection is dead);
 * - any other request after `requestIdleMs` without its answer (or between two of its chunks).
 */
export function abandonSilentRequests(base: typeof fetch, longPollIdleMs: number, requestIdleMs: number): typeof fetch {
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const longPoll = /\/_changes\?/.test(url) && /[?&]feed=longpoll(&|$)/.test(url)
    const idleMs = longPoll ? longPollIdleMs : requestIdleMs
    const own = new AbortController()
    const outer = init.signal
    const abort = () => own.abort()
    if (outer?.aborted) own.abort()
    else outer?.addEventListener('abort', abort, { once: true })
    let timer = setTimeout(abort, idleMs)
    const kick = () => { clearTimeout(timer); timer = setTimeout(abort, idleMs) }
    const done = () => { clearTimeout(timer); outer?.removeEventListener('abort', abort) }
    own.signal.addEventListener('abort', done, { once: true })
    let res: Response
    try { res = await base(input, { ...init, signal: own.signal }) } catch (e) { done(); throw e }
    if (!res.body) { done(); return res }
    kick()
    const body = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) { kick(); controller.enqueue(chunk) },
      flush() { done() },
    }))
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })
  }
}
