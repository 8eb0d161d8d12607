/**
 * The ids of person keys and of the acts they sign, chosen so that no record can occupy the id a
 * genuine one will use. The hub keeps a key whose witnessing clerk's key it does not hold yet, and
 * the acts signed with it, before it can tell whether the clerk really witnessed it
 * (src/shared/villagesigning.ts); stored records are immutable, so the first record under an id
 * stays. Were ids free, an enrolled tablet that saw a key or an act on its way (by peer sync) could
 * send the hub a record of its own under that id first, and the genuine one would lose.
 * - A person key's id is the digest of its whole content (`personKeyId`): another public key, or the
 *   same key with another witness signature or another sealed secret, has another id.
 * - A signed act's id ends with its signers' key ids (`signedActId`): one signer, their key's id; several
 *   (a void list), a digest of them. Only the holders of those keys can sign a record under it.
 * Records stored before these rules keep their ids; the hub asks for them of what it keeps unvouched,
 * and of every seal key signed over its sealed secret (`idMustNameSigners`).
 */
import { canonicalJson, sha256Hex } from '../domain/audit'
import { SEALKEY_CLAIM, claimedSignatures } from './personacts'

const rest = (id: string) => id.slice(id.indexOf(':') + 1)

/** The id of a person key record: `personkey:` and the first 128 bits of the SHA-256 of its body (every field but `id` and `villageId`). */
export function personKeyId(record: object): string {
  const body = Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'id' && k !== 'villageId' && k !== 'meta'))
  return `personkey:${sha256Hex(canonicalJson(body)).slice(0, 32)}`
}

/** What a signed act's id ends with, after a `.`: its one signer's key id (without `personkey:`), or a digest of several, in any order. */
export function signersTag(keyIds: readonly string[]): string {
  const ids = [...new Set(keyIds)].sort()
  if (ids.length === 1) return rest(ids[0]!)
  return sha256Hex(canonicalJson(ids)).slice(0, 32)
}

/** The id of an act of `kind` signed with the keys `keyIds`: `<kind>:<fresh>.<signersTag>`. */
export function signedActId(kind: string, fresh: string, keyIds: readonly string[]): string {
  return `${kind}:${fresh}.${signersTag(keyIds)}`
}

/** Whether a signed record's id ends with the key ids of the signatures it carries (`signedActId`). */
export function actIdNamesSigners(kind: string, record: { id: string } & Record<string, unknown>): boolean {
  const claimed = claimedSignatures(kind, record)
  if (!claimed || claimed.claims.length === 0 || claimed.claims.some((c) => !c.keyId)) return false
  return record.id.endsWith(`.${signersTag(claimed.claims.map((c) => c.keyId))}`)
}

/**
 * Whether the record is taken only under an id that ends with its signers' key ids (`actIdNamesSigners`),
 * whatever the standing of its keys: a seal key signed over its sealed secret (claim 3; tablets have
 * given seal keys such ids since they were signed). Its signature covers its id and every field, so no
 * copy of it passes; this also keeps another signer (another supervisor, with their own key) from
 * taking its id first. A content digest would add nothing, and could not be the id its signature covers.
 */
export function idMustNameSigners(kind: string, record: Record<string, unknown>): boolean {
  return kind === 'sealkey' && record.claim === SEALKEY_CLAIM
}
