import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes, villageGuard } from '@/modules/router'

async function land(path: string, enrolled: boolean) {
  const router = createRouter({ history: createMemoryHistory(), routes })
  router.beforeEach(villageGuard(() => enrolled))
  await router.push(path)
  return router.currentRoute.value
}

describe('village screens on a tablet that is not enrolled', () => {
  it('lead to enrollment, remembering where the person was going', async () => {
    for (const path of ['/votes', '/proposals', '/meetings']) {
      const route = await land(path, false)
      expect(route.name, path).toBe('device-enroll')
      expect(route.query.next).toBe(path)
    }
  })

  it('open as usual once the tablet is enrolled', async () => {
    const route = await land('/votes', true)
    expect(route.name).toBe('votes')
  })

  it('home, enrollment and the township view need no village', async () => {
    expect((await land('/', false)).name).toBe('home')
    expect((await land('/device/enroll', false)).name).toBe('device-enroll')
    expect((await land('/township', false)).path).toBe('/township')
  })
})
