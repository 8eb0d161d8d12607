import { SealKeyError } from '@/data/sealkeys'

/** What went wrong, in the screen's language when it is a known seal-key problem. */
export function problemText(e: unknown, t: (key: string) => string): string {
  if (e instanceof SealKeyError) return t(`sealkeys.problem.${e.code}`)
  return e instanceof Error ? e.message : String(e)
}
