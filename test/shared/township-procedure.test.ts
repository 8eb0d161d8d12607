import { describe, expect, it } from 'vitest'
import { indexRecords, type Doc } from '@/shared/township/records'
import { complianceFlags } from '@/shared/township/compliance'

const T = Date.UTC(2026, 2, 1)
let seq = 0
const doc = (id: string, body: Record<string, unknown>): Doc =>
  ({ id, kind: 'procedure', v: 1, village: 'qingbo', year: 2026, author: 'person:clerk', device: 'tab-1', deviceTime: T, seq: ++seq, ref: '', body }) as Doc

describe('the township reads a village\'s procedure as the tablet does', () => {
  it('ignores a template the domain refuses, and flags the default steps a cycle passed with no record', () => {
    const records = indexRecords('qingbo', [
      // refused by the domain (one key twice): the tablet's cycle screen runs the default template
      doc('procedure:own', { name: '本村流程', steps: [{ key: 'collect', publicityDays: 0, requires: [] }, { key: 'collect', publicityDays: 0, requires: [] }] }),
      doc('procedure:c1', { templateId: 'procedure:own', subjectId: '', current: 'decide', startedAt: T, history: [] }),
    ], null)
    const steps = complianceFlags(records, T + 1).filter((f) => f.code === 'step-skipped-without-override').map((f) => f.details?.step)
    expect(steps).toEqual(['collect', 'feedback', 'deliberate', 'announce'])
  })
})
