import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/accounts', name: 'accounts', component: () => import('./AccountsView.vue') },
  { path: '/accounts/:id', name: 'account-project', component: () => import('./AccountsProjectView.vue') },
]
