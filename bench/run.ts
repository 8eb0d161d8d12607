/**
 * `npm run bench` — runs every benchmark group (or `-- --only bundle,load`), each in its own
 * child process so one crash cannot take the run down, prints one table and writes
 * bench/results/latest.json: one flat object with exactly the keys below (null = not run
 * or could not measure). Details (status, errors, extra figures) go to bench/results/details.json.
 *
 * A group is `bench/<group>.ts` exporting `async function run(): Promise<Record<string, number | null>>`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const RESULTS = join(ROOT, 'bench', 'results')

export const GROUPS = ['bundle', 'load', 'domain', 'data', 'sync', 'hub', 'hub-attack', 'couchdb'] as const
export type Group = string

/**
 * Other bench/*.ts files that export run() (e.g. township-data) run after the named groups;
 * their figures are printed and kept in details.json, not in latest.json.
 */
function extraGroups(): string[] {
  return readdirSync(join(ROOT, 'bench'))
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
    .map((f) => f.slice(0, -3))
    .filter((g) => !(GROUPS as readonly string[]).includes(g))
    .filter((g) => /export\s+async\s+function\s+run\s*\(/.test(readFileSync(join(ROOT, 'bench', `${g}.ts`), 'utf8')))
    .sort()
}

/** Every key of latest.json, with the group(s) expected to produce it (first listed wins when both do). */
export const KEYS: Record<string, Group[]> = {
  critical_path_gzip_kb: ['bundle'],
  first_load_throttled_ms: ['load'],
  repeat_load_offline_ms: ['load'],
  ballot_write_p95_ms: ['data'],
  proposal_list_5000_ms: ['data'],
  tally_10k_ms: ['domain'],
  mes_wieliczka_ms: ['domain'],
  sync_10k_ballots_s: ['sync', 'data'],
  sync_wire_bytes_ratio: ['sync', 'data'],
  hub_push_p95_ms: ['hub'],
  hub_docs_per_s: ['hub'],
  hub_rss_mb: ['hub'],
  hub_vs_express_pouchdb_docs_per_s_ratio: ['hub'],
  hub_up_p99_under_attack_ms: ['hub-attack'],
  hub_rss_under_attack_mb: ['hub-attack'],
  longpoll_wake_p95_during_burst_ms: ['hub'],
  couchdb_push_ratio: ['couchdb'],
  couchdb_pull_ratio: ['couchdb'],
  district_push_p95_ms: ['couchdb'],
  district_hub_rss_mb: ['couchdb'],
  lighthouse_performance: ['load'],
}

type Figures = Record<string, number | null>
interface GroupOutcome {
  group: Group
  status: 'ok' | 'not written yet' | 'failed' | 'not run'
  seconds: number
  error?: string
  figures: Figures
}

const GROUP_TIMEOUT_MS = Number(process.env.BENCH_GROUP_TIMEOUT_S ?? 1200) * 1000

// ---------------------------------------------------------------- child mode
async function child(group: Group, out: string): Promise<void> {
  const mod = await import(pathToFileURL(join(ROOT, 'bench', `${group}.ts`)).href) as { run?: () => Promise<Figures> }
  if (typeof mod.run !== 'function') throw new Error(`bench/${group}.ts does not export run()`)
  const figures = await mod.run()
  const clean: Figures = {}
  for (const [key, value] of Object.entries(figures ?? {})) {
    clean[key] = typeof value === 'number' && Number.isFinite(value) ? value : null
  }
  writeFileSync(out, JSON.stringify(clean))
}

// ---------------------------------------------------------------- build
function newest(path: string): number {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs)
}

/** Builds dist/ once when it is missing or older than the sources. */
export function ensureBuild(): void {
  const built = join(ROOT, 'dist', 'sw.js')
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'].map((p) => join(ROOT, p))
  const stale = !existsSync(built) || sources.some((s) => newest(s) > statSync(built).mtimeMs)
  if (!stale) return
  console.log('bench: building the app (dist/ is missing or older than the sources)…')
  const result = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) throw new Error('bench: the build failed')
}

