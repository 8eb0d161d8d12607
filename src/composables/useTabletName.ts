import { useI18n } from 'vue-i18n'
import { useDeviceNamesStore } from '@/stores/deviceNames'
import { useSessionStore } from '@/stores/session'

type Translate = (key: string, named: Record<string, unknown>) => string

/** A tablet in words: 平板「name」 with its enrollment name, else a short label (never the raw id). */
export function tabletLabel(t: Translate, device: string, name: string | undefined): string {
  if (device === 'hub') return t('tablet.hub', {})
  if (name) return t('tablet.named', { name })
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
