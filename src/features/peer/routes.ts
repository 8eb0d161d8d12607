import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/peer', name: 'peer', component: () => import('./PeerView.vue') },
]
