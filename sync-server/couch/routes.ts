import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { HubConfig } from '../config'
import { DB_NAME, type Engine } from '../engine'
import type { Accounts, Principal } from '../auth/accounts'
import { requireAdmin, requireDb } from '../auth/access'
import { type Sessions, userCtx } from '../auth/session'
import { HUB_VERSION } from '../version'
import { CouchError, badRequest, forbidden, notFound, toCouchError, unauthorized } from './errors'
import { handleChanges } from './changes'
import { decodeBody } from './encoding'
import { sendJson } from './send'
import { forgetIds, knownIds, rowsByKeys } from './keys'
import type { Pusher } from './push'
import { adminRoutes } from '../admin/routes'
import { importRoutes } from '../admin/import'
import { keyRoutes } from '../admin/keys'
import { blobRoutes } from '../blobs'
import { yearRoutes } from './year'
import { peerRoutes, type Peers } from '../peers'

type Query = Record<string, string | undefined>
type Doc = Record<string, unknown> & { _id?: string; _rev?: string; _deleted?: boolean }

export interface CouchDeps { config: HubConfig; engine: Engine; accounts: Accounts; sessions: Sessions; pusher: Pusher; peers: Peers }

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null }
}

const bool = (v: unknown) => v === true || v === 'true'

export const MAX_JSON_DEPTH = 64

/** Deepest nesting of objects and arrays in JSON text (strings skipped), in one pass. */
export function jsonDepth(text: string): number {
  let depth = 0; let max = 0; let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) { if (++depth > max) max = depth }
    else if (c === 125 || c === 93) depth--
  }
  return max
}

function json<T>(raw: string | undefined, key: string): T | undefined {
  if (raw === undefined) return undefined
  try { return JSON.parse(raw) as T } catch { throw badRequest(`${key} must be JSON`) }
}

/** Reads the standard view parameters of `_all_docs` from the query string and the body. */
function allDocsOptions(q: Query, body: Record<string, unknown>): PouchDB.Core.AllDocsOptions & { keys?: string[] } {
  const opts: Record<string, unknown> = {}
  const keys = body.keys ?? json<unknown>(q.keys, 'keys')
  if (keys !== undefined) {
    if (!Array.isArray(keys)) throw badRequest('`keys` must be an array')
    opts.keys = keys
  }
  for (const k of ['include_docs', 'descending', 'conflicts', 'inclusive_end', 'update_seq'] as const) {
    const v = body[k] ?? q[k]
    if (v !== undefined) opts[k] = bool(v)
  }
  for (const [k, aliases] of [['startkey', ['start_key']], ['endkey', ['end_key']], ['key', []]] as const) {
    for (const name of [k, ...aliases]) {
      const v = body[name] ?? json<unknown>(q[name], name)
      if (v !== undefined) opts[k] = v
    }
  }
  for (const k of ['limit', 'skip'] as const) {
    const v = body[k] ?? q[k]
    if (v !== undefined) {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 0) throw badRequest(`${k} must be a non-negative integer`)
      opts[k] = n
    }
  }
  return opts as PouchDB.Core.AllDocsOptions & { keys?: string[] }
}

