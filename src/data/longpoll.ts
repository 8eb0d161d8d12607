/**
 * RxDB's CouchDB plugin opens its live stream with `_changes?feed=longpoll&since=now` and keeps
 * sending `since=now` on every retry until the first long-poll answer arrives. On a flaky link a
 * retry that lands after the catch-up pull has finished skips every change made in between — and
 * for good, because the stream's answer moves the pull checkpoint past them (found by the wire
 * suite in test/proof: a tablet never received another tablet's records).
 *
 * This fetch wrapper starts the long-poll where the latest catch-up page (`feed=normal`) ended
 * instead: the stream then overlaps the catch-up (harmless, equal documents are skipped) and can
 * never jump over a change. Until a catch-up page has answered, the long-poll waits.
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
      const seq = ((await res.clone().json()) as { last_seq?: unknown }).last_seq
      if (seq !== undefined && seq !== null) {
        lastSeq = String(seq)
        const ready = waiters
        waiters = []
        for (const w of ready) w()
      }
    } catch { /* not JSON: RxDB reports it */ }
    return res
  }
}
