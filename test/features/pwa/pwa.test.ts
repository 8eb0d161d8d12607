import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import PwaNotices from '@/features/pwa/PwaNotices.vue'
import { applyUpdate, hasUnsavedInput, holdOnScreens, holdUpdates, pwaState, updatesHeld, useUpdateHold } from '@/modules/pwa'
import { mountFeature } from '../support/mount'

afterEach(() => { document.body.innerHTML = '' })

describe('holding updates (ballots, meetings, unsaved forms)', () => {
  it('holds until every holder has released, and release is idempotent', () => {
    expect(updatesHeld()).toBe(false)
    const ballot = holdUpdates('ballot')
    const form = holdUpdates('form')
    expect(pwaState.holds).toEqual(['ballot', 'form'])
    ballot()
    ballot()
    expect(pwaState.holds).toEqual(['form'])
    expect(updatesHeld()).toBe(true)
    form()
    expect(updatesHeld()).toBe(false)
  })

  it('refuses to apply an update while held', () => {
    const release = holdUpdates('meeting')
    expect(applyUpdate()).toBe(false)
    release()
  })

  it('a component holds while its condition is true and lets go when it unmounts', async () => {
    const dirty = ref(false)
    const Form = defineComponent({ setup() { useUpdateHold('form', () => dirty.value); return () => h('form') } })
    const wrapper = mount(Form)
    expect(updatesHeld()).toBe(false)
    dirty.value = true
    await nextTick()
    expect(pwaState.holds).toEqual(['form'])
    dirty.value = false
    await nextTick()
    expect(updatesHeld()).toBe(false)
    dirty.value = true
    await nextTick()
    wrapper.unmount()
    expect(updatesHeld()).toBe(false)
  })
})

describe('screens and forms that hold updates by themselves', () => {
  it('a meeting, the kiosk or a marked screen holds while open; home does not', async () => {
    const view = { render: () => h('div') }
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/', name: 'home', component: view },
        { path: '/meetings/:id', name: 'meeting', component: view },
        { path: '/votes/:id/kiosk', name: 'vote-kiosk', component: view },
        { path: '/accounts/:id/expense', name: 'expense', component: view, meta: { holdsUpdates: true } },
      ],
    })
    holdOnScreens(router)
    await router.push('/')
    expect(updatesHeld()).toBe(false)
    await router.push('/meetings/m1')
    expect(pwaState.holds).toEqual(['screen:meeting'])
    await router.push('/votes/v1/kiosk')
    expect(pwaState.holds).toEqual(['screen:vote-kiosk'])
    await router.push('/accounts/a1/expense')
    expect(updatesHeld()).toBe(true)
    await router.push('/')
    expect(updatesHeld()).toBe(false)
  })

  it('refuses an update while a text field has unsaved input', () => {
    document.body.innerHTML = '<form><input type="text" value=""><textarea></textarea><input type="checkbox"></form>'
    expect(hasUnsavedInput()).toBe(false)
    document.querySelector<HTMLTextAreaElement>('textarea')!.value = '会议记录：路灯'
    expect(hasUnsavedInput()).toBe(true)
    expect(applyUpdate()).toBe(false)
    expect(pwaState.unsavedInput).toBe(true)
  })
})

describe('update banner and install hint', () => {
  it('announces the new version and, while a ballot is open, does not offer to update', async () => {
    const { wrapper } = await mountFeature(PwaNotices, { props: { updateReady: true, held: true, canInstall: false } })
    expect(wrapper.get('[data-testid=pwa-update]').text()).toContain('新版本已准备好')
    expect(wrapper.get('[data-testid=pwa-update-held]').text()).toContain('结束后')
    const now = wrapper.get('[data-testid=pwa-update-now]')
    expect(now.attributes('disabled')).toBeDefined()
    await now.trigger('click')
    expect(wrapper.emitted('update')).toBeUndefined()
  })

  it('updates on a tap once nothing holds, and "later" hides the banner', async () => {
    const { wrapper } = await mountFeature(PwaNotices, { props: { updateReady: true, held: false, canInstall: false }, locale: 'en' })
    // no meeting is under way: the banner does not speak of one
    expect(wrapper.text()).toContain('A new version is ready: tap "Update now" to switch to it')
    expect(wrapper.text()).not.toMatch(/meeting/i)
    expect(wrapper.find('[data-testid=pwa-update-held]').exists()).toBe(false)
    await wrapper.get('[data-testid=pwa-update-now]').trigger('click')
    expect(wrapper.emitted('update')).toHaveLength(1)
    await wrapper.get('[data-testid=pwa-update-later]').trigger('click')
    expect(wrapper.find('[data-testid=pwa-update]').exists()).toBe(false)
  })

  it('covers nothing while a voter holds the kiosk, and offers installing only when nothing is under way', async () => {
    const { wrapper } = await mountFeature(PwaNotices, { props: { updateReady: true, held: true, canInstall: true, voting: true } })
    expect(wrapper.find('[data-testid=pwa-update]').exists()).toBe(false)
    expect(wrapper.find('[data-testid=pwa-install]').exists()).toBe(false)
    await wrapper.setProps({ updateReady: false, voting: false })
    // a meeting or a form still under way: installing can wait
    expect(wrapper.find('[data-testid=pwa-install]').exists()).toBe(false)
    await wrapper.setProps({ held: false })
    expect(wrapper.find('[data-testid=pwa-install]').exists()).toBe(true)
  })

  it('keeps room at the page foot while a banner shows, so the last button can be scrolled out from under it', async () => {
    const { wrapper } = await mountFeature(PwaNotices, { props: { updateReady: false, held: false, canInstall: true } })
    expect(wrapper.find('[data-testid=pwa-install]').exists()).toBe(true)
    // a block in the page's flow after everything else, at least as tall as the banner with its margin
    const room = wrapper.get('[data-testid=pwa-room]')
    expect(room.attributes('aria-hidden')).toBe('true')
    expect(parseFloat((room.element as HTMLElement).style.height)).toBeGreaterThanOrEqual(160)
    // no banner, no room: the kiosk's ballot, or a banner put off
    await wrapper.setProps({ voting: true })
    expect(wrapper.find('[data-testid=pwa-room]').exists()).toBe(false)
    await wrapper.setProps({ voting: false, canInstall: false, updateReady: true })
    expect(wrapper.find('[data-testid=pwa-room]').exists()).toBe(true)
    await wrapper.get('[data-testid=pwa-update-later]').trigger('click')
    expect(wrapper.find('[data-testid=pwa-room]').exists()).toBe(false)
  })

  it('offers installing when the browser allows it, and can be declined', async () => {
    const { wrapper } = await mountFeature(PwaNotices, { props: { updateReady: false, held: false, canInstall: true } })
    expect(wrapper.get('[data-testid=pwa-install]').text()).toContain('安装到这台平板')
    await wrapper.get('[data-testid=pwa-install-yes]').trigger('click')
    await wrapper.get('[data-testid=pwa-install-no]').trigger('click')
    expect(wrapper.emitted('install')).toHaveLength(1)
    expect(wrapper.emitted('dismissInstall')).toHaveLength(1)
    await wrapper.setProps({ canInstall: false })
    expect(wrapper.find('[data-testid=pwa-install]').exists()).toBe(false)
  })
})
