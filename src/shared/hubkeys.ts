/**
 * The hub's signing key can be replaced (a planned rotation): the chain of keys, checked offline.
 *
 * - Key 1 is the hub's first key. Rotating to key N+1, the hub signs with key N a succession
 *   statement `{ format, index: N+1, previous, next, from }`: "from `from` on, my key is `next`".
 *   The hub keeps the statements in order (its key history) and hands them out with its key:
 *   in the enrollment and key-registration answers, and inside every signed list of device keys.
 * - A tablet pins one key. It moves on to a newer key only through statements each signed by the
 *   key before (`followChain`): a key no statement from the pinned one leads to is never taken,
 *   whoever shows it. After moving on, the key it left is *retired*: it still vouches for what it
 *   signed before the succession (certificates, lists, notices dated before `from`), never for
 *   anything dated from then on (`hubSigned`).
 * - At enrollment (trust on first use, as the pin itself) the tablet takes the history that comes
 *   with the key (`keysAtPin`), so it can check a peer's certificate signed by an earlier key.
 *
 * What this does not fix: a leaked key can sign a succession to the thief's own key, exactly as the
 * hub does. After a leak the safe answer is to enroll every tablet again (a fresh pin).
 */
import { verifySigned, type Signer } from './ed25519'

export const SUCCESSION_FORMAT = 'yishi-hub-key/1'

/** At most this many successions are followed (or kept) at once: the hub refuses to rotate past it. */
export const MAX_CHAIN = 64

/** Key N's statement that key N+1 (`index`) takes over from `from` (ms). */
export interface KeySuccession { format: typeof SUCCESSION_FORMAT; index: number; previous: string; next: string; from: number; sig: string }

/** A key this tablet (or the hub) followed past: good for what it signed before `until`. */
export interface RetiredKey { key: string; until: number }

/** The hub key a tablet trusts now, and those it retired. */
export interface HubKeys { current: string; retired: readonly RetiredKey[] }

const KEY_TEXT = /^[A-Za-z0-9_-]{43}$/

export const asHubKeys = (keys: string | HubKeys): HubKeys => (typeof keys === 'string' ? { current: keys, retired: [] } : keys)

/** Key `current`'s statement handing over to `next` from `from` on. */
export async function signSuccession(current: Signer, index: number, next: string, from: number): Promise<KeySuccession> {
  const unsigned = { format: SUCCESSION_FORMAT, index, previous: current.publicKey, next, from }
  return { ...unsigned, sig: await current.sign(unsigned) } as KeySuccession
}

const isSuccession = (s: unknown): s is KeySuccession => {
  const x = s as KeySuccession
  return typeof x === 'object' && x !== null && x.format === SUCCESSION_FORMAT && Number.isSafeInteger(x.index) && x.index >= 2
    && typeof x.previous === 'string' && KEY_TEXT.test(x.previous) && typeof x.next === 'string' && KEY_TEXT.test(x.next)
    && Number.isSafeInteger(x.from) && typeof x.sig === 'string'
}

export type ChainResult = { ok: true; keys: HubKeys; followed: number } | { ok: false; reason: string }

/**
 * Follows `chain` (the hub's successions, oldest first) from `keys.current`: each step must be
 * signed by the key before it, numbered one after it, dated no earlier, and lead to a key not seen
 * before. Returns the keys moved on to (the ones left retired), or why not. A chain that ends at the
 * current key is followed by zero steps.
 */
export async function followChain(keys: HubKeys, chain: unknown): Promise<ChainResult> {
  if (!Array.isArray(chain) || chain.length > MAX_CHAIN) return { ok: false, reason: `the hub's key history is missing or longer than ${MAX_CHAIN} keys` }
  if (!chain.every(isSuccession)) return { ok: false, reason: 'the hub\'s key history is damaged' }
  const start = chain.findIndex((s) => s.previous === keys.current)
  if (start < 0) {
    return chain.length > 0 && chain[chain.length - 1]!.next === keys.current
      ? { ok: true, keys, followed: 0 }
      : { ok: false, reason: 'the hub\'s new key does not follow from the key this tablet knows: this may not be your township\'s hub' }
  }
  const seen = new Set([keys.current, ...keys.retired.map((r) => r.key)])
  const retired = [...keys.retired]
  let current = keys.current
  let last = retired.reduce((m, r) => Math.max(m, r.until), -Infinity)
  for (let i = start; i < chain.length; i++) {
    const s = chain[i] as KeySuccession
    const { sig, ...unsigned } = s
    if (s.previous !== current || (i > start && s.index !== (chain[i - 1] as KeySuccession).index + 1)) return { ok: false, reason: 'the hub\'s key history is out of order' }
    if (s.from < last) return { ok: false, reason: 'the hub\'s key history goes back in time' }
    if (seen.has(s.next)) return { ok: false, reason: 'the hub\'s key history goes back to a key already used' }
    if (!(await verifySigned(unsigned, sig, current))) return { ok: false, reason: `the hub's key ${s.index} was not handed over by the key before it` }
    retired.push({ key: current, until: s.from })
    seen.add(s.next)
    current = s.next
    last = s.from
  }
  return { ok: true, keys: { current, retired: retired.slice(-MAX_CHAIN) }, followed: chain.length - start }
}

/**
 * The keys a tablet takes with a fresh pin of `hubKey` (enrollment): the history that came with it,
 * when it holds together and ends at that key; the key alone otherwise.
 */
export async function keysAtPin(hubKey: string, chain: unknown): Promise<HubKeys> {
  const first = Array.isArray(chain) && isSuccession(chain[0]) ? chain[0].previous : null
  if (!first) return { current: hubKey, retired: [] }
  const r = await followChain({ current: first, retired: [] }, chain)
  return r.ok && r.keys.current === hubKey ? r.keys : { current: hubKey, retired: [] }
}

/**
 * The keys good for a statement dated `at`: the current one, and the retired key that was the
 * hub's at that time (each retired key signed only between its predecessor's retirement and its
 * own; so a forged statement costs at most two verifications, however long the history).
 */
export function keysAt(keys: HubKeys, at: unknown): string[] {
  const t = typeof at === 'number' ? at : Number.NaN
  const then = keys.retired.find((r) => t < r.until)
  return then ? [keys.current, then.key] : [keys.current]
}

/** True when `signature` over `value` is the hub's, by its current key or by a key retired after `at`. */
export async function hubSigned(keys: HubKeys, value: unknown, signature: unknown, at: unknown): Promise<boolean> {
  for (const key of keysAt(keys, at)) if (await verifySigned(value, signature, key)) return true
  return false
}
