import { describe, expect, it } from 'vitest'
import { LOCK_MS, MAX_FAILURES, clerks, memoryKeyValue, setClerkPin, unlockWithPin } from '@/data/identity'

describe('clerk PIN on a shared tablet', () => {
  it('unlocks offline with the right PIN, never stores the PIN itself', async () => {
    const kv = memoryKeyValue()
    await setClerkPin(kv, { personId: 'person:wang', name: '王文书' }, '4821')
    expect(JSON.stringify(kv.getItem('yishi.clerks'))).not.toContain('4821')
    expect(clerks(kv)).toEqual([{ personId: 'person:wang', name: '王文书' }])
    expect(await unlockWithPin(kv, '4821')).toEqual({ ok: true, personId: 'person:wang', name: '王文书' })
    await expect(setClerkPin(kv, { personId: 'person:li', name: '李' }, '12')).rejects.toThrow(/4 to 8 digits/)
  })

  it('locks out after repeated wrong PINs, even the right one, until the lock ends', async () => {
    const kv = memoryKeyValue()
    await setClerkPin(kv, { personId: 'person:wang', name: '王文书' }, '4821')
    const t0 = 1_800_000_000_000
    for (let i = 1; i < MAX_FAILURES; i++) expect(await unlockWithPin(kv, '0000', t0)).toEqual({ ok: false, reason: 'wrong-pin', remaining: MAX_FAILURES - i })
    expect(await unlockWithPin(kv, '0000', t0)).toEqual({ ok: false, reason: 'locked', until: t0 + LOCK_MS })
    expect(await unlockWithPin(kv, '4821', t0 + 1000)).toMatchObject({ ok: false, reason: 'locked' })
    expect(await unlockWithPin(kv, '4821', t0 + LOCK_MS + 1)).toMatchObject({ ok: true })
  })
})
