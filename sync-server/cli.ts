/**
 * Provisioning CLI: `npm run -s hub -- <command>`. Talks to a running hub's admin API
 * (HUB_URL, default http://127.0.0.1:8080) as the admin (HUB_ADMIN_USER/HUB_ADMIN_PASSWORD,
 * or the password the hub generated in DATA_DIR/admin-password).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import QRCode from 'qrcode'

const HELP = `Yishi hub provisioning

  npm run -s hub -- <command> [options]

  status                                         hub health and engine
  township add <id> <name>                       create a township
  village add <id> --township <id> [--name 名]   create a village and its database village-<id>
  user add <name> --role township|clerk|supervisor (--township <id> | --village <id>) [--password <pw>]
  user passwd <name> [--password <pw>]           set a password (generated when omitted)
  user disable <name> | user enable <name>
  users                                          list accounts
  enroll <village> [--minutes <n>]               one-time device enrollment code, with a QR code
  devices                                        list enrolled devices
  revoke <deviceId>                              revoke a device's credential
  rotate-key [--compromised]                     replace the hub's signing key (tablets follow; see README)
  quarantine [--db <db>] [--all]                 list refused documents
  release <quarantineId>                         accept a quarantined document
  replicate <db> --to|--from <url> [--continuous]  peer sync with another hub or CouchDB
  peers                                          list peer replications
  townships                                      list townships and villages

Environment: HUB_URL (default http://127.0.0.1:8080), HUB_ADMIN_USER, HUB_ADMIN_PASSWORD, DATA_DIR.
`

const COMPROMISED = `
The old key is compromised: rotating is NOT enough on its own.
Whoever holds the old key can sign a succession to a key of their own, exactly as the hub just did,
and a tablet that sees theirs first follows it. Tablets cannot tell the two apart.
  1. Enroll every tablet again (\`npm run -s hub -- enroll <village>\`, then enter the code on the tablet's enrollment screen):
     a new enrollment pins the hub's new key afresh and ignores any succession.
  2. Until a tablet is enrolled again, do not trust device lists or certificates it received
     from other tablets since the leak; sync it with the hub only.
  3. Look for records the hub refused (\`npm run -s hub -- quarantine\`) and tablets you do not know
     (\`npm run -s hub -- devices\`); revoke those.
`

export function parseArgs(argv: string[]): { words: string[]; flags: Record<string, string | true> } {
  const words: string[] = []
  const flags: Record<string, string | true> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined]
      if (v !== undefined) flags[k] = v
      else if (argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')) flags[k] = argv[++i] as string
      else flags[k] = true
    } else words.push(a)
  }
  return { words, flags }
}

class CliError extends Error {}

function adminAuth(): string {
  const user = process.env.HUB_ADMIN_USER ?? 'admin'
  let password = process.env.HUB_ADMIN_PASSWORD ?? ''
  const file = join(resolve(process.env.DATA_DIR ?? './data'), 'admin-password')
  if (!password && existsSync(file)) password = readFileSync(file, 'utf8').trim()
  if (!password) throw new CliError(`Set HUB_ADMIN_PASSWORD (no ${file} found)`)
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
}

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const base = (process.env.HUB_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
  let res: Response
  try {
    res = await fetch(`${base}/couch/${path}`, {
      method,
      headers: { authorization: adminAuth(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (e) {
    throw new CliError(`cannot reach the hub at ${base} (${(e as Error).message}); is it running? (npm start)`)
  }
  const text = await res.text()
  const parsed = text ? JSON.parse(text) as unknown : null
  if (!res.ok) {
    const err = parsed as { error?: string; reason?: string } | null
    throw new CliError(`${res.status} ${err?.error ?? ''}: ${err?.reason ?? text}`)
  }
  return parsed
}

const need = (v: string | true | undefined, what: string): string => {
  if (typeof v !== 'string' || v === '') throw new CliError(`missing ${what}\n\n${HELP}`)
  return v
}

export async function run(argv: string[]): Promise<void> {
  const { words, flags } = parseArgs(argv)
  const [cmd, sub, a1, a2] = words
  const out = (v: unknown) => console.log(typeof v === 'string' ? v : JSON.stringify(v, null, 2))
  switch (cmd) {
    case undefined: case 'help': out(HELP); return
    case 'status': out(await api('GET', '_up')); return
    case 'townships': out(await api('GET', '_hub/townships')); return
    case 'users': out(await api('GET', '_hub/users')); return
    case 'devices': out(await api('GET', '_hub/devices')); return
    case 'peers': out(await api('GET', '_hub/peers')); return
    case 'township':
      if (sub !== 'add') break
      out(await api('POST', '_hub/townships', { id: need(a1, 'township id'), name: a2 ?? a1 }))
      return
    case 'village':
      if (sub !== 'add') break
      out(await api('POST', '_hub/villages', { id: need(a1, 'village id'), township: need(flags.township, '--township'), name: typeof flags.name === 'string' ? flags.name : a2 ?? a1 }))
      return
    case 'user': {
      const name = need(a1, 'user name')
      if (sub === 'add') {
        const password = typeof flags.password === 'string' ? flags.password : randomBytes(9).toString('base64url')
        const r = await api('POST', '_hub/users', {
          name, password, role: need(flags.role, '--role'),
          ...(typeof flags.township === 'string' ? { township: flags.township } : {}),
          ...(typeof flags.village === 'string' ? { village: flags.village } : {}),
        })
        out(r)
        if (typeof flags.password !== 'string') out(`password: ${password}`)
        return
      }
      if (sub === 'passwd') {
        const password = typeof flags.password === 'string' ? flags.password : randomBytes(9).toString('base64url')
        await api('PUT', `_hub/users/${encodeURIComponent(name)}`, { password })
        out(`password of ${name} set${typeof flags.password === 'string' ? '' : `: ${password}`}`)
        return
      }
      if (sub === 'disable' || sub === 'enable') {
        await api('PUT', `_hub/users/${encodeURIComponent(name)}`, { disabled: sub === 'disable' })
        out(`${name} ${sub}d`)
        return
      }
      break
    }
    case 'enroll': {
      const village = need(sub, 'village id')
      const minutes = typeof flags.minutes === 'string' ? Number(flags.minutes) : undefined
      const r = await api('POST', '_hub/enrollments', { village, ...(minutes ? { ttlMinutes: minutes } : {}) }) as { code: string; expiresAt: number; qrPayload: string }
      out(`Enrollment code for ${village}: ${r.code}  (valid until ${new Date(r.expiresAt).toLocaleString()})`)
      out(await QRCode.toString(r.qrPayload, { type: 'terminal', small: true }))
      return
    }
    case 'rotate-key': {
      const r = await api('POST', '_hub/hub-key/rotate') as { index: number; hubKey: string; from: number }
      out(`The hub now signs with key ${r.index} (${r.hubKey}), from ${new Date(r.from).toISOString()}.`)
      out('Tablets move to it through the succession the old key signed, the next time they reach the hub or a tablet that has.')
      if (flags.compromised) out(COMPROMISED)
      return
    }
    case 'revoke': out(await api('POST', `_hub/devices/${encodeURIComponent(need(sub, 'device id'))}/revoke`)); return
    case 'quarantine': {
      const q = [flags.db ? `db=${encodeURIComponent(String(flags.db))}` : '', flags.all ? 'all=true' : ''].filter(Boolean).join('&')
      out(await api('GET', `_hub/quarantine${q ? `?${q}` : ''}`))
      return
    }
    case 'release': out(await api('POST', `_hub/quarantine/${encodeURIComponent(need(sub, 'quarantine id'))}/release`)); return
    case 'replicate': {
      const db = need(sub, 'database')
      const to = typeof flags.to === 'string' ? flags.to : undefined
      const from = typeof flags.from === 'string' ? flags.from : undefined
      if (!to === !from) throw new CliError('give exactly one of --to <url> or --from <url>')
      out(await api('POST', '_hub/peers', { db, remote: to ?? from, direction: to ? 'push' : 'pull', continuous: flags.continuous === true }))
      return
    }
  }
  throw new CliError(`unknown command: ${words.join(' ')}\n\n${HELP}`)
}

if (process.argv[1] && /cli\.ts$/.test(process.argv[1])) {
  run(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof CliError ? `hub: ${e.message}` : e)
    process.exit(1)
  })
}
