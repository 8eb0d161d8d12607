#!/usr/bin/env node
// `npm start`: build the app if the build is missing or stale, then start the hub with the
// demo township seeded on first run. Environment variables pass through (see README).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const built = join(root, 'dist', 'index.html')
const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package-lock.json']

function newest(path) {
  const full = join(root, path)
  if (!existsSync(full)) return 0
  const stat = statSync(full)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(full).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs)
}

const stale = !existsSync(built) || sources.some((s) => newest(s) > statSync(built).mtimeMs)
if (stale) {
  console.log('Building the app (the build is missing or older than the sources)…')
  const result = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
} else {
  console.log('The app build is up to date.')
}

const env = { SEED_DEMO: 'true', ...process.env }
const hub = spawn(process.execPath, ['--import', 'tsx', join(root, 'sync-server', 'main.ts')], { cwd: root, env, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => hub.kill(signal))
hub.on('exit', (code) => process.exit(code ?? 0))
