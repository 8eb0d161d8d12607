import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { Repositories } from '@/data'
import type { KeyValue } from '@/data/identity'
import { storedTrust } from '@/data/devicekeys'
import { i18n } from '@/i18n'
import { useSessionStore } from './session'

/** A tablet of the village as the hub certified it: when it was enrolled. */
export interface EnrolledTablet { device: string; enrolledAt: number }

/** How a person calls a device: this tablet, the hub, the village's n-th tablet (by enrollment), or — unknown here — by the tail of its code. */
export type DeviceCall = { self: true } | { hub: true } | { n: number } | { tail: string }

export function deviceCall(id: string, ctx: { self?: string; enrolled?: readonly EnrolledTablet[] }): DeviceCall {
  if (ctx.self && id === ctx.self) return { self: true }
  if (id === 'hub') return { hub: true }
  const order = [...(ctx.enrolled ?? [])].sort((a, b) => a.enrolledAt - b.enrolledAt || a.device.localeCompare(b.device))
  const at = order.findIndex((t) => t.device === id)
  if (at >= 0) return { n: at + 1 }
  return { tail: id.replace(/[^0-9a-z]/gi, '').slice(-4).toUpperCase() || '?' }
}

export function deviceWords(call: DeviceCall): string {
  const t = i18n.global.t
  if ('self' in call) return t('tablet.self')
  if ('hub' in call) return t('tablet.hub')
  if ('n' in call) return t('tablet.numbered', { n: call.n })
  return t('tablet.other', { tail: call.tail })
}

/**
 * Words for the devices records name ("本平板", "2 号平板"), never their codes: the village's tablets are
 * numbered in the order the hub enrolled them (the signed list of device keys this tablet keeps).
 */
export const useDeviceNamesStore = defineStore('deviceNames', () => {
  const session = useSessionStore()
  const enrolled = shallowRef<EnrolledTablet[]>([])
  let kv: KeyValue | null = null

  /** Reads the list of the village's tablets again (it arrives after a sync). */
  function refresh(): void {
    const list = kv ? storedTrust(kv)?.list : null
    enrolled.value = (list?.devices ?? []).map((d) => ({ device: d.device, enrolledAt: d.enrolledAt }))
  }

  function attach(_r: Repositories, opts: { kv?: KeyValue } = {}): void {
    kv = opts.kv ?? null
    refresh()
  }

  function name(id: string): string {
    return id ? deviceWords(deviceCall(id, { self: session.enrollment?.deviceId, enrolled: enrolled.value })) : '—'
  }

  return { enrolled, attach, refresh, name }
})
