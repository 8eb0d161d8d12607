import { shallowRef } from 'vue'
import type { Subscription } from 'rxjs'
import type { KeyValue, Repositories } from '@/data'

export interface LinkOptions {
  actor?: () => string
  now?: () => number
  /** Where the tablet keeps its clerks' PIN hashes (the votes store checks a clerk's PIN). */
  kv?: KeyValue
}

/**
 * What every village store shares: the open village's repositories (given by `connect`, which a
 * store's `attach` calls once src/modules/data.ts has opened the database), the live
 * subscriptions that feed the store, and the clock and acting person (both replaceable in tests).
 */
export function villageLink(defaultActor: () => string = () => '') {
  const repos = shallowRef<Repositories | null>(null)
  const subs: Subscription[] = []
  let actor = defaultActor
  let clock: () => number = Date.now
  return {
    repos,
    now: (): number => clock(),
    actor: (): string => actor(),
    /**
     * Switches the store to these repositories: ends the old live subscriptions and returns the
     * (now empty) list the store fills with its new ones.
     */
    connect(r: Repositories, opts: LinkOptions = {}): Subscription[] {
      for (const s of subs.splice(0)) s.unsubscribe()
      repos.value = r
      if (opts.actor) actor = opts.actor
      if (opts.now) clock = opts.now
      return subs
    },
    /** The repositories, or a clear error when the tablet has no village open yet. */
    need(): Repositories {
      if (!repos.value) throw new Error('This tablet has no village database open yet')
      return repos.value
    },
  }
}
