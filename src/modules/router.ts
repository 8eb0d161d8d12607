import type { App } from 'vue'
import { createRouter, createWebHistory, type NavigationGuard, type RouteRecordRaw } from 'vue-router'
import { isEnrolled } from './data'

// Each feature declares its routes in src/features/<feature>/routes.ts (export const routes).
// Views other than home are imported lazily there: `component: () => import('./XView.vue')`,
// so each screen costs nothing until it is opened.
const featureRoutes = import.meta.glob<{ routes: RouteRecordRaw[] }>('../features/*/routes.ts', { eager: true })

// Features that work on a tablet not (yet) enrolled in a village; every other feature's
// screens read the village's records, so they lead to enrollment instead.
const WITHOUT_VILLAGE = new Set(['home', 'device', 'township', 'pwa'])

function featureOf(path: string): string {
  return path.split('/').at(-2) ?? ''
}

export const routes: RouteRecordRaw[] = [
  ...Object.entries(featureRoutes).flatMap(([path, m]) => {
    const village = !WITHOUT_VILLAGE.has(featureOf(path))
    return m.routes.map((r) => ({ ...r, meta: { ...r.meta, village } }) as RouteRecordRaw)
  }),
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

/** A village screen on a tablet with no village goes to enrollment, then back where it was headed. */
export function villageGuard(enrolled: () => boolean): NavigationGuard {
  return (to) => (to.meta.village === true && !enrolled() ? { name: 'device-enroll', query: { next: to.fullPath } } : true)
}

export function installRouter(app: App): void {
  const router = createRouter({ history: createWebHistory(), routes })
  router.beforeEach(villageGuard(isEnrolled))
  app.use(router)
}
