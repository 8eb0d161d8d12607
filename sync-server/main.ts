import { buildHub } from './app'
import { ConfigError, loadConfig } from './config'

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Yishi hub: bad configuration: ${error.message}`)
      process.exit(2)
    }
    throw error
  }
  const app = await buildHub(config)
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down')
    await app.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  const address = await app.listen({ host: config.host, port: config.port })
  // One plain line that scripts and tests can wait for.
  console.log(`YISHI_HUB_LISTENING ${address}`)
}

void main()
