/**
 * App wiring of the data layer: the device store (src/stores/device.ts) opens the enrolled
 * village at start and follows the network; the storage quota is watched for the sync screen.
 */
import type { App } from 'vue'
import type { Pinia } from 'pinia'
import { isEnrolled, useDeviceStore } from '@/stores/device'
import { useSyncStore } from '@/stores/sync'

export { isEnrolled }

async function watchStorage(pinia: Pinia | undefined): Promise<void> {
  const storage = navigator.storage
  if (!storage?.estimate) return
  await storage.persist?.().catch(() => false)
  const check = async () => {
    const { usage = 0, quota = 0 } = await storage.estimate()
    useSyncStore(pinia).storageUsed = quota > 0 ? usage / quota : null
  }
  await check()
  setInterval(() => { void check() }, 10 * 60_000)
}

export function installData(app: App): void {
  const pinia = (app.config.globalProperties.$pinia as Pinia | undefined) ?? undefined
  const device = useDeviceStore(pinia)
  window.addEventListener('online', () => device.online(true))
  window.addEventListener('offline', () => device.online(false))
  void watchStorage(pinia)
  device.start()
}
