/**
 * The pull's catch-up pages (`_changes?feed=normal`) and where its live long-poll starts: one fetch
 * wrapper, as both read the same pages.
 *
 * Where the long-poll starts. RxDB's CouchDB plugin opens its live stream with
 * `_changes?feed=longpoll&since=now` and keeps sending `since=now` on every retry until the first
 * long-poll answer arrives. On a flaky link a retry that lands after the catch-up pull has finished
 * skips every change made in between — and for good, because the stream's answer moves the pull
 * checkpoint past them (found by the wire suite in test/proof: a tablet never received another
 * tablet's records). So the long-poll starts where the latest catch-up ended — at the last_seq of
 * its last page, the first one that is not full — and can never jump over a change. Until a
 * catch-up has reached its end, the long-poll waits.
 *
 * Page sizes. `size()` is asked as each page goes out and written into its `limit`; `sized(n)` then
 * tells the caller which size the page RxDB receives was asked with (RxDB takes a page shorter than
 * its batch size for the last one: its check must use the same size).
 *
 * The next page is asked for as soon as a full page has arrived, while RxDB still stores this one:
 * on a thin link the link then never waits for the tablet, nor the tablet for a round trip. RxDB
 * asks for that page next (since = the last_seq it was given); anything else drops it.
 */
export interface PageOptions {
  signal: AbortSignal
  /** records per page, decided as a page goes out; without it, RxDB's own `limit` */
  size?: () => number
  /** the page RxDB is about to receive was asked with this size */
  sized?: (n: number) => void
  /** each catch-up page: its records, and how many the hub says are still pending */
  onPage?: (page: { records: number; pending: number }) => void
}

interface Page { last_seq?: unknown; results?: unknown[]; pending?: unknown }

/** An answer already read and parsed here: RxDB's `json()` gets the parsed page (a page of a thousand records was parsed twice). */
class ParsedPage extends Response {
  constructor(text: string, private readonly page: Page, from: Response) {
    super(text, { status: from.status, statusText: from.statusText, headers: from.headers })
  }
  override async json(): Promise<Page> { return this.page }
}
interface Ahead { key: string; size: number; answer: Promise<{ res: Response; page: Page | null }> }

const urlOf = (input: RequestInfo | URL) => (typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
const param = (url: string, name: string) => new RegExp(`[?&]${name}=([^&]*)`).exec(url)?.[1]
const withParam = (url: string, name: string, value: string) => url.replace(new RegExp(`([?&])${name}=[^&]*`), `$1${name}=${value}`)
/** A page request's identity: its URL without the size. */
const pageKey = (url: string) => {
  const [path, query = ''] = url.split('?')
  return `${path}?${query.split('&').filter((p) => !/^(limit|seq_interval)=/.test(p)).sort().join('&')}`
}

export function catchUpPages(base: typeof fetch, opts: PageOptions): typeof fetch {
  const { signal } = opts
  let lastSeq: string | null = null
  let waiters: (() => void)[] = []
  let ahead: Ahead | null = null
  const known = () => new Promise<void>((resolve, reject) => {
    if (lastSeq !== null) return resolve()
    if (signal.aborted) return reject(new Error('sync stopped'))
    waiters.push(resolve)
    signal.addEventListener('abort', () => reject(new Error('sync stopped')), { once: true })
  })

  /** Asks for a page of `size` and reads it, once: RxDB is handed the parsed page. */
  const fetchPage = (url: string, size: number, init: RequestInit | undefined) => {
    const sized = withParam(withParam(url, 'limit', String(size)), 'seq_interval', String(size))
    return base(sized, init).then(async (res) => {
      const text = await res.text()
      let page: Page | null = null
      try { page = JSON.parse(text) as Page } catch { /* not JSON: RxDB reports it */ }
      return { res: page ? new ParsedPage(text, page, res) : new Response(text, res), page }
    })
  }

  return async (input, init) => {
    const url = urlOf(input)
    if (!/\/_changes\?/.test(url)) return base(input, init)
    if (/[?&]feed=longpoll(&|$)/.test(url)) {
      if (!/[?&]since=now(&|$)/.test(url)) return base(input, init)
      await known()
      return base(withParam(url, 'since', encodeURIComponent(lastSeq as string)), init)
    }
    const key = pageKey(url)
    let mine = ahead?.key === key ? ahead : null
    ahead = null
    if (!mine) {
      const size = opts.size?.() ?? Number(param(url, 'limit') ?? 0)
      mine = { key, size, answer: fetchPage(url, size, init) }
    }
    const { res, page } = await mine.answer
    opts.sized?.(mine.size)
    if (!page) return res
    // Only a page that is not full ends a catch-up: starting the long-poll after a full page made it
    // walk the rest of the feed alongside the catch-up (every record read, sent and parsed twice).
    const full = mine.size > 0 && Array.isArray(page.results) && page.results.length >= mine.size
    const seq = page.last_seq
    if (Array.isArray(page.results)) opts.onPage?.({ records: page.results.length, pending: full ? Math.max(0, Number(page.pending) || 0) : 0 })
    if (!full && seq !== undefined && seq !== null) {
      lastSeq = String(seq)
      const ready = waiters
      waiters = []
      for (const w of ready) w()
    }
    if (full && res.ok && seq !== undefined && seq !== null && !signal.aborted) {
      const next = withParam(url, 'since', String(seq))
      const size = opts.size?.() ?? mine.size
      const answer = fetchPage(next, size, init)
      answer.catch(() => undefined) // RxDB sees the error if it asks for this page
      ahead = { key: pageKey(next), size, answer }
    }
    return res
  }
}
