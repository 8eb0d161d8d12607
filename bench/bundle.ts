/**
 * Critical path of the first screen: the HTML, plus every JS chunk the entry imports
 * statically (transitively) and their CSS — what must arrive before the home screen can
 * render and respond. Lazy chunks (other screens, the database, charts, imports) are listed
 * apart. Sizes from dist/ (vite build with build.manifest), gzip level 9 and brotli 11.
 * Also scans the whole build for code that must never ship (dev-mode, test code, eval).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib'

const DIST = join(process.cwd(), 'dist')
const BUDGET_KB = 170

interface ManifestChunk {
  file: string
  src?: string
  isEntry?: boolean
  imports?: string[]
  dynamicImports?: string[]
  css?: string[]
}
type ViteManifest = Record<string, ManifestChunk>

export interface FileSize { file: string; role: string; raw: number; gzip: number; brotli: number }

function sizeOf(file: string, role: string): FileSize {
  const body = new Uint8Array(readFileSync(join(DIST, file)))
  return {
    file, role, raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
  }
}

/** The files of the first screen's critical path, from the build manifest. */
export function criticalPath(manifest: ViteManifest): FileSize[] {
  const entryKey = Object.keys(manifest).find((k) => manifest[k]!.isEntry && k.endsWith('index.html'))
    ?? Object.keys(manifest).find((k) => manifest[k]!.isEntry)
  if (!entryKey) throw new Error('no entry in dist/.vite/manifest.json')
  const files: FileSize[] = [sizeOf('index.html', 'html')]
  const seen = new Set<string>()
  const visit = (key: string, role: string) => {
    if (seen.has(key)) return
    seen.add(key)
    const chunk = manifest[key]!
    files.push(sizeOf(chunk.file, role))
    for (const css of chunk.css ?? []) if (!files.some((f) => f.file === css)) files.push(sizeOf(css, 'css'))
    for (const imported of chunk.imports ?? []) visit(imported, 'js (static import)')
  }
  visit(entryKey, 'js (entry)')
  return files
}

/** Chunks loaded only when a screen or feature is opened. */
export function lazyChunks(manifest: ViteManifest, critical: FileSize[]): FileSize[] {
  const taken = new Set(critical.map((f) => f.file))
  const out: FileSize[] = []
  for (const chunk of Object.values(manifest)) {
    for (const file of [chunk.file, ...(chunk.css ?? [])]) {
      if (taken.has(file) || !/\.(js|css)$/.test(file)) continue
      taken.add(file)
      out.push(sizeOf(file, 'lazy'))
    }
  }
  return out.sort((a, b) => b.gzip - a.gzip)
}

/** Strings that mean dev-mode, test code or eval reached the production build. */
const FORBIDDEN: [string, RegExp][] = [
  ['RxDB dev-mode', /iframeShown|dev-mode-iframe|RxDBDevModePlugin/],
  ['test code (vitest / fake-indexeddb / happy-dom)', /vitest|fake-indexeddb|happy-dom/],
  ['ajv runtime compiler (needs unsafe-eval)', /new Function\([^)]*sourceCode|\bnew Function\(/],
  ['eval()', /[^.\w]eval\(/],
]

export function forbiddenCode(manifest: ViteManifest): string[] {
  const hits: string[] = []
  const files = new Set(Object.values(manifest).map((c) => c.file).filter((f) => f.endsWith('.js')))
  for (const file of files) {
    const code = readFileSync(join(DIST, file), 'utf8')
    for (const [what, pattern] of FORBIDDEN) if (pattern.test(code)) hits.push(`${file}: ${what}`)
  }
  return hits
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1).padStart(7)

export async function run(): Promise<Record<string, number | null>> {
  const manifestPath = join(DIST, '.vite', 'manifest.json')
  if (!existsSync(manifestPath)) throw new Error('dist/.vite/manifest.json is missing: build with `npx vite build` (build.manifest is on in vite.config.ts)')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ViteManifest
  const critical = criticalPath(manifest)
  const lazy = lazyChunks(manifest, critical)
  const total = (list: FileSize[], k: 'raw' | 'gzip' | 'brotli') => list.reduce((s, f) => s + f[k], 0)

  console.log('Critical path of the first screen (KB)')
  console.log(`${'file'.padEnd(48)} ${'raw'.padStart(7)} ${'gzip'.padStart(7)} ${'brotli'.padStart(7)}  role`)
  for (const f of critical) console.log(`${f.file.padEnd(48)} ${kb(f.raw)} ${kb(f.gzip)} ${kb(f.brotli)}  ${f.role}`)
  const gzipKb = total(critical, 'gzip') / 1024
  console.log(`${'TOTAL'.padEnd(48)} ${kb(total(critical, 'raw'))} ${kb(total(critical, 'gzip'))} ${kb(total(critical, 'brotli'))}  budget ${BUDGET_KB} KB gzip: ${gzipKb <= BUDGET_KB ? 'within' : 'OVER'}`)
  console.log(`  of which JS ${kb(total(critical.filter((f) => f.file.endsWith('.js')), 'gzip'))} KB, CSS ${kb(total(critical.filter((f) => f.file.endsWith('.css')), 'gzip'))} KB gzip`)

  console.log(`\nLoaded only when opened: ${lazy.length} chunks, ${kb(total(lazy, 'gzip'))} KB gzip; largest:`)
  for (const f of lazy.slice(0, 8)) console.log(`  ${f.file.padEnd(46)} ${kb(f.gzip)}`)

  const hits = forbiddenCode(manifest)
  console.log(hits.length ? `\nMUST NOT SHIP:\n  ${hits.join('\n  ')}` : '\nNo dev-mode, test code or eval in the build.')

  return {
    critical_path_gzip_kb: Math.round(gzipKb * 10) / 10,
    critical_path_brotli_kb: Math.round(total(critical, 'brotli') / 102.4) / 10,
    critical_path_files: critical.length,
    lazy_gzip_kb: Math.round(total(lazy, 'gzip') / 102.4) / 10,
    forbidden_code_hits: hits.length,
  }
}
