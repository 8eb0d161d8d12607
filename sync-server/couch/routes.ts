import type { FastifyPluginAsync } from 'fastify'
import type { HubConfig } from '../config'
import { HUB_VERSION } from '../version'

/** CouchDB-protocol routes. */
export const couchRoutes: FastifyPluginAsync<{ config: HubConfig }> = async (app, { config }) => {
  app.get('/', async () => ({
    couchdb: 'Welcome',
    version: '3.4.3',
    vendor: { name: 'Yishi hub', version: HUB_VERSION },
    features: ['yishi'],
    engine: config.couchdbUrl ? 'couchdb' : 'pouchdb',
  }))

  app.get('/_up', async () => ({ status: 'ok' }))
}
