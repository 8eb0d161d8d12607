/** The canonical JSON and SHA-256 of the audit chain (src/domain/audit.ts): one definition for tablet and hub. */
export { canonicalJson, sha256Hex } from '../domain/audit'

/** A random id rest: 16 chars of base-36, time-ordered prefix so ids sort roughly by creation. */
export function newIdRest(now: number = Date.now()): string {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  let rand = ''
  for (const b of bytes) rand += (b % 36).toString(36)
  return `${now.toString(36)}${rand}`
}
