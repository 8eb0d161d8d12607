import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import compress from '@fastify/compress'
import fastifyStatic from '@fastify/static'
import type { HubConfig } from './config'
import { couchRoutes } from './couch/routes'
export { HUB_VERSION } from './version'



/** Builds the hub: the built PWA at `/`, the CouchDB-protocol API under `/couch/`. */
export async function buildHub(config: HubConfig): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: 8 * 1024 * 1024,
  })
  await app.register(compress, { global: true, threshold: 512 })
  await app.register(couchRoutes, { prefix: '/couch', config })

  if (existsSync(join(config.staticDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: config.staticDir, prefix: '/', wildcard: false })
    // Any other path is a client-side route: answer with the app shell.
    app.setNotFoundHandler((req, reply) => {
      if (req.method === 'GET' && !req.url.startsWith('/couch')) return reply.sendFile('index.html')
      return reply.code(404).send({ error: 'not_found', reason: 'missing' })
    })
  } else {
    app.log.warn({ staticDir: config.staticDir }, 'no built app found: run `npm run build` to serve it')
  }
  return app
}
