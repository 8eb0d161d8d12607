import { onScopeDispose, shallowRef, type ShallowRef } from 'vue'
import type { Observable } from 'rxjs'

/** A ref that follows an observable for as long as the calling component or store lives. */
export function useObservable<T>(source: Observable<T>, initial: T): ShallowRef<T> {
  const value = shallowRef(initial) as ShallowRef<T>
  const sub = source.subscribe((v) => { value.value = v })
  onScopeDispose(() => sub.unsubscribe(), true)
  return value
}
