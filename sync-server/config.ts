import { resolve } from 'node:path'

export interface HubConfig {
  host: string
  port: number
  dataDir: string
  adminUser: string
  adminPassword: string
  couchdbUrl: string | null
  /** Prepended to every database name in that CouchDB (several deployments may share one). */
  couchdbPrefix: string
  seedDemo: boolean
  staticDir: string
  tlsCert: string | null
  tlsKey: string | null
  logLevel: string
  /** Largest request body (JSON), bytes. */
  bodyLimit: number
  /** Largest photo or other blob, bytes. */
  blobMaxBytes: number
  /** Photos and other blobs one village may keep on the hub, bytes. */
  blobQuotaBytes: number
  /** How long a request body may take to arrive, ms (408 after). */
  bodyTimeoutMs: number
  /**
   * The hub's clock for what it holds a bounded time by its own reckoning (validate/waitingkeys.ts):
   * the system clock, moved by CLOCK_OFFSET_MS — so a test sees a hub days later without waiting.
   */
  now: () => number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads the hub's configuration from the environment, with safe defaults. Throws ConfigError with a message a person can act on. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const port = Number(env.PORT ?? 8080)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535, not "${env.PORT}"`)
  }
  const adminUser = env.HUB_ADMIN_USER ?? 'admin'
  const adminPassword = env.HUB_ADMIN_PASSWORD ?? ''
  if (adminPassword !== '' && adminPassword.length < 8) {
    throw new ConfigError('HUB_ADMIN_PASSWORD must be at least 8 characters (or unset it to generate one at first start)')
  }
  const couchdbUrl = env.COUCHDB_URL?.trim() || null
  if (couchdbUrl !== null && !/^https?:\/\/.+/.test(couchdbUrl)) {
    throw new ConfigError(`COUCHDB_URL must be an http(s) URL such as http://admin:secret@127.0.0.1:5984, not "${couchdbUrl}"`)
  }
  const couchdbPrefix = env.COUCHDB_PREFIX?.trim() ?? ''
  if (couchdbPrefix !== '' && !/^[a-z][a-z0-9_$()+-]{0,40}$/.test(couchdbPrefix)) {
    throw new ConfigError(`COUCHDB_PREFIX must start with a lowercase letter and hold only a-z, 0-9 and _$()+- (like "yishi_"), not "${couchdbPrefix}"`)
  }
  const tlsCert = env.TLS_CERT || null
  const tlsKey = env.TLS_KEY || null
  if ((tlsCert === null) !== (tlsKey === null)) {
    throw new ConfigError('Set both TLS_CERT and TLS_KEY (paths to PEM files), or neither')
  }
  const seed = (env.SEED_DEMO ?? 'false').toLowerCase()
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(seed)) {
    throw new ConfigError(`SEED_DEMO must be true or false, not "${env.SEED_DEMO}"`)
  }
  const bytes = (key: string, fallback: number): number => {
    const raw = env[key]
    if (raw === undefined || raw === '') return fallback
    const m = /^(\d+)\s*(k|m|kb|mb)?$/i.exec(raw.trim())
    if (!m) throw new ConfigError(`${key} must be a size in bytes, optionally with k or m (like 8m), not "${raw}"`)
    const unit = (m[2] ?? '').toLowerCase()
    return Number(m[1]) * (unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1)
  }
  const logLevel = env.LOG_LEVEL ?? 'info'
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "${logLevel}"`)
  }
  const bodyTimeout = env.BODY_TIMEOUT ?? '120'
  if (!/^\d+$/.test(bodyTimeout.trim()) || Number(bodyTimeout) < 1 || Number(bodyTimeout) > 3600) {
    throw new ConfigError(`BODY_TIMEOUT must be a number of seconds from 1 to 3600, not "${bodyTimeout}"`)
  }
  const offset = env.CLOCK_OFFSET_MS?.trim() || '0'
  if (!/^-?\d{1,12}$/.test(offset)) {
    throw new ConfigError(`CLOCK_OFFSET_MS must be a whole number of milliseconds (like 1209600000), not "${offset}"`)
  }
  const offsetMs = Number(offset)
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(env.DATA_DIR ?? './data'),
    adminUser,
    adminPassword,
    couchdbUrl,
    couchdbPrefix,
    seedDemo: ['true', '1', 'yes'].includes(seed),
    staticDir: resolve(env.STATIC_DIR ?? './dist'),
    tlsCert,
    tlsKey,
    logLevel,
    bodyLimit: bytes('BODY_LIMIT', 8 * 1024 * 1024),
    blobMaxBytes: bytes('BLOB_MAX_BYTES', 16 * 1024 * 1024),
    blobQuotaBytes: bytes('BLOB_QUOTA', 2 * 1024 * 1024 * 1024),
    bodyTimeoutMs: Number(bodyTimeout) * 1000,
    now: offsetMs === 0 ? Date.now : () => Date.now() + offsetMs,
  }
}
