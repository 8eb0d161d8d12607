import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/notices', name: 'notices', component: () => import('./NoticesView.vue') },
  { path: '/notices/:id', name: 'notice', component: () => import('./NoticeView.vue'), props: true },
]
