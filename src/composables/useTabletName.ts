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

/** `tabletLabel` with the village's tablet names; this tablet is "本平板". */
export function useTabletName(): (device: string) => string {
  const { t } = useI18n()
  const names = useDeviceNamesStore()
  const session = useSessionStore()
  return (device) => (device && device === session.enrollment?.deviceId ? t('tablet.self') : tabletLabel(t, device, names.names.get(device)))
}
