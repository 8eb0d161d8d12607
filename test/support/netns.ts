/**
 * A network namespace of the test's own, for WebRTC between browsers: a veth pair (10.99.0.1/24,
 * 10.99.0.2/24, both up) and a default route, so Chromium gathers host candidates on those
 * addresses — and nothing it sends leaves the namespace. (With loopback alone Chromium gathers no
 * candidate at all.) Needs root, as CI has: without it the test fails and says why, never skips.
 *
 * `expose(port)` makes a server on the host's loopback reachable at the same 127.0.0.1:port inside
 * the namespace, through a Unix socket (file system, not network): the hub runs as in every other
 * test and the browsers inside load the app from it, on one origin. Cutting it leaves the tablets
 * on their Wi-Fi with no hub to reach, as on a phone's hotspot with no data: `navigator.onLine`
 * stays true. (Playwright's offline emulation is no substitute: it blocks WebRTC as well.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CHROMIUM_PATH } from './browser'

/** A host server seen inside the namespace; `cut()` makes it unreachable from there (a hotspot with no internet), `restore()` brings it back. */
export interface Exposed { cut(): void; restore(): void }

export interface Netns {
  name: string
  /** runs Chromium inside the namespace (give it to playwright as executablePath) */
  chromiumPath: string
  expose(port: number): Promise<Exposed>
  close(): Promise<void>
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message || `exit ${r.status}`}`)
}

const BRIDGE = `
const net = require('node:net')
const [port, sock] = process.argv.slice(1)
const server = net.createServer((c) => {
  const up = net.connect(sock)
  c.pipe(up).pipe(c)
  c.on('error', () => up.destroy()); up.on('error', () => c.destroy())
})
server.listen(Number(port), '127.0.0.1', () => console.log('ready'))
process.on('SIGTERM', () => process.exit(0))
`

export async function createNetns(): Promise<Netns> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error('the peer-sync end-to-end tests create a network namespace and need root (CI runs as root): run them as root')
  }
  const name = `yishi-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const dir = mkdtempSync(join(tmpdir(), 'yishi-netns-'))
  const bridges: ChildProcess[] = []
  const servers: Server[] = []
  ip('netns', 'add', name)
  try {
    ip('-n', name, 'link', 'set', 'lo', 'up')
    ip('-n', name, 'link', 'add', 'ya', 'type', 'veth', 'peer', 'name', 'yb')
    ip('-n', name, 'addr', 'add', '10.99.0.1/24', 'dev', 'ya')
    ip('-n', name, 'addr', 'add', '10.99.0.2/24', 'dev', 'yb')
    ip('-n', name, 'link', 'set', 'ya', 'up')
    ip('-n', name, 'link', 'set', 'yb', 'up')
    ip('-n', name, 'route', 'add', 'default', 'dev', 'ya')
  } catch (e) {
    spawnSync('ip', ['netns', 'delete', name])
    throw e
  }
  const chromiumPath = join(dir, 'chromium-in-netns')
  writeFileSync(chromiumPath, `#!/bin/sh\nexec ip netns exec ${name} ${CHROMIUM_PATH} "$@"\n`)
  chmodSync(chromiumPath, 0o755)

  return {
    name,
    chromiumPath,
    async expose(port) {
      const sock = join(dir, `port-${port}.sock`)
      let open = true
      const live = new Set<Socket>()
      const server = createServer((c) => {
        if (!open) { c.destroy(); return }
        const up = createConnection(port, '127.0.0.1')
        live.add(c)
        c.on('close', () => live.delete(c))
        c.pipe(up).pipe(c)
        c.on('error', () => up.destroy()); up.on('error', () => c.destroy())
      })
      await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(sock, resolve) })
      servers.push(server)
      const bridge = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', BRIDGE, String(port), sock], { stdio: ['ignore', 'pipe', 'pipe'] })
      bridges.push(bridge)
      let out = ''
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`bridge into ${name} did not start: ${out}`)), 10_000)
        const on = (b: Buffer) => { out += b.toString(); if (out.includes('ready')) { clearTimeout(timer); resolve() } }
        bridge.stdout?.on('data', on); bridge.stderr?.on('data', on)
        bridge.once('exit', (code) => { clearTimeout(timer); reject(new Error(`bridge into ${name} exited with ${code}: ${out}`)) })
      })
      return {
        cut() { open = false; for (const c of live) c.destroy() },
        restore() { open = true },
      }
    },
    async close() {
      for (const b of bridges) {
        if (b.exitCode !== null) continue
        const gone = new Promise<void>((resolve) => b.once('exit', () => resolve()))
        b.kill('SIGTERM')
        const killer = setTimeout(() => b.kill('SIGKILL'), 3_000)
        await gone
        clearTimeout(killer)
      }
      for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()))
      spawnSync('ip', ['netns', 'delete', name])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
