/**
 * The tablet's requests on a thin link. A fetch wrapper around the CouchDB plugin's requests that
 * - gzips request bodies (`Content-Encoding: gzip`, the browser's CompressionStream): a push went
 *   out as plain JSON, 7× the bytes, on the uplink, the narrowest side of a 2G link. A hub that
 *   answers 415 (it takes no gzip) gets plain bodies from then on;
 * - sends one `_bulk_docs` at a time: RxDB sends up to three batches at once, and on a shared thin
 *   link they all finish late, so a drop lost all three; one at a time, each accepted batch is kept.
 *   The next one starts when this one's body should be through the uplink (its size over the
 *   rate measured in this session), not a round trip later when its answer is in: the uplink never
 *   idles. Before this session has measured it, the next waits for the answer: on yesterday's
 *   Wi-Fi rate, three batches went up together on GPRS and none was answered in time;
 * - holds the live long-poll back while a push is under way (until the push has been quiet for
 *   QUIET_MS): the hub answers it with each batch just pushed, which took the downlink from the
 *   push's own answers (on EDGE, a day's push waited ~40 s behind its echo); afterwards it comes
 *   back as one compressed answer;
 * - times every request into the LinkMeter (rates, round trip, bytes per record, drops).
 */
import type { LinkMeter } from './link'

const MIN_GZIP_BYTES = 1024
const QUIET_MS = 1500

export async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

const urlOf = (input: RequestInfo | URL) => (typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
/** Records in a `_bulk_docs` body (each carries one `_id`; our records' bodies have none). */
const countRecords = (body: string) => body.match(/"_id":/g)?.length ?? 0

export function thinLinkFetch(base: typeof fetch, meter: LinkMeter): typeof fetch {
  let plain = false
  let uploadSlot: Promise<void> = Promise.resolve()
  let pushing = 0
  let quietSince = 0
  let waiting: (() => void)[] = []

  /**
   * Resolves once no push request has been under way for QUIET_MS (rejects when `signal` aborts).
   * Its abort listener goes when it settles: the sync's one signal had gathered one per long-poll
   * (Node warned at 11; a day of 20 s long-polls is thousands).
   */
  const pushQuiet = (signal: AbortSignal | null | undefined) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (signal?.aborted) { reject(new DOMException('sync stopped', 'AbortError')); return }
      if (pushing > 0) { waiting.push(check); return }
      const left = QUIET_MS - (Date.now() - quietSince)
      if (left <= 0) { signal?.removeEventListener('abort', check); resolve() }
      else setTimeout(check, left)
    }
    signal?.addEventListener('abort', check, { once: true })
    check()
  })
  const pushRequest = <T>(p: Promise<T>): Promise<T> => {
    pushing++
    return p.finally(() => {
      if (--pushing > 0) return
      quietSince = Date.now()
      const ready = waiting
      waiting = []
      for (const w of ready) w()
    })
  }

  async function send(url: string, input: RequestInfo | URL, init: RequestInit, sending: (bytes: number) => void = () => {}): Promise<Response> {
    const text = typeof init.body === 'string' ? init.body : null
    const bulk = /\/_bulk_docs(\?|$)/.test(url)
    const kind = !/\/_changes\?/.test(url) ? 'other' : /[?&]feed=longpoll(&|$)/.test(url) ? 'longpoll' : 'page'
    let body: BodyInit | null | undefined = init.body
    let headers = init.headers
    // (a browser without CompressionStream — Chromium before 80 — sends plain bodies)
    if (text !== null && text.length >= MIN_GZIP_BYTES && !plain && typeof CompressionStream === 'function') {
      body = await gzip(text)
      const h = new Headers(init.headers)
      h.set('content-encoding', 'gzip')
      headers = h
    }
    const sentBytes = text === null ? 0 : typeof body === 'string' ? new TextEncoder().encode(body).length : (body as Uint8Array).byteLength
    const started = Date.now()
    sending(sentBytes)
    let res: Response
    try {
      res = await base(input, { ...init, headers, body })
    } catch (e) {
      if (!init.signal?.aborted) meter.dropped()
      throw e
    }
    if (res.status === 415 && body !== init.body) { // this hub takes no compressed bodies
      plain = true
      return send(url, input, init, sending)
    }
    const headersMs = Date.now() - started
    const length = Number(res.headers.get('content-length') ?? NaN)
    const sample = { sentBytes, sentRecords: bulk && text ? countRecords(text) : 0, headersMs, receivedBytes: Number.isFinite(length) ? length : null, bodyMs: null, kind } as const
    if (!res.body || sample.receivedBytes === null || kind === 'longpoll') { meter.observe(sample); return res }
    const arrived = Date.now()
    const timed = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      flush() { meter.observe({ ...sample, bodyMs: Date.now() - arrived }) },
    }))
    return new Response(timed, { status: res.status, statusText: res.statusText, headers: res.headers })
  }

  return async (input, init = {}) => {
    const url = urlOf(input)
    if (/\/_changes\?/.test(url) && /[?&]feed=longpoll(&|$)/.test(url)) await pushQuiet(init.signal)
    if (/\/_all_docs(\?|$)/.test(url)) return pushRequest(send(url, input, init))
    if (!/\/_bulk_docs(\?|$)/.test(url)) return send(url, input, init)
    const before = uploadSlot
    let free = () => {}
    uploadSlot = new Promise<void>((resolve) => { free = resolve })
    const through = (bytes: number) => {
      const rate = meter.upRateNow
      if (rate) setTimeout(free, (bytes / rate) * 1000)
    }
    return pushRequest(before.then(() => send(url, input, init, through)).finally(() => free()))
  }
}
