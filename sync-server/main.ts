import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { buildHub } from './app'
import { ConfigError, loadConfig, type HubConfig } from './config'

/** The admin password: from HUB_ADMIN_PASSWORD, else generated once and kept in DATA_DIR. */
function adminPassword(config: HubConfig): { password: string; generated: boolean } {
  if (config.adminPassword) return { password: config.adminPassword, generated: false }
  mkdirSync(config.dataDir, { recursive: true })
  const file = join(config.dataDir, 'admin-password')
  if (existsSync(file)) return { password: readFileSync(file, 'utf8').trim(), generated: true }
  const password = randomBytes(12).toString('base64url')
  writeFileSync(file, password + '\n', { mode: 0o600 })
  return { password, generated: true }
}

async function main(): Promise<void> {
  let config: HubConfig
  try {
    config = loadConfig()
    if (config.tlsCert && !existsSync(config.tlsCert)) throw new ConfigError(`TLS_CERT file not found: ${config.tlsCert}`)
    if (config.tlsKey && !existsSync(config.tlsKey)) throw new ConfigError(`TLS_KEY file not found: ${config.tlsKey}`)
    mkdirSync(config.dataDir, { recursive: true })
  } catch (error) {
    console.error(`Yishi hub: bad configuration: ${(error as Error).message}`)
    process.exit(2)
  }
  const admin = adminPassword(config)
  config = { ...config, adminPassword: admin.password }

  let hub
  try {
    hub = await buildHub(config)
  } catch (error) {
    console.error(`Yishi hub: could not start: ${(error as Error).message}`)
    process.exit(1)
  }
  const { app } = hub
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: finishing requests in flight')
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    await app.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))

  const listen = async (): Promise<string> => {
    try {
      return await app.listen({ host: config.host, port: config.port })
    } catch (error) {
      console.error(`Yishi hub: cannot listen on ${config.host}:${config.port}: ${(error as Error).message} (set PORT or HOST)`)
      process.exit(1)
    }
  }
  if (config.seedDemo) {
    const { seedDemo, printLogins } = await import('./seed')
    const seeded = await seedDemo(hub)
    const address = await listen()
    printLogins(address, config.adminUser, admin.generated ? admin.password : '(the HUB_ADMIN_PASSWORD you set)', seeded)
    console.log(`YISHI_HUB_LISTENING ${address}`)
    return
  }
  const address = await listen()
  if (admin.generated) console.log(`Admin login: ${config.adminUser} / ${admin.password}  (kept in ${join(config.dataDir, 'admin-password')})`)
  // One plain line that scripts and tests can wait for.
  console.log(`YISHI_HUB_LISTENING ${address}`)
}

void main()
