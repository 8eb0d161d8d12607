import { describe, expect, it } from 'vitest'
import { jsonShape } from '../../sync-server/couch/body'

describe('the shape of a JSON body, read before it is parsed', () => {
  it('measures nesting and the longest list at the top of the body', () => {
    expect(jsonShape('{"docs":[{},{},{}]}')).toEqual({ depth: 3, longestList: 3 })
    expect(jsonShape('{"docs":[]}')).toEqual({ depth: 2, longestList: 0 })
    expect(jsonShape('[1, 2]')).toEqual({ depth: 1, longestList: 2 })
    expect(jsonShape('[ ]')).toEqual({ depth: 1, longestList: 0 })
    // commas and brackets inside strings, and lists deeper in a record, do not count
    expect(jsonShape('{"keys":["a,b]","c"], "x": [ [1,2,3] ]}')).toEqual({ depth: 3, longestList: 2 })
    expect(jsonShape('{"a":{"b":[1,2,3,4,5]}}').longestList).toBe(0)
    expect(jsonShape(`{"docs":[${Array(1001).fill('{"a":[1,2]}').join(',')}]}`).longestList).toBe(1001)
  })

  it('stops reading as soon as a limit is passed', () => {
    expect(jsonShape(`{"docs":[${Array(5000).fill('{}').join(',')}]}`, { depth: 64, list: 1000 }).longestList).toBe(1001)
    expect(jsonShape('['.repeat(100) + ']'.repeat(100), { depth: 64, list: 1000 }).depth).toBe(65)
  })
})
