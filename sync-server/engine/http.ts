import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { EngineError } from './types'

/**
 * A small HTTP/1.1 client for one CouchDB server: kept-alive connections (as many as requests in
 * flight: long-polls hold theirs), the server admin's basic auth on every request, JSON in and
 * out. Node's own http module: answers can be handed on as streams, unread.
 */
export class CouchHttp {
  private readonly base: URL
  private readonly auth: string | null
  private readonly withCredentials: string
  private readonly agent: http.Agent
  private readonly lib: typeof http | typeof https

  constructor(url: string) {
    const u = new URL(url)
    this.withCredentials = u.toString().replace(/\/*$/, '/')
    this.auth = u.username ? 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64') : null
    u.username = ''
    u.password = ''
    u.pathname = u.pathname.replace(/\/*$/, '/')
    this.base = u
    this.lib = u.protocol === 'https:' ? https : http
    this.agent = new this.lib.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256, scheduling: 'lifo' })
  }

  /** Sends a request; resolves with the answer's head (any status), its body still to read. */
  request(method: string, path: string, body: string | Uint8Array | null, signal?: AbortSignal, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const h: Record<string, string | number> = { accept: 'application/json', ...headers }
      if (this.auth) h.authorization = this.auth
      if (body !== null) {
        h['content-type'] ??= 'application/json'
        h['content-length'] = Buffer.byteLength(body)
      }
      const req = this.lib.request({
        protocol: this.base.protocol, hostname: this.base.hostname, port: this.base.port,
        path: this.base.pathname + path, method, headers: h, agent: this.agent, ...(signal ? { signal } : {}),
      }, resolve)
      req.on('error', (e) => reject(signal?.aborted ? e : new EngineError(502, 'engine_unreachable', `CouchDB could not be reached: ${e.message}`)))
      req.end(body ?? undefined)
    })
  }

  /** A JSON request; an answer of 400 or more becomes an EngineError with CouchDB's error and reason. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body === undefined ? null : JSON.stringify(body))
    const text = await readText(res)
    let parsed: unknown
    try { parsed = text === '' ? null : JSON.parse(text) } catch { throw new EngineError(502, 'engine_error', `CouchDB answered ${res.statusCode} with no JSON`) }
    const status = res.statusCode ?? 500
    if (status >= 400) {
      const e = (parsed ?? {}) as { error?: unknown; reason?: unknown }
      throw new EngineError(status, typeof e.error === 'string' ? e.error : 'error', typeof e.reason === 'string' ? e.reason : `CouchDB answered ${status}`)
    }
    return parsed as T
  }

  /** The full URL of `path`, credentials included. */
  url(path: string): string { return this.withCredentials + path }

  close(): void { this.agent.destroy() }
}

export async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Uint8Array[] = []
  for await (const c of res) chunks.push(c as Uint8Array)
  return Buffer.concat(chunks).toString('utf8')
}
