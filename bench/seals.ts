/**
 * Supervisors' seal keys: what a supervisor waits for when they set up a key or type their
 * passphrase (PBKDF2-SHA-256, 250,000 rounds, then AES-GCM), and how long the joint opening of
 * void seals takes on this machine. `npm run bench -- --only seals` (an extra group: figures in
 * details.json). Medians of a few runs; no network, no database.
 */
import * as D from '../src/domain/index'
import { PBKDF2_ITERATIONS, newWrappedKeyPair, unwrapSecretKey } from '../src/data/sealkeys'

const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n))

async function median(times: number, task: () => Promise<unknown> | unknown): Promise<number> {
  const out: number[] = []
  for (let i = 0; i < times; i++) {
    const t0 = performance.now()
    await task()
    out.push(performance.now() - t0)
  }
  out.sort((a, b) => a - b)
  return Math.round((out[Math.floor(out.length / 2)] as number) * 10) / 10
}

export async function run(): Promise<Record<string, number | null>> {
  const wrapped = await newWrappedKeyPair('person:s1', 'bench-passphrase')
  const record = { personId: 'person:s1', ...wrapped }
  const setup = await median(3, () => newWrappedKeyPair('person:s1', 'bench-passphrase'))
  const unlock = await median(3, () => unwrapSecretKey(record, 'bench-passphrase'))
  const wrong = await median(3, () => unwrapSecretKey(record, 'not-it-at-all').catch(() => undefined))

  // Opening 100 void seals of a vote sealed by 3 supervisors (secret keys already unlocked).
  const pairs = [0, 1, 2].map(() => D.sealKeyPair(random))
  const seals = Array.from({ length: 100 }, (_, i) => D.sealBallotRef(pairs.map((p) => p.publicKey), `ballot:${i.toString(16).padStart(32, '0')}`, random))
  const open100 = await median(3, () => { for (const s of seals) D.openSeal(s, pairs.map((p) => p.secretKey)) })
  const seal1 = await median(101, () => D.sealBallotRef(pairs.map((p) => p.publicKey), 'ballot:00ff', random))

  const figures = {
    sealkey_pbkdf2_iterations: PBKDF2_ITERATIONS,
    sealkey_setup_ms: setup,
    sealkey_unlock_ms: unlock,
    sealkey_wrong_passphrase_ms: wrong,
    seal_one_ballot_3_keys_ms: seal1,
    open_100_void_seals_3_keys_ms: open100,
  }
  console.log('\nseals (median)')
  for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(32)} ${v}`)
  return figures
}

if (import.meta.url === `file://${process.argv[1]}`) void run()
