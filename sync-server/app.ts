import Fastify, { type FastifyInstance } from 'fastify'
import compress from '@fastify/compress'
import cookie from '@fastify/cookie'
import { readFileSync } from 'node:fs'
import type { HubConfig } from './config'
import { couchRoutes } from './couch/routes'
import { createEngine, type Engine } from './engine'
import { Accounts } from './auth/accounts'
import { Sessions } from './auth/session'
import { Pusher } from './couch/push'
import { removeRefusedPlaceholders } from './couch/placeholders'
import { countersFor } from './counters'
import { Provenance } from './validate/signature'
import { openLongPolls } from './couch/changes'
import { Peers } from './peers'
import { serveApp } from './static'
import { townshipRoutes } from './township/routes'

export { HUB_VERSION } from './version'

export interface Hub {
  app: FastifyInstance
  engine: Engine
  accounts: Accounts
  pusher: Pusher
  peers: Peers
}

/** Builds the hub: the built PWA at `/`, the CouchDB-protocol API under `/couch/`. */
export async function buildHub(config: HubConfig): Promise<Hub> {
  const tls = config.tlsCert && config.tlsKey
    ? { http2: true as const, https: { allowHTTP1: true, cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } }
    : {}
  const options = {
    logger: { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    // A request must arrive whole in time: bodies within BODY_TIMEOUT (couch/guard.ts answers 408);
    // Node's own check is the backstop. A long-poll has arrived once its head has, so it stays
    // open for as long as the client wants (heartbeats keep it alive).
    requestTimeout: config.bodyTimeoutMs + 60_000,
    keepAliveTimeout: 75_000,
    // CouchDB clients address a database as `/db/` as well as `/db`.
    routerOptions: { ignoreTrailingSlash: true },
    ...tls,
  }
  // With a certificate: HTTPS with HTTP/2, HTTP/1.1 still accepted (one Fastify type for both).
  // eslint-disable-next-line no-restricted-syntax -- Fastify's typings pick the server type per overload; these options serve HTTP/2 and HTTP/1.1 alike
  const app = (Fastify as unknown as (o: typeof options) => FastifyInstance)(options)
  const engine = createEngine(config)
  const accounts = new Accounts(engine, { name: config.adminUser, password: config.adminPassword })
  await accounts.load()
  // Counts behind limits (failed logins, enrollment codes, quarantine shares): shared in CouchDB by every hub in front of it.
  const { counters, stop: stopCounters } = await countersFor(engine, app.log)
  const sessions = new Sessions(accounts, counters)
  const pusher = new Pusher(engine, counters, app.log, await Provenance.load(engine, accounts), config.now)
  await pusher.init()
  const peers = new Peers(engine, app.log)

  await app.register(cookie)
  // gzip first: several times cheaper than brotli for the hub's JSON, and every client takes it.
  // Request bodies are inflated by the CouchDB routes' own parser (couch/encoding.ts), not here.
  await app.register(compress, { global: true, globalDecompression: false, threshold: 1024, encodings: ['gzip', 'br', 'deflate'], zlibOptions: { level: 4 } })
  await app.register(couchRoutes, { prefix: '/couch', config, engine, accounts, sessions, pusher, peers })
  await app.register(townshipRoutes, { prefix: '/hub/township', engine, accounts, sessions, peers, quarantine: pusher.quarantine, hubKeys: () => pusher.provenance?.keys ?? null })
  await serveApp(app, config.staticDir)
  await peers.start()
  // once after an upgrade, in the background: earlier hubs kept refused records in village databases
  void removeRefusedPlaceholders(engine, app.log).catch((err: unknown) => app.log.warn({ err }, 'could not remove refused placeholders'))

  app.addHook('preClose', async () => {
    // Answer open long-polls (empty results) so clients reconnect elsewhere or later.
    for (const end of [...openLongPolls]) end()
    peers.stopAll()
  })
  app.addHook('onClose', async () => { stopCounters(); accounts.close(); pusher.provenance?.close(); await engine.close() })
  return { app, engine, accounts, pusher, peers }
}
