import { fileURLToPath, URL } from 'node:url'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'
import { i18nMessages } from './scripts/i18nMessages'

const outDir = fileURLToPath(new URL('./dist', import.meta.url))

// Paths the service worker must never answer: the hub's data API belongs to RxDB.
const HUB_PATHS = [/^\/couch(\/|$)/, /^\/hub(\/|$)/, /^\/api(\/|$)/]

/**
 * Writes `.br` and `.gz` siblings of every text asset after the build, so the hub serves
 * them pre-compressed (best brotli level, no CPU per request). Runs after the service
 * worker has been generated, so sw.js and the manifest are compressed too.
 */
function precompress(): Plugin {
  const text = /\.(js|mjs|css|html|svg|json|webmanifest|txt|xml)$/
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })
  let dir = outDir
  return {
    name: 'yishi:precompress',
    apply: 'build',
    enforce: 'post',
    configResolved(config) { dir = resolve(config.root, config.build.outDir) },
    closeBundle: {
      order: 'post',
      sequential: true,
      handler() {
        for (const file of walk(dir)) {
          if (!text.test(file)) continue
          const body = new Uint8Array(readFileSync(file))
          const br = brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } })
          const gz = gzipSync(body, { level: 9 })
          if (br.length < body.length) writeFileSync(`${file}.br`, new Uint8Array(br))
          if (gz.length < body.length) writeFileSync(`${file}.gz`, new Uint8Array(gz))
        }
      },
    },
  }
}

/**
 * Vant's icon font arrives as a 30 KB base64 data URL inside render-blocking CSS, followed by a
 * remote copy on a CDN. The build moves the font to its own hashed file (fetched only when an
 * icon is drawn, cached by the service worker) and drops the CDN copy, which the CSP blocks and
 * an offline tablet cannot reach anyway.
 */
function vantIconFontAsFile(): Plugin {
  const cacheDir = fileURLToPath(new URL('./node_modules/.cache/yishi', import.meta.url))
  return {
    name: 'yishi:vant-icon-font',
    enforce: 'pre',
    transform(code, id) {
      if (!/vant[\\/](es|lib)[\\/]icon[\\/]index\.css$/.test(id)) return null
      let out = code.replace(/,\s*url\(["']?(https?:)?\/\/[^)]*\)\s*format\(["']?woff["']?\)/g, '')
      out = out.replace(/url\(["']?data:font\/woff2;[^,]*base64,([A-Za-z0-9+/=]+)["']?\)/, (_match, base64: string) => {
        mkdirSync(cacheDir, { recursive: true })
        writeFileSync(join(cacheDir, 'vant-icon.woff2'), new Uint8Array(Buffer.from(base64, 'base64')))
        return 'url("/node_modules/.cache/yishi/vant-icon.woff2")'
      })
      return { code: out, map: null }
    },
  }
}

export default defineConfig({
  plugins: [
    vue(),
    i18nMessages(),
    vantIconFontAsFile(),
    VitePWA({
      // The app asks before it updates (src/modules/pwa.ts): never reload in a meeting.
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['favicon.svg', 'apple-touch-icon.png'],
      manifest: {
        id: '/',
        name: '议事 · 村民议事会',
        short_name: '议事',
        description: '村民议事会、投票、公示与监督：离线也能用',
        lang: 'zh-CN',
        dir: 'ltr',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        theme_color: '#b71c1c',
        background_color: '#f6f3ee',
        categories: ['government', 'productivity'],
        icons: [
          { src: 'pwa-192x192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'pwa-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'maskable-192x192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
          { src: 'maskable-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'pwa-icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        // The shell and every route's chunk: the app works offline after one visit.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,woff2}'],
        globIgnores: ['**/*.br', '**/*.gz'],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: 'index.html',
        navigateFallbackDenylist: HUB_PATHS,
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: false,
        runtimeCaching: [
          {
            // Photos and other user media served by the app's origin (never /couch/ or /hub/).
            urlPattern: ({ url, request, sameOrigin }) => sameOrigin
              && !/^\/(couch|hub|api)(\/|$)/.test(url.pathname)
              && ['image', 'audio', 'video'].includes(request.destination),
            handler: 'CacheFirst',
            options: {
              cacheName: 'yishi-media',
              expiration: { maxEntries: 300, maxAgeSeconds: 60 * 60 * 24 * 60, purgeOnQuotaError: true },
              cacheableResponse: { statuses: [200] },
            },
          },
        ],
      },
    }),
    precompress(),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: { proxy: { '/couch': 'http://127.0.0.1:8080', '/hub': 'http://127.0.0.1:8080' } },
  build: {
    target: 'es2022', sourcemap: false, manifest: true, outDir,
    // The PWA and precompress steps are slow by nature; their timing notice is noise in `npm test`.
    rolldownOptions: {
      checks: { bundlerTimings: false },
      // Everything the first screen imports statically goes into one chunk: on a 400 ms round
      // trip, a dozen small shared chunks cost more in requests than they save in bytes.
      output: { codeSplitting: { groups: [{ name: 'app', tags: ['$initial'] }] } },
    },
  },
})
