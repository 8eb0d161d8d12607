import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/conflicts', name: 'conflicts', component: () => import('./ConflictsView.vue') },
]
