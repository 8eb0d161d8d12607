import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

/** Builds the peer harness page (production mode) into a temporary folder. */
export async function buildPeerHarness(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'yishi-peer-harness-'))
  await build({
    configFile: false,
    root: fileURLToPath(new URL('.', import.meta.url)),
    resolve: { alias: { '@': fileURLToPath(new URL('../../src', import.meta.url)) } },
    build: { outDir, emptyOutDir: true, minify: true, reportCompressedSize: false },
    logLevel: 'warn',
  })
  return outDir
}
