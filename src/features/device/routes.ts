import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/device/enroll', name: 'device-enroll', component: () => import('./DeviceEnrollView.vue') },
  { path: '/device/unlock', name: 'device-unlock', component: () => import('./DeviceUnlockView.vue') },
  { path: '/device/sync', name: 'device-sync', component: () => import('./DeviceSyncView.vue') },
  { path: '/device/years', name: 'device-years', component: () => import('./DeviceYearsView.vue') },
  { path: '/device/years/:year(\\d{4})', name: 'device-year', component: () => import('./DeviceArchiveView.vue'), props: true },
]
