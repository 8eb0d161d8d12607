import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { HubConfig } from '../config'
import { DB_NAME, type AllDocsOptions, type Engine } from '../engine'
import type { Accounts } from '../auth/accounts'
import { requireAdmin, requireDb, villageOf } from '../auth/access'
import { COOKIE, type Sessions, userCtx } from '../auth/session'
import { HUB_VERSION } from '../version'
import { LIMITS } from '../limits'
import { CouchError, badRequest, forbidden, notFound } from './errors'
import { couchErrors, jsonBodies } from './body'
import { guardRequests } from './guard'
import { handleChanges } from './changes'
import { sendJson } from './send'
import { forgetIds, knownIds } from './keys'
import { keysWithin, rangeWithin, tooManyKeys } from './reads'
import { relay } from './forward'
import type { Pusher } from './push'
import { docRoutes } from './docs'
import { adminRoutes } from '../admin/routes'
import { importRoutes } from '../admin/import'
import { keyRoutes } from '../admin/keys'
import { clerkKeyRoutes } from '../admin/clerkkeys'
import { rolesRoutes } from '../admin/roles'
import { blobRoutes } from '../blobs/routes'
import { yearRoutes } from './year'
import { peerRoutes, type Peers } from '../peers'

type Query = Record<string, string | undefined>
export interface CouchDeps { config: HubConfig; engine: Engine; accounts: Accounts; sessions: Sessions; pusher: Pusher; peers: Peers }

const bool = (v: unknown) => v === true || v === 'true'

function json<T>(raw: string | undefined, key: string): T | undefined {
  if (raw === undefined) return undefined
  try { return JSON.parse(raw) as T } catch { throw badRequest(`${key} must be JSON`) }
}

/** Reads the standard view parameters of `_all_docs` from the query string and the body. */
function allDocsOptions(q: Query, body: Record<string, unknown>): AllDocsOptions & { keys?: string[] } {
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
  return opts as AllDocsOptions & { keys?: string[] }
}

/** `_all_docs` options as CouchDB's query string (keys go in the body). */
function allDocsQuery(opts: AllDocsOptions): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(opts)) {
    if (k === 'keys' || v === undefined) continue
    parts.push(`${k}=${encodeURIComponent(typeof v === 'boolean' || typeof v === 'number' ? String(v) : JSON.stringify(v))}`)
  }
  return parts.length ? `?${parts.join('&')}` : ''
}

