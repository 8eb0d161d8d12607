import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'

/**
 * Content-Security-Policy of the app: no inline or eval'd script, nothing loaded from
 * another origin, no framing. Styles allow 'unsafe-inline' for component style attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "frame-src 'none'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** Headers every hub response carries. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Camera: photos and member-card scans; microphone: spoken proposals (voice notes).
  'permissions-policy': 'camera=(self), microphone=(self), geolocation=(), payment=(), usb=()',
}

const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'
const SHORT = 'public, max-age=86400'

/** Hashed build output never changes; the shell, service worker and manifest must be revalidated. */
export function cacheControlFor(path: string): string {
  const name = basename(path).replace(/\.(br|gz)$/, '')
  if (/[\\/]assets[\\/]/.test(path) || /^workbox-[0-9a-f]{8}\.js$/.test(name)) return IMMUTABLE
  if (/\.(html|webmanifest)$/.test(name) || name === 'sw.js') return REVALIDATE
  return SHORT
}

/**
 * Serves the built PWA from `staticDir` with security headers on every hub response,
 * pre-compressed (brotli/gzip, written by the build) text assets, long-lived caching for
 * hashed assets, and the app shell for unknown GET paths outside /couch/ and /hub/.
 */
export async function serveApp(app: FastifyInstance, staticDir: string): Promise<void> {
  app.addHook('onRequest', async (req, reply) => {
    reply.headers(SECURITY_HEADERS)
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000')
  })
  if (!existsSync(join(staticDir, 'index.html'))) {
    app.log.warn({ staticDir }, 'no built app found: run `npm run build` to serve it')
    return
  }
  await app.register(fastifyStatic, {
    root: staticDir,
    prefix: '/',
    wildcard: false,
    preCompressed: true,
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders: (reply, path) => { reply.header('cache-control', cacheControlFor(path)) },
  })
  app.setNotFoundHandler((req, reply) => {
    const apiPath = /^\/(couch|hub)(\/|\?|$)/.test(req.url)
    const wantsPage = req.method === 'GET' && !apiPath && !/\.[a-z0-9]+$/i.test(req.url.split('?')[0] ?? '')
    if (wantsPage) return reply.sendFile('index.html')
    return reply.code(404).send({ error: 'not_found', reason: 'missing' })
  })
}
