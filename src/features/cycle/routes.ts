import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [{ path: '/cycle', name: 'cycle', component: () => import('./CycleView.vue') }]
