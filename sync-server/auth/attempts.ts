import { LIMITS, type Counters } from '../limits'
import { tooMany } from '../couch/errors'

/**
 * Limits on guessing: passwords and enrollment codes. An attempt is counted as a failure before
 * it is checked (so parallel guesses cannot all slip past the limit while the slow hash runs) and
 * given back only when it succeeds — a success never wipes anyone else's failures. Password
 * attempts count per account from one address, per account from everywhere, and per address;
 * enrollment codes have counts of their own, per address and overall. A tablet's secret is long,
 * random and checked with one fast hash: guessing it is pointless, so a tablet is never locked out
 * by someone else failing under its name (its id is written in every record it makes).
 */
export class Attempts {
  private checking = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly counters: Counters) {}

  async login<T>(name: string, ip: string, check: () => Promise<T | null>): Promise<T | null> {
    const { perAccountAndAddress, perAccount, perAddress, windowMs } = LIMITS.loginFailures
    const address = { key: `ip#${ip}`, max: perAddress }
    if (name.startsWith('dev-')) {
      const p = await check()
      if (p) return p
      // counted apart: a revoked tablet retrying its sync must not lock people out behind the same address
      const wait = await this.counters.take([{ key: `dev#${ip}`, max: perAddress }], 1, windowMs)
      if (wait > 0) throw tooMany(`Too many failed logins from this address; wait ${minutes(wait)} and try again.`, wait)
      return null
    }
    const entries = [{ key: `name#${ip}|${name}`, max: perAccountAndAddress }, { key: `name#${name}`, max: perAccount }, address]
    const wait = await this.counters.take(entries, 1, windowMs)
    if (wait > 0) throw tooMany(`Too many failed logins; wait ${minutes(wait)} and try again.`, wait)
    let p: T | null
    try {
      p = await this.slow(check)
    } catch (e) {
      await this.counters.give(entries.map((e) => e.key), 1)
      throw e
    }
    if (p) await this.counters.give(entries.map((e) => e.key), 1)
    return p
  }

  async enroll<T>(ip: string, check: () => Promise<T | null>): Promise<T | null> {
    const { perAddress, overall, windowMs } = LIMITS.enrollFailures
    const entries = [{ key: `enroll#${ip}`, max: perAddress }, { key: 'enroll#', max: overall }]
    const wait = await this.counters.take(entries, 1, windowMs)
    if (wait > 0) throw tooMany(`Too many wrong enrollment codes; wait ${minutes(wait)} and try again.`, wait)
    const result = await check().catch(async (e: unknown) => { await this.counters.give(entries.map((x) => x.key), 1); throw e })
    if (result) await this.counters.give(entries.map((x) => x.key), 1)
    return result
  }

  /** Runs a password check when one of the few slots is free (scrypt shares libuv's pool with LevelDB). */
  private async slow<T>(check: () => Promise<T>): Promise<T> {
    if (this.checking < LIMITS.passwordChecksInFlight) this.checking++
    else if (this.waiting.length >= 64) throw tooMany('The hub is busy checking passwords; try again in a moment.', 1000)
    else await new Promise<void>((resolve) => this.waiting.push(resolve)) // the slot is handed over
    try {
      return await check()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.checking--
    }
  }
}

function minutes(ms: number): string {
  const m = Math.ceil(ms / 60_000)
  return m <= 1 ? 'a minute' : `${m} minutes`
}