/** CouchDB-protocol routes under /couch. */
export const couchRoutes: FastifyPluginAsync<CouchDeps> = async (app, { config, engine, accounts, sessions, pusher, peers }) => {
  app.decorateRequest('principal', null)

  // Authentication on every request; 401/403/429 come out in CouchDB's shape.
  app.addHook('onRequest', async (req) => { req.principal = await sessions.identify(req) })

  app.setErrorHandler((err, _req, reply) => {
    let e: CouchError
    const code = (err as { code?: string }).code
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = new CouchError(413, 'too_large', 'the request entity is too large')
    else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') e = new CouchError(415, 'bad_content_type', 'Content-Type must be application/json')
    else if (code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError) e = badRequest('invalid UTF-8 JSON')
    else if (!(err instanceof CouchError) && typeof (err as { statusCode?: number }).statusCode === 'number' && (err as { statusCode: number }).statusCode < 500) {
      e = new CouchError((err as { statusCode: number }).statusCode, 'bad_request', (err as Error).message)
    } else e = toCouchError(err)
    if (e.status >= 500) reply.log.error({ err }, 'request failed')
    return reply.code(e.status).send(e.toJSON())
  })
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not_found', reason: 'missing' }))

  // JSON bodies, gzipped or not (encoding.ts). An empty body is no body (CouchDB clients send POSTs without one). Invalid UTF-8
  // is refused (Node would silently turn it into U+FFFD and store it), and so is nesting deeper
  // than any record of ours needs (it overflowed the stack later: a 500 that a syncing tablet would
  // retry forever). Then Fastify's own parser, which refuses `__proto__` keys (test/proof/hostile).
  const parseJson = app.getDefaultJsonParser('error', 'error')
  const utf8 = new TextDecoder('utf-8', { fatal: true })
  app.removeContentTypeParser('application/json')
  const limit = (req: FastifyRequest) => req.routeOptions.bodyLimit ?? config.bodyLimit
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string
    try { body = decodeBody(body as Buffer, req.headers['content-encoding'], limit(req), req.principal !== null) } catch (e) { return done(e as Error, undefined) }
    try { text = utf8.decode(body) } catch { return done(badRequest('invalid UTF-8 JSON'), undefined) }
    if (text.trim() === '') return done(null, undefined)
    if (jsonDepth(text) > MAX_JSON_DEPTH) return done(badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined)
    parseJson(req, text, done)
  })
  // CouchDB's _session takes forms too.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (req, body, done) => {
    try { done(null, Object.fromEntries(new URLSearchParams(decodeBody(body as Buffer, req.headers['content-encoding'], limit(req), req.principal !== null).toString('utf8')))) } catch (e) { done(e as Error, undefined) }
  })

  const dbName = (req: FastifyRequest): string => {
    const name = (req.params as { db: string }).db
    if (!DB_NAME.test(name)) throw new CouchError(400, 'illegal_database_name', `Name: '${name}'. Only lowercase characters (a-z), digits (0-9), and any of the characters _, $, (, ), +, - are allowed. Must begin with a letter.`)
    return name
  }
  /** The database of this request, if the principal may use it and it exists. */
  const useDb = async (req: FastifyRequest): Promise<string> => {
    const name = dbName(req)
    requireDb(accounts, req.principal, name)
    if (!(await engine.exists(name))) throw notFound('Database does not exist.')
    return name
  }

  await app.register(adminRoutes, { prefix: '/_hub', accounts, sessions, pusher })
  await app.register(peerRoutes, { prefix: '/_hub/peers', peers })
  await app.register(importRoutes, { prefix: '/_hub', accounts, engine, pusher })
  if (pusher.provenance) await app.register(keyRoutes, { prefix: '/_hub', accounts, provenance: pusher.provenance })
  await app.register(blobRoutes, { accounts, dataDir: config.dataDir, maxBytes: config.blobMaxBytes })
  await app.register(yearRoutes, { accounts, engine })

  app.get('/', async () => ({
    couchdb: 'Welcome', version: '3.4.3',
    vendor: { name: 'Yishi hub', version: HUB_VERSION },
    features: ['yishi'], engine: engine.kind,
  }))
  app.get('/_up', async () => ({ status: 'ok', engine: engine.kind }))

  app.get('/_all_dbs', async (req) => {
    requireAdmin(req.principal)
    return (await engine.list()).filter((n) => !n.startsWith('hub-'))
  })

  // ---- _session ----
  app.post('/_session', async (req, reply) => {
    const body = (req.body ?? {}) as { name?: unknown; username?: unknown; password?: unknown }
    const name = String(body.name ?? body.username ?? '')
    const password = String(body.password ?? '')
    if (!name || !password) throw badRequest('name and password are required')
    const p = await sessions.login(name, password, req.ip)
    sessions.setCookie(reply, p.name, config.tlsCert !== null)
    return { ok: true, ...userCtx(p) }
  })
  app.get('/_session', async (req) => ({
    ok: true,
    userCtx: userCtx(req.principal),
    info: { authentication_handlers: ['cookie', 'default'], ...(req.principal ? { authenticated: req.headers.authorization ? 'default' : 'cookie' } : {}) },
  }))
  app.delete('/_session', async (_req, reply) => {
    sessions.clearCookie(reply)
    return { ok: true }
  })

  // ---- databases ----
  app.get('/:db', async (req) => {
    const name = await useDb(req)
    const info = await engine.db(name).info() as unknown as Record<string, unknown>
    return {
      db_name: name, doc_count: info.doc_count, doc_del_count: info.doc_del_count ?? 0, update_seq: info.update_seq,
      purge_seq: 0, compact_running: false, instance_start_time: '0',
      sizes: { file: 0, external: 0, active: 0 }, props: {}, disk_format_version: 8,
    }
  })
  app.put('/:db', async (req, reply) => {
    const name = dbName(req)
    requireAdmin(req.principal)
    if (name.startsWith('hub-')) throw forbidden('hub- databases belong to the hub')
    if (!(await engine.create(name))) throw new CouchError(412, 'file_exists', 'The database could not be created, the file already exists.')
    return reply.code(201).send({ ok: true })
  })
  app.delete('/:db', async (req) => {
    const name = dbName(req)
    requireAdmin(req.principal)
    if (name.startsWith('hub-')) throw forbidden('hub- databases belong to the hub')
    forgetIds(name)
    if (!(await engine.destroy(name))) throw notFound('Database does not exist.')
    return { ok: true }
  })
  for (const path of ['/:db/_security', '/:db/_design/:ddoc', '/:db/_design/:ddoc/*', '/:db/_purge', '/:db/_compact']) {
    app.all(path, async (req) => {
      const p = req.principal
      if (!p) throw unauthorized()
      throw forbidden('Only the hub configures databases.')
    })
  }
  app.post('/:db/_ensure_full_commit', async (req, reply) => {
    await useDb(req)
    return reply.code(201).send({ ok: true, instance_start_time: '0' })
  })

  // ---- _all_docs ----
  const allDocs = async (req: FastifyRequest, reply: FastifyReply) => {
    const name = await useDb(req)
    const opts = allDocsOptions(req.query as Query, (req.body ?? {}) as Record<string, unknown>)
    const plain = Object.keys(opts).every((k) => ['keys', 'include_docs', 'conflicts'].includes(k))
    if (opts.keys && plain) return sendJson(req, reply, await rowsByKeys(engine.db(name), opts.keys, opts, (await knownIds(engine, name)) ?? undefined))
    return sendJson(req, reply, await engine.db(name).allDocs(opts))
  }
  app.get('/:db/_all_docs', allDocs)
  app.post('/:db/_all_docs', allDocs)

  // ---- _changes ----
  const changes = async (req: FastifyRequest, reply: FastifyReply) => handleChanges(engine, await useDb(req), req, reply)
  app.get('/:db/_changes', changes)
  app.post('/:db/_changes', changes)

  // ---- writes ----
  app.post('/:db/_bulk_docs', async (req, reply) => {
    const name = await useDb(req)
    const body = req.body as { docs?: unknown; new_edits?: unknown } | null
    if (!body || !Array.isArray(body.docs)) throw badRequest('POST body must include `docs` parameter.')
    if (body.docs.some((d) => d === null || typeof d !== 'object' || Array.isArray(d))) throw badRequest('Document must be a JSON object')
    const newEdits = body.new_edits !== false
    const result = await pusher.push(req.principal as Principal, name, body.docs as Doc[], newEdits)
    return sendJson(req, reply.code(201), result)
  })

  app.post('/:db/_bulk_get', async (req) => {
    const name = await useDb(req)
    const q = req.query as Query
    const body = req.body as { docs?: unknown } | null
    if (!body || !Array.isArray(body.docs)) throw badRequest('Missing JSON list of `docs`.')
    // PouchDB never answers an empty request (CouchDB tools send one as a probe).
    if (body.docs.length === 0) return { results: [] }
    const res = await engine.db(name).bulkGet({ docs: body.docs as { id: string; rev?: string }[], revs: bool(q.revs), attachments: bool(q.attachments), latest: bool(q.latest) } as PouchDB.Core.BulkGetOptions)
    // Errors in CouchDB's shape, without PouchDB's stack traces.
    for (const r of res.results as { id: string; docs: { error?: { status?: number; name?: string; reason?: string; message?: string; rev?: string } }[] }[]) {
      for (const d of r.docs) {
        if (d.error) d.error = { id: r.id, rev: d.error.rev ?? 'undefined', error: d.error.name ?? 'not_found', reason: d.error.reason ?? d.error.message ?? 'missing' } as never
      }
    }
    return res
  })

  app.post('/:db/_revs_diff', async (req) => {
    const name = await useDb(req)
    const body = req.body as Record<string, string[]> | null
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Request body must be a JSON object')
    return engine.db(name).revsDiff(body)
  })

  // ---- _local documents (checkpoints) ----
  app.get('/:db/_local/:id', async (req) => {
    const name = await useDb(req)
    return engine.db(name).get(`_local/${(req.params as { id: string }).id}`)
  })
  app.put('/:db/_local/:id', async (req, reply) => {
    const name = await useDb(req)
    const doc = req.body as Doc | null
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw badRequest('Document must be a JSON object')
    const res = await engine.db(name).put({ ...doc, _id: `_local/${(req.params as { id: string }).id}` })
    return reply.code(201).send({ ok: true, id: res.id, rev: res.rev })
  })
  app.delete('/:db/_local/:id', async (req) => {
    const name = await useDb(req)
    const id = `_local/${(req.params as { id: string }).id}`
    const rev = (req.query as Query).rev
    const db = engine.db(name)
    const doc = await db.get(id)
    const res = await db.remove({ _id: id, _rev: rev ?? doc._rev })
    return { ok: true, id, rev: res.rev }
  })

  // ---- single documents ----
  app.get('/:db/:docid', async (req) => {
    const name = await useDb(req)
    const id = (req.params as { docid: string }).docid
    const q = req.query as Query
    const opts: Record<string, unknown> = {}
    if (q.rev) opts.rev = q.rev
    for (const k of ['revs', 'revs_info', 'conflicts', 'latest', 'deleted_conflicts', 'attachments'] as const) if (q[k] !== undefined) opts[k] = bool(q[k])
    if (q.open_revs !== undefined) opts.open_revs = q.open_revs === 'all' ? 'all' : json<string[]>(q.open_revs, 'open_revs')
    return engine.db(name).get(id, opts as PouchDB.Core.GetOptions)
  })

  const writeOne = async (req: FastifyRequest, reply: FastifyReply, doc: Doc) => {
    const name = await useDb(req)
    const newEdits = (req.query as Query).new_edits !== 'false'
    const [res] = await pusher.push(req.principal as Principal, name, [doc], newEdits) as Array<{ ok?: boolean; id: string; rev?: string; error?: string; reason?: string }>
    if (!res) return reply.code(201).send({ ok: true, id: doc._id, rev: doc._rev })
    if (res.error) throw new CouchError(res.error === 'conflict' ? 409 : res.error === 'forbidden' ? 403 : 400, res.error, res.reason ?? res.error)
    return reply.code(201).send({ ok: true, id: res.id, rev: res.rev })
  }
  app.put('/:db/:docid', async (req, reply) => {
    const body = req.body as Doc | null
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Document must be a JSON object')
    const id = (req.params as { docid: string }).docid
    const rev = (req.query as Query).rev
    return writeOne(req, reply, { ...body, _id: id, ...(rev ? { _rev: rev } : {}) })
  })
  app.delete('/:db/:docid', async (req, reply) => {
    const id = (req.params as { docid: string }).docid
    const rev = (req.query as Query).rev ?? (req.headers['if-match'] as string | undefined)?.replace(/"/g, '')
    if (!rev) throw new CouchError(409, 'conflict', 'Document update conflict.')
    await useDb(req)
    return writeOne(req, reply, { _id: id, _rev: rev, _deleted: true })
  })
  app.post('/:db', async (req, reply) => {
    const body = req.body as Doc | null
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Document must be a JSON object')
    if (!body._id) throw forbidden('Documents need an id chosen by the client.')
    return writeOne(req, reply, body)
  })
}
