import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/proposals', name: 'proposals', component: () => import('./ProposalsView.vue') },
  { path: '/proposals/new', name: 'proposal-new', component: () => import('./ProposalNewView.vue') },
  { path: '/proposals/:id', name: 'proposal', component: () => import('./ProposalDetailView.vue'), props: true },
]
