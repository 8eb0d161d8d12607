import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/roster', name: 'roster', component: () => import('./RosterView.vue') },
  { path: '/roster/import', name: 'roster-import', component: () => import('./RosterImportView.vue') },
]
