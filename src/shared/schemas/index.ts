/**
 * Schemas, one source for the tablet (RxDB) and the hub (server-side validation).
 * Importable in Node without rxdb: `import { validateDocument, IMMUTABLE_KINDS } from '../src/shared/schemas'`.
 */
export * from './envelope'
export * from './bodies'
export * from './validate'
export * from './stored'
