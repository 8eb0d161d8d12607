import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/device/quarantine', name: 'quarantine', component: () => import('./QuarantineView.vue') },
]
