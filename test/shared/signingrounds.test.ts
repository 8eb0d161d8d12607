import { describe, expect, it } from 'vitest'
import { SIGNING_ROUNDS, signingRefusals } from '@/shared/villagesigning'
import { refusal } from '@/shared/refusal'

type Doc = { _id: string; kind: string; needs?: string; forged?: boolean }

/** A rule over a batch as the receiver judges it: a record needs the key it names taken first; a forged one never passes. */
function rule() {
  const taken = new Set<string>()
  const asked = new Map<string, number>()
  return {
    asked,
    refusal(doc: Doc) {
      asked.set(doc._id, (asked.get(doc._id) ?? 0) + 1)
      if (doc.forged) return refusal('act.unsigned', 'signature does not match', { kind: doc.kind, person: 'person:a', problem: 'bad-signature' })
      if (doc.needs && !taken.has(doc.needs)) return refusal('act.unsigned', 'unknown key', { kind: doc.kind, person: 'person:a', problem: 'unknown-key' })
      return null
    },
    accepted(doc: Doc) { taken.add(doc._id) },
  }
}

describe('judging a batch in rounds', () => {
  it('takes what a later record of the batch makes good, and stops once a round takes nothing', () => {
    const r = rule()
    const act: Doc = { _id: 'cosign:a', kind: 'cosign', needs: 'personkey:a' }
    const forged: Doc = { _id: 'cosign:f', kind: 'cosign', forged: true }
    const key: Doc = { _id: 'personkey:a', kind: 'personkey' }
    const refused = signingRefusals(r, [act, forged, key])
    expect([...refused.keys()]).toEqual([forged])
    // round 1 takes the key, round 2 the act, round 3 takes nothing and is the last
    expect(Object.fromEntries(r.asked)).toEqual({ 'cosign:a': 2, 'cosign:f': 3, 'personkey:a': 1 })
  })

  it('stops after SIGNING_ROUNDS rounds: a chain sent backwards longer than that is left for the quarantine to take', () => {
    const r = rule()
    // key k(i) is taken only once k(i-1) is; sent last first, each round takes one
    const chain: Doc[] = Array.from({ length: 20 }, (_, i) => ({ _id: `personkey:${i}`, kind: 'personkey', ...(i > 0 ? { needs: `personkey:${i - 1}` } : {}) })).reverse()
    const refused = signingRefusals(r, chain)
    expect(refused.size).toBe(20 - SIGNING_ROUNDS)
    // at most a round's worth of checks per record
    expect([...r.asked.values()].every((n) => n <= SIGNING_ROUNDS)).toBe(true)
  })
})
