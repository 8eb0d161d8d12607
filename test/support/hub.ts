import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RunningHub {
  url: string
  port: number
  dataDir: string
  process: ChildProcess
  output: () => string
  /** Stops the hub (SIGTERM, then SIGKILL after 5 s). Keeps the data folder unless `removeData`. */
  stop: (opts?: { removeData?: boolean; signal?: NodeJS.Signals }) => Promise<void>
}

export const ADMIN = { user: 'admin', password: 'admin-test-password' }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Starts the real hub process on a free loopback port with a temporary data folder. */
export async function startHub(env: Record<string, string> = {}, opts: { dataDir?: string; port?: number; timeoutMs?: number } = {}): Promise<RunningHub> {
  // A free port can be taken by another process before the hub binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startHubOnce(env, opts)
    } catch (error) {
      if (opts.port !== undefined || attempt >= 3 || !String((error as Error).message).includes('EADDRINUSE')) throw error
    }
  }
}

async function startHubOnce(env: Record<string, string>, opts: { dataDir?: string; port?: number; timeoutMs?: number }): Promise<RunningHub> {
  const port = opts.port ?? await freePort()
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'yishi-hub-'))
  let log = ''
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn',
      HUB_ADMIN_USER: ADMIN.user, HUB_ADMIN_PASSWORD: ADMIN.password, SEED_DEMO: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (chunk: Buffer) => { log += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { log += chunk.toString() })

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000)
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (log.includes('YISHI_HUB_LISTENING')) { clearInterval(timer); resolve() }
      else if (child.exitCode !== null) { clearInterval(timer); reject(new Error(`hub exited with ${child.exitCode}:\n${log}`)) }
      else if (Date.now() > deadline) { clearInterval(timer); child.kill('SIGKILL'); reject(new Error(`hub did not start in time:\n${log}`)) }
    }, 50)
  })

  const stop: RunningHub['stop'] = async ({ removeData = false, signal = 'SIGTERM' } = {}) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill(signal)
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(killer)
    }
    if (removeData) rmSync(dataDir, { recursive: true, force: true })
  }
  return { url: `http://127.0.0.1:${port}`, port, dataDir, process: child, output: () => log, stop }
}
