import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/supervision', name: 'supervision', component: () => import('./SupervisionView.vue') },
]
