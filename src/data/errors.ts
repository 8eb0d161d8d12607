/**
 * The data layer's one error type. `code` is stable (the UI translates it); `message` is plain English.
 * A record the shared checks refuse (`invalid`) carries their refusal in `details.refusal` (its code
 * and params, src/shared/refusal.ts), so the screen can say which field and why.
 */
export type DataErrorCode = 'invalid' | 'already-recorded' | 'immutable' | 'not-found' | 'locked' | 'storage-full'

export class DataError extends Error {
  override readonly name = 'DataError'
  constructor(readonly code: DataErrorCode, message: string, readonly details: Readonly<Record<string, unknown>> = {}) {
    super(message)
  }
}
