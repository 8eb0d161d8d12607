import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/votes', name: 'votes', component: () => import('./VotesView.vue') },
  { path: '/votes/new', name: 'vote-new', component: () => import('./VoteSetupView.vue') },
  { path: '/votes/:id', name: 'vote', component: () => import('./VoteDetailView.vue') },
  { path: '/votes/:id/kiosk', name: 'vote-kiosk', component: () => import('./KioskView.vue') },
  { path: '/votes/:id/paper', name: 'vote-paper', component: () => import('./VotePaperView.vue') },
  { path: '/votes/:id/results', name: 'vote-results', component: () => import('./VoteResultsView.vue') },
]
