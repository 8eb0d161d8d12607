import type { App } from 'vue'
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import HomeView from '@/features/home/HomeView.vue'

// Feature routes are lazy-loaded so each screen costs nothing until it is opened.
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export function installRouter(app: App): void {
  app.use(createRouter({ history: createWebHistory(), routes }))
}