// ---------------------------------------------------------------- parent mode
async function runGroup(group: Group): Promise<GroupOutcome> {
  const file = join(ROOT, 'bench', `${group}.ts`)
  if (!existsSync(file)) return { group, status: 'not written yet', seconds: 0, figures: {} }
  const started = Date.now()
  const dir = mkdtempSync(join(tmpdir(), `yishi-bench-${group}-`))
  const out = join(dir, 'figures.json')
  console.log(`\n━━ bench: ${group} ━━`)
  let stderrTail = ''
  const code = await new Promise<number | null>((resolveExit) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', group, out], {
      cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'], env: process.env,
    })
    proc.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk.toString())
      stderrTail = (stderrTail + chunk.toString()).slice(-2000)
    })
    const timer = setTimeout(() => { stderrTail += `\ntimed out after ${GROUP_TIMEOUT_MS / 1000} s`; proc.kill('SIGKILL') }, GROUP_TIMEOUT_MS)
    proc.on('exit', (exitCode) => { clearTimeout(timer); resolveExit(exitCode) })
  })
  const seconds = (Date.now() - started) / 1000
  try {
    if (code === 0 && existsSync(out)) {
      return { group, status: 'ok', seconds, figures: JSON.parse(readFileSync(out, 'utf8')) as Figures }
    }
    const lines = stderrTail.trim().split('\n').filter((l) => l.trim() !== '')
    const message = lines.filter((l) => !/^\s*at\s/.test(l))
    const error = message.find((l) => /Error|error:|exceeded|failed/i.test(l)) ?? message[0] ?? `exited with ${code}`
    return { group, status: 'failed', seconds, error: error.trim().slice(0, 300), figures: {} }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function parseOnly(argv: string[], all: string[]): Group[] {
  const at = argv.findIndex((a) => a === '--only' || a.startsWith('--only='))
  if (at < 0) return [...all]
  const value = argv[at]!.includes('=') ? argv[at]!.split('=')[1]! : (argv[at + 1] ?? '')
  const wanted = value.split(',').map((s) => s.trim()).filter(Boolean)
  const unknown = wanted.filter((g) => !all.includes(g))
  if (wanted.length === 0 || unknown.length) {
    console.error(`bench: --only takes one or more of ${all.join(', ')} (comma-separated)${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`)
    process.exit(2)
  }
  return wanted
}

function format(value: number | null): string {
  if (value === null) return '—'
  if (Number.isInteger(value)) return String(value)
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2)
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv[0] === '--child') {
    await child(argv[1] as Group, argv[2]!)
    return
  }
  const all = [...GROUPS, ...extraGroups()]
  const selected = parseOnly(argv, all)
  if (selected.some((g) => g === 'bundle' || g === 'load')) ensureBuild()

  const outcomes = new Map<Group, GroupOutcome>()
  for (const group of all) {
    outcomes.set(group, selected.includes(group) ? await runGroup(group) : { group, status: 'not run', seconds: 0, figures: {} })
  }

  const latest: Figures = {}
  const rows: string[][] = []
  for (const [key, groups] of Object.entries(KEYS)) {
    let value: number | null = null
    let from: GroupOutcome = outcomes.get(groups[0]!)!
    for (const group of groups) {
      const outcome = outcomes.get(group)!
      const figure = outcome.figures[key]
      if (typeof figure === 'number') { value = figure; from = outcome; break }
    }
    latest[key] = value
    const note = value !== null ? from.group
      : from.status === 'ok' ? `${from.group}: could not measure`
        : from.status === 'failed' ? `${from.group}: failed — ${from.error}` : `${from.group}: ${from.status}`
    rows.push([key, format(value), note])
  }

  const width = [Math.max(...rows.map((r) => r[0]!.length)), Math.max(5, ...rows.map((r) => r[1]!.length))]
  console.log('\n━━ bench: results ━━')
  console.log(`${'figure'.padEnd(width[0]!)}  ${'value'.padStart(width[1]!)}  source`)
  for (const [key, value, note] of rows) console.log(`${key!.padEnd(width[0]!)}  ${value!.padStart(width[1]!)}  ${note}`)
  const keyed = new Set(Object.keys(KEYS))
  const extras = [...outcomes.values()].flatMap((o) => Object.entries(o.figures).filter(([k]) => !keyed.has(k)).map(([k, v]) => [o.group, k, v] as const))
  if (extras.length) {
    console.log('\nother figures (details.json only)')
    for (const [group, key, value] of extras) console.log(`  ${`${group}.${key}`.padEnd(width[0]! + 8)} ${format(value).padStart(width[1]!)}`)
  }
  for (const outcome of outcomes.values()) {
    if (outcome.status === 'ok') console.log(`  ${outcome.group}: ${outcome.seconds.toFixed(1)} s`)
    if (outcome.status === 'failed' && !(GROUPS as readonly string[]).includes(outcome.group)) console.log(`  ${outcome.group}: failed — ${outcome.error}`)
  }

  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(latest, null, 2) + '\n')
  writeFileSync(join(RESULTS, 'details.json'), JSON.stringify({
    at: new Date().toISOString(),
    groups: Object.fromEntries([...outcomes.values()].map((o) => [o.group, { status: o.status, seconds: o.seconds, error: o.error ?? null, figures: o.figures }])),
  }, null, 2) + '\n')
  console.log(`\nwrote ${join('bench', 'results', 'latest.json')}`)
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error)
    process.exit(1)
  })
}
