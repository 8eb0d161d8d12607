import Fastify, { type FastifyInstance } from 'fastify'
import compress from '@fastify/compress'
import type { HubConfig } from './config'
import { couchRoutes } from './couch/routes'
import { serveApp } from './static'

export { HUB_VERSION } from './version'

/** Builds the hub: the built PWA at `/`, the CouchDB-protocol API under `/couch/`. */
export async function buildHub(config: HubConfig): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: 8 * 1024 * 1024,
  })
  await app.register(compress, { global: true, threshold: 512 })
  await app.register(couchRoutes, { prefix: '/couch', config })
  await serveApp(app, config.staticDir)
  return app
}
