import { useI18n } from 'vue-i18n'
import { useDeviceNamesStore } from '@/stores/deviceNames'
import { useSessionStore } from '@/stores/session'

/** Control characters, zero-width characters and direction marks, embeddings, overrides and isolates. */
const hidden = (c: number) => c < 0x20 || c === 0x7f || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)

type Translate = (key: string, named: Record<string, unknown>) => string

/** A tablet in words: 平板「name」 with its enrollment name, else a short label (never the raw id). */
export function tabletLabel(t: Translate, device: string, name: string | undefined): string {
  if (device === 'hub') return t('tablet.hub', {})
  // a name is what its enroller typed: no control or direction-changing characters that could make it read as another
  const shown = [...(name ?? '')].filter((ch) => !hidden(ch.codePointAt(0) ?? 0)).join('').trim()
  if (shown) return t('tablet.named', { name: shown })
  const tail = device.replace(/^dev-/, '').replace(/[^A-Za-z0-9]/g, '').slice(-4).toUpperCase()
  return tail ? t('tablet.unnamed', { tail }) : t('tablet.unknown', {})
}

/**
 * A tablet shown without its name may have one on its way: the hub's signed list of the village's
 * tablets (with the names given at enrollment) is fetched after a sync, and the names were read
 * before it came (at start, or when the screen opened), so another tablet stayed "编号尾号 …".
 * The names are read again, a while apart, a bounded number of times per tablet; reading them
 * again re-draws every screen that showed a tablet, which asks again while it is still unnamed.
 */
const AGAIN_MS = 5_000
const AGAIN_TIMES = 24
const askedAgain = new Map<string, number>()
let again: ReturnType<typeof setTimeout> | null = null
function readNamesAgain(names: ReturnType<typeof useDeviceNamesStore>, device: string): void {
  const times = askedAgain.get(device) ?? 0
  if (again !== null || times >= AGAIN_TIMES) return
  askedAgain.set(device, times + 1)
  again = setTimeout(() => { again = null; void names.refresh() }, AGAIN_MS)
}

/** `tabletLabel` with the village's tablet names; this tablet is "本平板". */
export function useTabletName(): (device: string) => string {
  const { t } = useI18n()
  const names = useDeviceNamesStore()
  const session = useSessionStore()
  return (device) => {
    if (device && device === session.enrollment?.deviceId) return t('tablet.self')
    const name = names.names.get(device)
    if (!name && device && device !== 'hub') readNamesAgain(names, device)
    return tabletLabel(t, device, name)
  }
}
