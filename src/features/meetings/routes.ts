import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/meetings', name: 'meetings', component: () => import('./MeetingsView.vue') },
  { path: '/meetings/:id', name: 'meeting', component: () => import('./MeetingView.vue'), props: true },
]
