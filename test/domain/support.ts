import { DomainError } from '@/domain'

export const T0 = Date.UTC(2026, 2, 1, 8, 0, 0)
export const DAY = 86_400_000

/** Runs `fn`, expects a DomainError, returns it. */
export function domainError(fn: () => unknown): DomainError {
  try {
    fn()
  } catch (e) {
    if (e instanceof DomainError) return e
    throw e
  }
  throw new Error('expected a DomainError, nothing was thrown')
}
