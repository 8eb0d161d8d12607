#!/usr/bin/env node
// `npm test`: lint, typecheck, build, then every Vitest project (domain, components,
// integration against a real hub, e2e in real Chromium). Fails if any part fails.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

function run(label, cmd, args, opts = {}) {
  const started = Date.now()
  console.log(`\n▶ ${label}: ${cmd} ${args.join(' ')}`)
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...opts })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const ok = result.status === 0
  console.log(`${ok ? '✔' : '✘'} ${label} (${seconds} s)`)
  return ok
}

function ensureChromium() {
  if (existsSync(CHROMIUM)) return true
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
  if (!isRoot || !hasApt) {
    console.error(`The end-to-end tests need Chromium at ${CHROMIUM}, and it is missing.\n` +
      'Install it with: sudo apt-get update && sudo apt-get install -y chromium\n' +
      '(or set CHROMIUM_PATH to a Chromium binary). The e2e tests are never skipped.')
    return false
  }
  console.log(`Chromium is missing at ${CHROMIUM}: installing Debian's chromium with apt-get (about a minute)…`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  return run('apt-get update', 'apt-get', ['update', '-q'], { env }) &&
    run('apt-get install chromium', 'apt-get', ['install', '-y', '-q', 'chromium'], { env }) &&
    existsSync(CHROMIUM)
}

const steps = [
  ['lint', 'npx', ['eslint', '.']],
  ['typecheck', 'npx', ['vue-tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['build', 'npx', ['vite', 'build', '--logLevel', 'warn']],
]
const failed = []
if (!ensureChromium()) failed.push('chromium')
for (const [label, cmd, args] of steps) if (!run(label, cmd, args)) failed.push(label)
const only = process.argv.slice(2)
const reportDir = mkdtempSync(join(tmpdir(), 'yishi-test-'))
const reportFile = join(reportDir, 'vitest.json')
const vitestArgs = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`,
  ...(only.length ? only.flatMap((p) => ['--project', p]) : [])]
let counts = null
if (!failed.includes('build')) {
  if (!run('tests', 'npx', vitestArgs, { env: { ...process.env, CHROMIUM_PATH: CHROMIUM } })) failed.push('tests')
  try {
    const report = JSON.parse(readFileSync(reportFile, 'utf8'))
    // A file that fails to load (a missing fixture, a syntax error) holds no failed test: count it too.
    const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'))
    counts = {
      passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests,
      brokenFiles: brokenFiles.map((f) => relative(process.cwd(), f.name)),
    }
  } catch { /* no report: vitest itself failed to start */ }
} else {
  failed.push('tests (not run: the build failed)')
}
rmSync(reportDir, { recursive: true, force: true })
if (counts) {
  if (counts.passed === 0) failed.push('no test ran')
  for (const f of counts.brokenFiles) console.error(`✘ ${f}: the file failed before or outside its tests (see its error above)`)
  const failures = counts.failed + counts.brokenFiles.length
  console.log(`\n${counts.passed} passed, ${failures} failed` +
    (counts.brokenFiles.length ? ` (${counts.failed} tests, ${counts.brokenFiles.length} files)` : '') +
    (counts.skipped ? `, ${counts.skipped} skipped` : ''))
}

if (failed.length) {
  console.error(`\nnpm test failed: ${failed.join(', ')}`)
  process.exit(1)
}
console.log('\nnpm test: all parts passed (lint, typecheck, build, tests)')
