import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { docPath, type Engine } from '../engine'
import type { Principal } from '../auth/accounts'
import { LIMITS } from '../limits'
import { CouchError, badRequest, forbidden, notFound, tooLarge } from './errors'
import { sendJson } from './send'
import { bulkGetWithin, tooManyKeys } from './reads'
import { pickQuery, relay } from './forward'
import type { Pusher } from './push'

type Query = Record<string, string | undefined>
type Doc = Record<string, unknown> & { _id?: string; _rev?: string; _deleted?: boolean }

export interface DocDeps { engine: Engine; pusher: Pusher; useDb: (req: FastifyRequest) => Promise<string> }

const bool = (v: unknown) => v === true || v === 'true'
const isObject = (d: unknown): d is Doc => d !== null && typeof d === 'object' && !Array.isArray(d)

function json<T>(raw: string | undefined, key: string): T | undefined {
  if (raw === undefined) return undefined
  try { return JSON.parse(raw) as T } catch { throw badRequest(`${key} must be JSON`) }
}

/**
 * `_local` documents are replication checkpoints. Each account or tablet has its own: a tablet
 * cannot read or move another's, nor the checkpoints of the hub's own peer syncs (which a moved
 * checkpoint would make skip records on their way to the township). The admin's are the database's.
 */
function localId(p: Principal, id: string): string {
  return p.kind === 'admin' ? `_local/${id}` : `_local/${p.name}:${id}`
}

const DOC_QUERY = ['rev', 'revs', 'revs_info', 'conflicts', 'latest', 'deleted_conflicts', 'attachments', 'open_revs'] as const

/**
 * Document routes: writes (through the Pusher's rules), bulk reads, revision diffs, checkpoints.
 * On CouchDB a read, once its caps are checked, is passed on as it came and its answer streamed back (forward.ts).
 */
