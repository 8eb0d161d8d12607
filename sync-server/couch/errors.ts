/**
 * An error answered in CouchDB's shape: `{"error":"not_found","reason":"missing"}` with CouchDB's
 * status; a refused record also carries its refusal's `code` and `params` (src/shared/refusal.ts),
 * which the tablet words.
 */
export class CouchError extends Error {
  constructor(readonly status: number, readonly error: string, readonly reason: string, readonly headers: Readonly<Record<string, string>> = {},
    readonly refusal?: { code: string; params?: Readonly<Record<string, string | number>> }) {
    super(reason)
  }
  toJSON(): { error: string; reason: string; code?: string; params?: Readonly<Record<string, string | number>> } {
    return { error: this.error, reason: this.reason, ...(this.refusal ? { code: this.refusal.code, params: this.refusal.params ?? {} } : {}) }
  }
}

export const notFound = (reason = 'missing') => new CouchError(404, 'not_found', reason)
export const badRequest = (reason: string) => new CouchError(400, 'bad_request', reason)
export const unauthorized = (reason = 'You are not authorized to access this db.') => new CouchError(401, 'unauthorized', reason)
export const forbidden = (reason = 'You are not allowed to access this db.') => new CouchError(403, 'forbidden', reason)
/** Ask for less: the request, or the answer it asks for, is past one of the hub's limits (limits.ts). */
export const tooLarge = (reason: string) => new CouchError(413, 'too_large', reason)
/** Wait and try again: `Retry-After` says how long, in seconds. */
export const tooMany = (reason: string, retryAfterMs: number) =>
  new CouchError(429, 'too_many_requests', reason, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) })

/** Turns a PouchDB error (or anything thrown) into a CouchError. */
export function toCouchError(err: unknown): CouchError {
  if (err instanceof CouchError) return err
  const e = err as { status?: number; name?: string; error?: string | boolean; reason?: string; message?: string }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 600) {
    const error = typeof e.error === 'string' ? e.error : (e.name ?? 'error')
    return new CouchError(e.status, error, e.reason ?? e.message ?? error)
  }
  return new CouchError(500, 'internal_server_error', e?.message ?? 'internal error')
}
