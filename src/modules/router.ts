import type { App } from 'vue'
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

// Each feature declares its routes in src/features/<feature>/routes.ts (export const routes).
// Views other than home are imported lazily there: `component: () => import('./XView.vue')`,
// so each screen costs nothing until it is opened.
const featureRoutes = import.meta.glob<{ routes: RouteRecordRaw[] }>('../features/*/routes.ts', { eager: true })

export const routes: RouteRecordRaw[] = [
  ...Object.values(featureRoutes).flatMap((m) => m.routes),
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export function installRouter(app: App): void {
  app.use(createRouter({ history: createWebHistory(), routes }))
}
