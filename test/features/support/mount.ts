import { mount, flushPromises, type ComponentMountingOptions } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createRouter, createMemoryHistory, type Router } from 'vue-router'
import type { Component } from 'vue'
import { createAppI18n } from '@/i18n'
import { allMessages } from '@/i18n/messages'
import { routes } from '@/modules/router'

/** Mounts a feature component with real i18n (Chinese unless told), Pinia and the app's routes. */
export async function mountFeature<C extends Component>(
  component: C,
  opts: { props?: Record<string, unknown>; locale?: 'zh-CN' | 'en'; pinia?: Pinia; path?: string } = {},
) {
  const pinia = opts.pinia ?? createPinia()
  setActivePinia(pinia)
  const router: Router = createRouter({ history: createMemoryHistory(), routes })
  await router.push(opts.path ?? '/')
  await router.isReady()
  const wrapper = mount(component, {
    props: opts.props,
    attachTo: document.body,
    global: { plugins: [pinia, router, createAppI18n(opts.locale ?? 'zh-CN', allMessages())] },
  } as ComponentMountingOptions<C>)
  await flushPromises()
  return { wrapper, pinia, router }
}

export { flushPromises }
