import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/township', name: 'township', component: () => import('./TownshipView.vue') },
  { path: '/township/village/:villageId', name: 'township-village', component: () => import('./TownshipVillageView.vue'), props: true },
  { path: '/township/report', name: 'township-report', component: () => import('./TownshipReportView.vue') },
]
