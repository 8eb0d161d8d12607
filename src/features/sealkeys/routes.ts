import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/seal-keys', name: 'seal-keys', component: () => import('./SealKeysView.vue') },
  { path: '/votes/:id/seals', name: 'vote-seals', component: () => import('./SealKeysOpenView.vue') },
]
