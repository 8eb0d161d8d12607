import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'

/** Serves the built PWA from `staticDir`; unknown GET paths outside /couch/ get the app shell. */
export async function serveApp(app: FastifyInstance, staticDir: string): Promise<void> {
  if (!existsSync(join(staticDir, 'index.html'))) {
    app.log.warn({ staticDir }, 'no built app found: run `npm run build` to serve it')
    return
  }
  await app.register(fastifyStatic, { root: staticDir, prefix: '/', wildcard: false })
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/couch')) return reply.sendFile('index.html')
    return reply.code(404).send({ error: 'not_found', reason: 'missing' })
  })
}
