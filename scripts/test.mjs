#!/usr/bin/env node
// `npm test`: lint, typecheck, build, then every Vitest project (domain, components,
// integration against a real hub, e2e in real Chromium). Fails if any part fails.
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
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
const PROJECTS = ['domain', 'components', 'integration', 'e2e']
const only = process.argv.slice(2)
const unknown = only.filter((p) => !PROJECTS.includes(p))
if (unknown.length) {
  console.error(`Unknown test project: ${unknown.join(', ')} (the projects: ${PROJECTS.join(', ')})`)
  process.exit(2)
}
const wanted = only.length ? only : PROJECTS
const reportDir = mkdtempSync(join(tmpdir(), 'yishi-test-'))
const testEnv = { ...process.env, CHROMIUM_PATH: CHROMIUM }

/**
 * One Vitest run of `projects`, its JSON report in the report folder. `quiet`: its output is kept in a
 * file and printed whole when it ends (a run beside another one), else it streams.
 */
function vitest(label, projects, quiet) {
  const reportFile = join(reportDir, `${label}.json`)
  const logFile = join(reportDir, `${label}.log`)
  const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...projects.flatMap((p) => ['--project', p])]
  console.log(`\n▶ tests (${label}): npx ${args.join(' ')}${quiet ? ' — its output follows when it ends' : ''}`)
  const started = Date.now()
  const out = quiet ? openSync(logFile, 'w') : 'inherit'
  const child = spawn('npx', args, { stdio: ['ignore', out, out], env: testEnv })
  return new Promise((done) => child.on('close', (code) => {
    if (quiet) {
      closeSync(out)
      console.log(`\n── tests (${label}) ──`)
      process.stdout.write(readFileSync(logFile, 'utf8'))
    }
    const ok = code === 0
    console.log(`${ok ? '✔' : '✘'} tests (${label}) (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    done({ ok, report: readReport(reportFile) })
  }))
}

function readReport(file) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'))
    // A file that fails to load (a missing fixture, a syntax error) holds no failed test: count it too.
    const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'))
    return {
      passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests,
      brokenFiles: brokenFiles.map((f) => relative(process.cwd(), f.name)),
    }
  } catch { return null /* no report: vitest itself failed to start */ }
}

// The pure and component tests first, on both cores (vitest.config.ts); then the integration files (a real
// hub each, one file at a time) beside the e2e files (real Chromium, one at a time): much of their time is
// waiting on links, clocks and the browser, so the two share the machine well.
const phases = [
  wanted.filter((p) => p === 'domain' || p === 'components'),
  wanted.filter((p) => p === 'integration' || p === 'e2e'),
].filter((ps) => ps.length > 0)
let counts = null
if (!failed.includes('build')) {
  const runs = []
  for (const phase of phases) {
    const side = phase.length === 2 && phase.includes('e2e')
    runs.push(...await Promise.all(side ? [vitest('e2e', ['e2e'], false), vitest('integration', ['integration'], true)] : [vitest(phase.join('+'), phase, false)]))
  }
  if (runs.some((r) => !r.ok)) failed.push('tests')
  if (runs.every((r) => r.report)) {
    counts = runs.map((r) => r.report).reduce((a, b) => ({
      passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped, brokenFiles: [...a.brokenFiles, ...b.brokenFiles],
    }))
  }
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