export const docRoutes: FastifyPluginAsync<DocDeps> = async (app, { engine, pusher, useDb }) => {
  const principal = (req: FastifyRequest) => req.principal as Principal

  app.post('/:db/_bulk_docs', async (req, reply) => {
    const name = await useDb(req)
    const body = req.body as { docs?: unknown; new_edits?: unknown } | null
    if (!body || !Array.isArray(body.docs)) throw badRequest('POST body must include `docs` parameter.')
    if (body.docs.length > LIMITS.docsPerBatch) throw tooLarge(`at most ${LIMITS.docsPerBatch} documents per request; send them in smaller batches`)
    if (!body.docs.every(isObject)) throw badRequest('Document must be a JSON object')
    const result = await pusher.push(principal(req), name, body.docs, body.new_edits !== false)
    return sendJson(req, reply.code(201), result)
  })

  app.post('/:db/_bulk_get', async (req, reply) => {
    const name = await useDb(req)
    const q = req.query as Query
    const body = req.body as { docs?: unknown } | null
    if (!body || !Array.isArray(body.docs)) throw badRequest('Missing JSON list of `docs`.')
    // PouchDB never answers an empty request (CouchDB tools send one as a probe).
    if (body.docs.length === 0) return { results: [] }
    if (body.docs.length > LIMITS.keysPerRead) throw tooManyKeys('documents')
    if (engine.forward) return relay(req, reply, engine, name, 'POST', `_bulk_get${pickQuery(q, ['revs', 'attachments', 'latest'])}`, { docs: body.docs }, LIMITS.responseBytes)
    const res = await bulkGetWithin(engine.db(name), body.docs as { id: string; rev?: string }[], { revs: bool(q.revs), attachments: bool(q.attachments), latest: bool(q.latest) })
    // Errors in CouchDB's shape, without PouchDB's stack traces.
    for (const r of res.results as { id: string; docs: { error?: { status?: number; name?: string; reason?: string; message?: string; rev?: string } }[] }[]) {
      for (const d of r.docs) {
        if (d.error) d.error = { id: r.id, rev: d.error.rev ?? 'undefined', error: d.error.name ?? 'not_found', reason: d.error.reason ?? d.error.message ?? 'missing' } as never
      }
    }
    return res
  })

  app.post('/:db/_revs_diff', async (req, reply) => {
    const name = await useDb(req)
    const body = req.body as Record<string, string[]> | null
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Request body must be a JSON object')
    const revs = Object.values(body)
    if (revs.length > LIMITS.keysPerRead || revs.some((r) => !Array.isArray(r) || r.length > LIMITS.keysPerRead)) throw tooManyKeys('ids (and revisions per id)')
    if (engine.forward) return relay(req, reply, engine, name, 'POST', '_revs_diff', body)
    return engine.db(name).revsDiff(body)
  })

  // ---- _local documents (checkpoints) ----
  const local = (req: FastifyRequest) => localId(principal(req), (req.params as { id: string }).id)
  app.get('/:db/_local/:id', async (req) => {
    const name = await useDb(req)
    const doc = await engine.db(name).get(local(req))
    return { ...doc, _id: `_local/${(req.params as { id: string }).id}` }
  })
  app.put('/:db/_local/:id', { bodyLimit: LIMITS.localDocBytes }, async (req, reply) => {
    const name = await useDb(req)
    const doc = req.body as Doc | null
    if (!isObject(doc)) throw badRequest('Document must be a JSON object')
    const res = await engine.db(name).put({ ...doc, _id: local(req) })
    return reply.code(201).send({ ok: true, id: `_local/${(req.params as { id: string }).id}`, rev: res.rev })
  })
  app.delete('/:db/_local/:id', async (req) => {
    const name = await useDb(req)
    const id = local(req)
    const rev = (req.query as Query).rev
    const db = engine.db(name)
    const res = await db.remove(id, rev ?? String((await db.get(id))._rev))
    return { ok: true, id: `_local/${(req.params as { id: string }).id}`, rev: res.rev }
  })

  // ---- single documents ----
  app.get('/:db/:docid', async (req, reply) => {
    const name = await useDb(req)
    const id = (req.params as { docid: string }).docid
    // checkpoints only through their own route, each account's apart
    if (id.startsWith('_local/') && principal(req).kind !== 'admin') throw notFound()
    const q = req.query as Query
    const opts: Record<string, unknown> = {}
    if (q.rev) opts.rev = q.rev
    for (const k of ['revs', 'revs_info', 'conflicts', 'latest', 'deleted_conflicts', 'attachments'] as const) if (q[k] !== undefined) opts[k] = bool(q[k])
    if (q.open_revs !== undefined) {
      opts.open_revs = q.open_revs === 'all' ? 'all' : json<string[]>(q.open_revs, 'open_revs')
      if (Array.isArray(opts.open_revs) && opts.open_revs.length > LIMITS.keysPerRead) throw tooManyKeys('revisions')
    }
    if (engine.forward) return relay(req, reply, engine, name, 'GET', `${docPath(id)}${pickQuery(q, DOC_QUERY)}`)
    return engine.db(name).get(id, opts)
  })

  const writeOne = async (req: FastifyRequest, reply: FastifyReply, doc: Doc) => {
    const name = await useDb(req)
    const newEdits = (req.query as Query).new_edits !== 'false'
    const [res] = await pusher.push(principal(req), name, [doc], newEdits) as Array<{ ok?: boolean; id: string; rev?: string; error?: string; reason?: string; code?: string; params?: Record<string, string | number> }>
    if (!res) return reply.code(201).send({ ok: true, id: doc._id, rev: doc._rev })
    if (res.error) {
      throw new CouchError(res.error === 'conflict' ? 409 : res.error === 'forbidden' ? 403 : 400, res.error, res.reason ?? res.error, {},
        res.code ? { code: res.code, ...(res.params ? { params: res.params } : {}) } : undefined)
    }
    return reply.code(201).send({ ok: true, id: res.id, rev: res.rev })
  }
  app.put('/:db/:docid', async (req, reply) => {
    const body = req.body as Doc | null
    if (!isObject(body)) throw badRequest('Document must be a JSON object')
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
    if (!isObject(body)) throw badRequest('Document must be a JSON object')
    if (!body._id) throw forbidden('Documents need an id chosen by the client.')
    return writeOne(req, reply, body)
  })
}
