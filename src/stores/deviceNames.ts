import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { Repositories } from '@/data'
import type { KeyValue } from '@/data/identity'
import { storedTrust } from '@/data/devicekeys'
import { deviceCall, deviceWords, type EnrolledTablet } from '@/i18n/devices'
import { useSessionStore } from './session'

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
    if (!kv) return
    enrolled.value = (storedTrust(kv)?.list?.devices ?? []).map((d) => ({ device: d.device, enrolledAt: d.enrolledAt }))
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
