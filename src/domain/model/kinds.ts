/** Document kinds of src/data/README.md: immutable ones are insert-only (the hub refuses a new revision). */
export const IMMUTABLE_KINDS = [
  'comment', 'attendance', 'resolution', 'checkoff', 'ballot', 'papercount', 'ledger', 'cosign', 'objection',
  'answer', 'override', 'audit', 'decision', 'progress', 'conflict', 'rejection', 'sealkey', 'voidlist',
  'personkey',
] as const
export const MUTABLE_KINDS = ['village', 'unit', 'person', 'proposal', 'meeting', 'vote', 'notice', 'fund', 'allocation', 'procedure'] as const
export type ImmutableKind = (typeof IMMUTABLE_KINDS)[number]
export type MutableKind = (typeof MUTABLE_KINDS)[number]
export type DocKind = ImmutableKind | MutableKind

export function isImmutableKind(kind: string): kind is ImmutableKind {
  return (IMMUTABLE_KINDS as readonly string[]).includes(kind)
}

/** The kind of a document id `<kind>:<rest>`, '' when there is no prefix. */
export function kindOf(docId: string): string {
  const colon = docId.indexOf(':')
  return colon > 0 ? docId.slice(0, colon) : ''
}
