import { BehaviorSubject } from 'rxjs'

/**
 * Writes that must not be lost silently — a conflict record (the evidence of a double vote), an
 * audit event (a gap in the chain reads as tampering to the supervisors). Each is tried a few times;
 * while one still fails it is kept, tried again later, and counted here so the person is told.
 */
export class UnsavedWrites {
  private readonly failing = new Map<string, { what: 'conflict' | 'audit'; reason: string }>()
  /** How many such records this tablet holds but could not store yet. */
  readonly count$ = new BehaviorSubject<number>(0)

  failed(id: string, what: 'conflict' | 'audit', error: unknown): void {
    this.failing.set(id, { what, reason: error instanceof Error ? error.message : String(error) })
    this.count$.next(this.failing.size)
  }

  saved(id: string): void {
    if (this.failing.delete(id)) this.count$.next(this.failing.size)
  }

  get list(): { id: string; what: 'conflict' | 'audit'; reason: string }[] {
    return [...this.failing].map(([id, f]) => ({ id, ...f }))
  }
}

/** Runs `write`, trying again after each delay while it throws; the last error is thrown. */
export async function retrying<T>(write: () => Promise<T>, delaysMs: readonly number[] = [50, 250, 1000]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write()
    } catch (e) {
      const delay = delaysMs[attempt]
      if (delay === undefined) throw e
      await new Promise((r) => setTimeout(r, delay))
    }
  }
}
