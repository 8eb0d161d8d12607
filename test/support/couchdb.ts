import { randomBytes } from 'node:crypto'
import { describe, it } from 'vitest'

/**
 * A real Apache CouchDB for the tests that exercise the hub's engine, named by the environment:
 * `COUCHDB_TEST_URL` (a single node, admin credentials in the URL) and
 * `COUCHDB_TEST_CLUSTER_URLS` (the nodes of one cluster, space-separated). `.ci/run` starts
 * them when a CouchDB is at hand; without them those tests are reported as not run, with why.
 */
export const COUCHDB_TEST_URL = process.env.COUCHDB_TEST_URL?.trim() || null
export const COUCHDB_CLUSTER_URLS = (process.env.COUCHDB_TEST_CLUSTER_URLS ?? '').split(/\s+/).filter(Boolean)

export const NOT_RUN = 'not run: COUCHDB_TEST_URL is not set (.ci/run sets it when it can start an Apache CouchDB; see README, "Tests")'
export const CLUSTER_NOT_RUN = 'not run: COUCHDB_TEST_CLUSTER_URLS is not set (.ci/run sets it when it can start a 3-node Apache CouchDB cluster)'

export interface Engine {
  name: 'embedded' | 'couchdb'
  /** Environment for startHub: the engine, and on CouchDB a prefix of the test's own. */
  env: Record<string, string>
  /** Another deployment on the same engine (a hub of its own, apart from this one's data). */
  another: () => Engine
  /** Deletes what the test left in CouchDB (its prefixed databases and replications, and those of `another`). */
  cleanup: () => Promise<void>
}

/** A request to CouchDB itself, as its admin (credentials from the URL). */
export async function couchAdmin(url: string, method: string, path: string, body?: unknown): Promise<Response> {
  const u = new URL(url)
  const auth = 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')
  u.username = ''; u.password = ''
  const headers: Record<string, string> = { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }
  return fetch(`${u.toString().replace(/\/$/, '')}/${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(20_000) })
}

/** A deployment of its own on a shared CouchDB: a fresh database-name prefix, and its cleanup. */
export function couchEngine(url: string): Engine {
  const prefix = `t${randomBytes(4).toString('hex')}_`
  const others: Engine[] = []
  return {
    name: 'couchdb',
    env: { COUCHDB_URL: url, COUCHDB_PREFIX: prefix },
    another: () => { const e = couchEngine(url); others.push(e); return e },
    cleanup: async () => {
      for (const o of others.splice(0)) await o.cleanup()
      const dbs = await (await couchAdmin(url, 'GET', '_all_dbs')).json() as string[]
      for (const db of dbs.filter((d) => d.startsWith(prefix))) await couchAdmin(url, 'DELETE', encodeURIComponent(db))
      const reps = await (await couchAdmin(url, 'GET', `_replicator/_all_docs?startkey=${encodeURIComponent(JSON.stringify(prefix))}&endkey=${encodeURIComponent(JSON.stringify(prefix + '\ufff0'))}`)).json() as { rows?: { id: string; value: { rev: string } }[] }
      for (const r of reps.rows ?? []) await couchAdmin(url, 'DELETE', `_replicator/${encodeURIComponent(r.id)}?rev=${r.value.rev}`)
    },
  }
}

export const embedded = (): Engine => ({ name: 'embedded', env: {}, another: embedded, cleanup: async () => undefined })

/**
 * Runs `body` once on the embedded engine and once on Apache CouchDB (a fresh prefix each run).
 * Without COUCHDB_TEST_URL the CouchDB run is one skipped test that says why.
 */
export function describeEngines(title: string, body: (engine: () => Engine) => void): void {
  describe(`${title} (embedded engine)`, () => { const e = embedded(); body(() => e) })
  if (COUCHDB_TEST_URL) {
    const url = COUCHDB_TEST_URL
    describe(`${title} (Apache CouchDB)`, () => { const e = couchEngine(url); body(() => e) })
  } else {
    describe(`${title} (Apache CouchDB)`, () => { it.skip(NOT_RUN, () => undefined) })
  }
}
