import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as D from '@/domain'

describe('yuan typed by a person (parseYuan)', () => {
  it('reads an amount as the app writes it, with or without its separators and sign of money', () => {
    expect(D.parseYuan('30000')).toBe(3_000_000)
    expect(D.parseYuan('30,000.50')).toBe(3_000_050)
    expect(D.parseYuan('¥30，000.5')).toBe(3_000_050)
    expect(D.parseYuan(' 0 ')).toBe(0)
  })

  it('is NaN for what is not an amount of money: letters, a sign, an exponent, a third decimal, nothing', () => {
    for (const bad of ['abc', '-500', '−500', '+500', '1e3', '0x10', '12.345', '', '.5']) expect(D.parseYuan(bad)).toBeNaN()
  })

  it('reads back every amount formatYuan writes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (fen) => D.parseYuan(D.formatYuan(fen)) === fen))
  })
})
