/** The data layer's one error type. `code` is stable (the UI translates it); `message` is plain English. */
export type DataErrorCode = 'invalid' | 'already-recorded' | 'immutable' | 'not-found' | 'locked' | 'storage-full'

export class DataError extends Error {
  override readonly name = 'DataError'
  constructor(readonly code: DataErrorCode, message: string, readonly details: Readonly<Record<string, unknown>> = {}) {
    super(message)
  }
}