/** CouchDB-protocol routes under /couch. */
export const couchRoutes: FastifyPluginAsync<CouchDeps> = async (app, { config, engine, accounts, sessions, pusher, peers }) => {
  couchErrors(app)
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not_found', reason: 'missing' }))
  jsonBodies(app, config.bodyLimit)
  guardRequests(app, { sessions, bodyTimeoutMs: config.bodyTimeoutMs })
  const open = { config: { anonymous: true } }

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

  await app.register(docRoutes, { engine, useDb, pusher })
  await app.register(adminRoutes, { prefix: '/_hub', accounts, sessions, pusher })
  await app.register(peerRoutes, { prefix: '/_hub/peers', peers })
  await app.register(importRoutes, { prefix: '/_hub', accounts, engine, pusher })
  if (pusher.provenance) await app.register(keyRoutes, { prefix: '/_hub', accounts, provenance: pusher.provenance, engine })
  if (pusher.provenance) await app.register(clerkKeyRoutes, { prefix: '/_hub', accounts, provenance: pusher.provenance, engine, pusher })
  if (pusher.provenance) await app.register(rolesRoutes, { prefix: '/_hub', accounts, provenance: pusher.provenance, engine, pusher })
  await app.register(blobRoutes, { accounts, engine, dataDir: config.dataDir, maxBytes: config.blobMaxBytes, quotaBytes: config.blobQuotaBytes })
  await app.register(yearRoutes, { accounts, engine })

  app.get('/', open, async () => ({
    couchdb: 'Welcome', version: '3.4.3',
    vendor: { name: 'Yishi hub', version: HUB_VERSION },
    features: ['yishi'], engine: engine.kind,
  }))
  app.get('/_up', open, async () => ({ status: 'ok', engine: engine.kind }))

  app.get('/_all_dbs', async (req) => {
    requireAdmin(req.principal)
    return (await engine.list()).filter((n) => !n.startsWith('hub-'))
  })

  // ---- _session ----
  app.post('/_session', { ...open, bodyLimit: LIMITS.anonymousBodyBytes }, async (req, reply) => {
    const body = (req.body ?? {}) as { name?: unknown; username?: unknown; password?: unknown }
    const name = String(body.name ?? body.username ?? '')
    const password = String(body.password ?? '')
    if (!name || !password) throw badRequest('name and password are required')
    const p = await sessions.login(name, password, req.ip)
    sessions.setCookie(reply, p.name, config.tlsCert !== null)
    return { ok: true, ...userCtx(p) }
  })
  app.get('/_session', open, async (req) => ({
    ok: true,
    userCtx: userCtx(req.principal),
    info: { authentication_handlers: ['cookie', 'default'], ...(req.principal ? { authenticated: req.headers.authorization ? 'default' : 'cookie' } : {}) },
  }))
  // Logout ends the account's sessions on the hub: the cookie stops working wherever it was kept.
  app.delete('/_session', open, async (req, reply) => {
    const cookie = req.cookies?.[COOKIE]
    const session = cookie && !req.headers.authorization ? sessions.session(cookie) : null
    if (session) await accounts.endSessions(session.name)
    sessions.clearCookie(reply)
    return { ok: true }
  })

  // ---- databases ----
  app.get('/:db', async (req) => {
    const name = await useDb(req)
    const info = await engine.db(name).info()
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
    app.all(path, async () => { throw forbidden('Only the hub configures databases.') })
  }
  app.post('/:db/_ensure_full_commit', async (req, reply) => {
    await useDb(req)
    return reply.code(201).send({ ok: true, instance_start_time: '0' })
  })

  // ---- _all_docs ----
  const allDocs = async (req: FastifyRequest, reply: FastifyReply) => {
    const name = await useDb(req)
    const opts = allDocsOptions(req.query as Query, (req.body ?? {}) as Record<string, unknown>)
    if (opts.keys && opts.keys.length > LIMITS.keysPerRead) throw tooManyKeys('keys')
    // RxDB re-reads the ids of a push answered `conflict` with this GET: a record the hub refused
    // comes back to its own writer, marked refused, so the writer's push loop ends (quarantine.ts).
    const p = req.principal
    const recall = req.method === 'GET' && opts.include_docs && opts.keys && p && p.kind !== 'admin' && villageOf(name) !== null ? p.name : null
    if (engine.forward) {
      // CouchDB answers as it is (a record with documents bounded in size) unless this writer has refusals among the keys
      const mine = recall !== null ? await pusher.quarantine.recall(name, recall, [...new Set(opts.keys as string[])]) : null
      const path = `_all_docs${allDocsQuery(opts)}`
      if (!mine?.size) return relay(req, reply, engine, name, opts.keys ? 'POST' : 'GET', path, opts.keys ? { keys: opts.keys } : null, opts.include_docs ? LIMITS.responseBytes : undefined)
    }
    const db = engine.db(name)
    if (!opts.keys) return sendJson(req, reply, await rangeWithin(db, opts))
    const { keys, descending, skip = 0, limit } = opts
    const read = await keysWithin(db, keys, opts, (await knownIds(engine, name)) ?? undefined)
    if (descending) read.rows.reverse()
    if (skip > 0 || limit !== undefined) read.rows = read.rows.slice(skip, limit === undefined ? undefined : skip + limit)
    if (recall !== null) {
      const missing = read.rows.filter((r) => r.error === 'not_found').map((r) => r.key)
      const mine = await pusher.quarantine.recall(name, recall, [...new Set(missing)])
      read.rows = read.rows.map((r) => {
        const doc = r.error === 'not_found' ? mine.get(r.key) : undefined
        return doc ? { id: r.key, key: r.key, value: { rev: String(doc._rev) }, doc } : r
      })
    }
    return sendJson(req, reply, read)
  }
  app.get('/:db/_all_docs', allDocs)
  app.post('/:db/_all_docs', allDocs)

  // ---- _changes ----
  const changes = async (req: FastifyRequest, reply: FastifyReply) => {
    const name = await useDb(req)
    const q = req.query as Query
    const ids = ((req.body ?? {}) as { doc_ids?: unknown }).doc_ids ?? (q.doc_ids ? json<unknown>(q.doc_ids, 'doc_ids') : undefined)
    if (Array.isArray(ids) && ids.length > LIMITS.keysPerRead) throw tooManyKeys('doc_ids')
    // a page of records is bounded in count here and in size where it is read (reads.ts changesWithin)
    if (bool(q.include_docs) && !(Number(q.limit) <= LIMITS.changesPerPage)) q.limit = String(LIMITS.changesPerPage)
    return handleChanges(engine, name, req, reply)
  }
  app.get('/:db/_changes', changes)
  app.post('/:db/_changes', changes)
}
