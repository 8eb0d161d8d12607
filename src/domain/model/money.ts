import { asInput, bool, id, int, money, oneOf, slug, str, time } from './check.ts'
import type { Allocation, CoSignature, Fund, LedgerEntry } from './types.ts'

export function fund(input: unknown): Fund {
  const i = asInput('fund', input)
  return {
    id: id('fund', i, 'id', 'fund'),
    villageId: slug('fund', i, 'villageId'),
    year: int('fund', i, 'year', { min: 2000, max: 2200 }),
    amount: money('fund', i, 'amount'),
    source: str('fund', i, 'source', { optional: true, max: 200 }),
  }
}

export function allocation(input: unknown): Allocation {
  const i = asInput('allocation', input)
  return {
    id: id('allocation', i, 'id', 'allocation'),
    fundId: id('allocation', i, 'fundId', 'fund'),
    projectId: id('allocation', i, 'projectId', 'project'),
    title: str('allocation', i, 'title', { optional: true, max: 200 }),
    amount: money('allocation', i, 'amount', { min: 1 }),
    decidedBy: str('allocation', i, 'decidedBy', { max: 140 }),
    at: time('allocation', i, 'at'),
  }
}

export function ledgerEntry(input: unknown): LedgerEntry {
  const i = asInput('ledger', input)
  return {
    id: id('ledger', i, 'id', 'ledger'),
    fundId: id('ledger', i, 'fundId', 'fund'),
    projectId: id('ledger', i, 'projectId', 'project'),
    kind: oneOf('ledger', i, 'kind', ['expense', 'refund'] as const, 'expense'),
    amount: money('ledger', i, 'amount', { min: 1 }),
    payee: str('ledger', i, 'payee', { max: 200 }),
    description: str('ledger', i, 'description', { optional: true, max: 2000 }),
    at: time('ledger', i, 'at'),
    recordedBy: id('ledger', i, 'recordedBy', 'person'),
  }
}

export function coSignature(input: unknown): CoSignature {
  const i = asInput('cosign', input)
  return {
    id: id('cosign', i, 'id', 'cosign'),
    ledgerId: id('cosign', i, 'ledgerId', 'ledger'),
    supervisorId: id('cosign', i, 'supervisorId', 'person'),
    approve: bool('cosign', i, 'approve', true),
    note: str('cosign', i, 'note', { optional: true, max: 2000 }),
    at: time('cosign', i, 'at'),
    keyId: id('cosign', i, 'keyId', 'personkey', { optional: true }),
    signature: str('cosign', i, 'signature', { optional: true, max: 86 }),
  }
}
