/**
 * Talking to the hub as an enrolled device: Basic credentials, and answers that are not OK turned
 * into a HubError whose message a person can act on.
 */
export interface HubCredentials { device: string; secret: string }

export class HubError extends Error {
  override readonly name = 'HubError'
  constructor(readonly status: number, message: string) { super(message) }
}

export function plainReason(status: number, detail = ''): string {
  if (status === 0) return 'cannot reach the hub (no network, or the hub is off)'
  if (status === 401) return 'the hub does not accept this tablet\'s key (enrollment revoked or expired): enroll the tablet again'
  if (status === 403) return 'this tablet may not use this village on the hub'
  if (status === 404) return 'the village is not set up on the hub'
  if (status === 413) return 'a record is too large for the hub'
  if (status === 429) return 'the hub asks to wait (too many attempts)'
  if (status >= 500) return `the hub had a problem${detail ? `: ${detail}` : ''}`
  return `the hub answered ${status}${detail ? `: ${detail}` : ''}`
}

export function basicAuth(c: HubCredentials): string {
  const raw = `${c.device}:${c.secret}`
  const bytes = new TextEncoder().encode(raw)
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return `Basic ${btoa(bin)}`
}

/**
 * fetch with the device's credentials that throws on non-OK answers (RxDB's long-poll dies on a
 * 401/404 otherwise) and on network errors, and can abort everything in flight.
 */
export function hubFetch(credentials: HubCredentials, base: typeof fetch, signal: AbortSignal, onError: (e: HubError) => void, onResponse: (res: Response) => void = () => {}): typeof fetch {
  const auth = basicAuth(credentials)
  return async (input, init = {}) => {
    const headers = new Headers(init.headers)
    headers.set('Authorization', auth)
    headers.set('Accept', 'application/json')
    let res: Response
    try {
      res = await base(input, { ...init, headers, signal, credentials: 'omit' })
    } catch {
      const err = new HubError(0, signal.aborted ? 'sync stopped' : plainReason(0))
      if (!signal.aborted) onError(err)
      throw err
    }
    onResponse(res)
    if (!res.ok) {
      let detail = ''
      try { detail = String(((await res.json()) as { reason?: string }).reason ?? '') } catch { /* not json */ }
      const err = new HubError(res.status, plainReason(res.status, detail))
      onError(err)
      throw err
    }
    return res
  }
}
