/**
 * A request whose connection died silently (a NAT or a 2G link dropping it without a reset) waits
 * forever: neither RxDB nor fetch sets a timeout. A dead long-poll stopped live updates for good,
 * and a push sent into a dead network blocked every later push after the link came back (both
 * found by the wire suite in test/proof). So a request is aborted when nothing arrives for a
 * while — RxDB then retries it on a new connection:
 * - a long-poll after `longPollIdleMs` of silence (the hub sends a heartbeat newline every
 *   `heartbeat` ms, so more than two heartbeats of silence means the connection is dead);
 * - any other request after `requestIdleMs` without its answer (or between two of its chunks); a
 *   request with a body has `uploadMs(bytes)` more for its answer: its body takes that long to go up
 *   on a thin link (a GPRS push of 141 KB needs 35 s of uplink before the hub can answer, and one
 *   abandoned at a minute was sent again in full).
 */
export function abandonSilentRequests(base: typeof fetch, longPollIdleMs: number, requestIdleMs: number, uploadMs: (bytes: number) => number = () => 0): typeof fetch {
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const longPoll = /\/_changes\?/.test(url) && /[?&]feed=longpoll(&|$)/.test(url)
    const idleMs = longPoll ? longPollIdleMs : requestIdleMs
    const own = new AbortController()
    const outer = init.signal
    const abort = () => own.abort()
    if (outer?.aborted) own.abort()
    else outer?.addEventListener('abort', abort, { once: true })
    const sent = init.body
    const bytes = typeof sent === 'string' ? sent.length : sent instanceof Uint8Array ? sent.byteLength : 0
    let timer = setTimeout(abort, idleMs + (bytes > 0 ? uploadMs(bytes) : 0))
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
