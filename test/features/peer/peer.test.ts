import { afterEach, describe, expect, it } from 'vitest'
import PeerView from '@/features/peer/PeerView.vue'
import PeerProgress from '@/features/peer/PeerProgress.vue'
import PeerScanner from '@/features/peer/PeerScanner.vue'
import messages from '@/features/peer/messages'
import type { PeerSessionState } from '@/data/peer/session'
import { usePeerStore } from '@/stores/peer'
import { useActingStore } from '@/stores/acting'
import ActingPrompt from '@/features/acting/ActingPrompt.vue'
import { memoryKeyValue, setClerkPin } from '@/data'
import { mountFeature } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'

type Tree = { [key: string]: string | Tree }
function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [k, v] of leaves(value, path)) out.set(k, v)
  }
  return out
}

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined; document.body.innerHTML = ''; camera(null) })

/** The browser's camera, the true edge: `getUserMedia` refuses with these DOMExceptions, one per call (null: no stub). */
function camera(refusals: string[] | null): { calls: number } {
  const seen = { calls: 0 }
  const getUserMedia = async () => { const name = refusals?.[Math.min(seen.calls++, refusals.length - 1)] ?? 'NotAllowedError'; throw new DOMException('refused', name) }
  Object.defineProperty(navigator, 'mediaDevices', { value: refusals ? { getUserMedia } : undefined, configurable: true })
  return seen
}

const session = (p: Partial<PeerSessionState>): PeerSessionState => ({
  phase: 'live', peerDevice: 'dev-1a2b', received: 0, sent: 0, refused: [], refusedByPeer: [], flushed: 0, conflicts: 0, doubleVotes: 0, problem: null, ...p,
})

describe('the pairing screen\'s words', () => {
  it('come in both languages, the same keys and placeholders, no Chinese left in English', () => {
    const zh = leaves(messages['zh-CN'] as Tree)
    const en = leaves(messages.en as Tree)
    expect([...en.keys()].sort()).toEqual([...zh.keys()].sort())
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const [key, text] of zh) {
      expect(en.get(key)!.trim(), key).not.toBe('')
      expect(en.get(key), key).not.toMatch(/[\u4e00-\u9fff]/)
      expect(names(en.get(key)!), key).toEqual(names(text))
    }
  })
})

describe('与另一台平板同步', () => {
  it('offers the two sides and the steps, each with a picture, and reads them aloud', async () => {
    const { wrapper } = await mountFeature(PeerView, { path: '/peer' })
    expect(wrapper.get('[data-testid="peer-first"]').text()).toContain('第一台：出码')
    expect(wrapper.get('[data-testid="peer-second"]').text()).toContain('第二台：扫码')
    const steps = wrapper.findAll('.peer-steps li')
    expect(steps.map((s) => s.attributes('data-step'))).toEqual(['hotspot', 'join', 'scan', 'back', 'done'])
    for (const s of steps) expect(s.find('svg').exists()).toBe(true)
    expect(steps[0]!.text()).toContain('个人热点')
    expect(wrapper.text()).toContain('听一遍怎么做')
    wrapper.unmount()
  })

  it('says in words what to do when this tablet has no device certificate yet', async () => {
    village = await openTestVillage()
    usePeerStore(village.pinia).attach(village.data, { peerTrust: async () => null })
    const { wrapper } = await mountFeature(PeerView, { pinia: village.pinia, path: '/peer' })
    await wrapper.get('[data-testid="peer-second"]').trigger('click')
    await eventually(() => wrapper.find('[data-testid="peer-problem"]').exists(), 5_000)
    expect(wrapper.get('[data-testid="peer-problem"]').text()).toContain('本平板还没有设备证书：请先在有网络的时候和镇上同步一次')
    wrapper.unmount()
  })

  it('reads out what a pairing did: records, the ballots saved first, a double vote, what was refused', async () => {
    const { wrapper } = await mountFeature(PeerProgress, {
      path: '/peer',
      props: { session: session({ received: 1204, sent: 1, flushed: 3, doubleVotes: 1, conflicts: 1, refused: [{ id: 'ballot:x', code: 'proof.altered', params: { device: 'dev-9' }, reason: 'ballot:x does not match the signature of device dev-9' }] }) },
    })
    const text = wrapper.text()
    expect(text).toContain('已同步')
    expect(wrapper.get('[data-testid="peer-received"]').text()).toBe('收到 1204 条记录')
    expect(wrapper.get('[data-testid="peer-sent"]').text()).toBe('发出 1 条记录')
    expect(wrapper.get('[data-testid="peer-flushed"]').text()).toContain('投票箱里的 3 张选票先存好了')
    expect(wrapper.get('[data-testid="peer-double-votes"]').text()).toContain('1 人在两台平板上都领了票')
    expect(wrapper.get('[data-testid="peer-double-votes"] a').attributes('href')).toBe('/conflicts')
    expect(wrapper.get('[data-testid="peer-refused"]').text()).toContain('有 1 条记录没有收下')
    // why, in words, and where to see them: not the check's English reason
    expect(wrapper.get('[data-testid="peer-refused"]').text()).toContain('内容在传过来的路上被改过')
    expect(wrapper.get('[data-testid="peer-refused"] a').attributes('href')).toBe('/device/quarantine')
    expect(text).not.toMatch(/signature|dev-9|ballot:x/)
    wrapper.unmount()
  })

  it('names the other tablet by its enrollment name, else by a short label, never by its raw id', async () => {
    const named = await mountFeature(PeerProgress, { path: '/peer', props: { session: session({ peerDevice: 'dev-7c21e0d94a1b', peerLabel: '二组会议室' }) } })
    expect(named.wrapper.get('[data-testid="peer-with"]').text()).toBe('对方：平板「二组会议室」')
    named.wrapper.unmount()
    const unnamed = await mountFeature(PeerProgress, { path: '/peer', props: { session: session({ peerDevice: 'dev-7c21e0d94a1b' }) } })
    expect(unnamed.wrapper.get('[data-testid="peer-with"]').text()).toBe('对方：平板（编号尾号 4A1B）')
    expect(unnamed.wrapper.text()).not.toContain('dev-7c21')
    unnamed.wrapper.unmount()
    // a name typed with a right-to-left override (to read as something else) shows as typed, without it
    const tricked = await mountFeature(PeerProgress, { path: '/peer', props: { session: session({ peerDevice: 'dev-7c21e0d94a1b', peerLabel: '\u202e器务服上镇' }) } })
    expect(tricked.wrapper.get('[data-testid="peer-with"]').text()).toBe('对方：平板「器务服上镇」')
    tricked.wrapper.unmount()
  })

  it('speaks English too, with plurals', async () => {
    const { wrapper } = await mountFeature(PeerProgress, { locale: 'en', path: '/peer', props: { session: session({ received: 1, sent: 2 }) } })
    expect(wrapper.get('[data-testid="peer-received"]').text()).toBe('1 record received')
    expect(wrapper.get('[data-testid="peer-sent"]').text()).toBe('2 records sent')
    wrapper.unmount()
  })
})

describe('a camera that does not open', () => {
  it('refused: says the browser did not allow it and how to allow it, then tries again — not the scan tips', async () => {
    const cam = camera(['NotAllowedError', 'NotFoundError'])
    const { wrapper } = await mountFeature(PeerScanner, { path: '/peer' })
    await eventually(() => wrapper.find('[data-testid="peer-camera-problem"]').exists())
    const problem = wrapper.get('[data-testid="peer-camera-problem"]')
    expect(problem.attributes('data-problem')).toBe('denied')
    expect(problem.text()).toContain('浏览器没有允许这个页面使用摄像头')
    expect(problem.text()).toContain('地址栏左边的小图标')
    expect(wrapper.find('[data-testid="peer-tips"]').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('靠近一点')
    // allowed in the settings (here: the camera is then found missing), "try again" asks the browser again
    await wrapper.get('[data-testid="peer-camera-retry"]').trigger('click')
    await eventually(() => wrapper.get('[data-testid="peer-camera-problem"]').attributes('data-problem') === 'none')
    expect(cam.calls).toBe(2)
    wrapper.unmount()
  })

  it('no camera: says so, and that both tablets scan, so pair with one that has a camera or sync through the hub', async () => {
    camera(['NotFoundError'])
    const { wrapper } = await mountFeature(PeerScanner, { path: '/peer' })
    await eventually(() => wrapper.find('[data-testid="peer-camera-problem"]').exists())
    expect(wrapper.text()).toContain('这台平板上找不到能用的摄像头')
    expect(wrapper.text()).toContain('请换一台有摄像头的平板来配对')
    expect(wrapper.find('[data-testid="peer-camera-retry"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('held by another app: says to close it, not that the camera was refused', async () => {
    camera(['NotReadableError'])
    const { wrapper } = await mountFeature(PeerScanner, { path: '/peer' })
    await eventually(() => wrapper.find('[data-testid="peer-camera-problem"]').exists())
    expect(wrapper.get('[data-testid="peer-camera-problem"]').attributes('data-problem')).toBe('busy')
    expect(wrapper.text()).toContain('摄像头正被别的应用占用')
    wrapper.unmount()
  })

  it('on the first tablet: says so before showing a code it could never scan back', async () => {
    camera(['NotAllowedError'])
    village = await openTestVillage()
    usePeerStore(village.pinia).attach(village.data, { peerTrust: async () => null })
    const { wrapper } = await mountFeature(PeerView, { pinia: village.pinia, path: '/peer' })
    await wrapper.get('[data-testid="peer-first"]').trigger('click')
    await eventually(() => wrapper.find('[data-testid="peer-camera-problem"]').exists())
    expect(wrapper.text()).toContain('地址栏左边的小图标')
    expect(usePeerStore(village.pinia).state.step).toBe('idle')
    expect(wrapper.find('[data-testid="peer-code"]').exists()).toBe(false)
    wrapper.unmount()
  })
})

describe('pairing is the clerk\'s act', () => {
  it('on a locked tablet asks the clerk for their PIN before pairing, and does not pair without it', async () => {
    village = await openTestVillage({ locked: true })
    const kv = memoryKeyValue()
    await setClerkPin(kv, { personId: 'person:clerk', name: '王文书' }, '2468')
    useActingStore(village.pinia).attach(village.data, { kv })
    const peer = usePeerStore(village.pinia)
    let trustAsked = 0
    peer.attach(village.data, { peerTrust: async () => { trustAsked++; return null } })
    const prompt = await mountFeature(ActingPrompt, { pinia: village.pinia })
    const { wrapper } = await mountFeature(PeerView, { pinia: village.pinia, path: '/peer' })
    for (const side of ['peer-second', 'peer-first']) {
      await wrapper.get(`[data-testid="${side}"]`).trigger('click')
      await eventually(() => prompt.wrapper.find('[data-testid="acting-prompt"]').exists())
      expect(prompt.wrapper.get('[data-testid="acting-prompt"]').attributes('data-act')).toBe('peer.pair')
      expect(prompt.wrapper.get('[data-testid="acting-prompt"]').text()).toContain('要由本人确认：和另一台平板同步记录')
      await prompt.wrapper.get('[data-testid="acting-cancel"]').trigger('click')
      await eventually(() => prompt.wrapper.find('[data-testid="acting-refused"]').exists())
      expect(prompt.wrapper.get('[data-testid="acting-refused"]').text()).toContain('没有做：和另一台平板同步记录需要本人输入密码或口令')
      // nothing started: no pairing, no camera, no code
      expect(peer.state.step).toBe('idle')
      expect(trustAsked).toBe(0)
      expect(wrapper.find('[data-testid="peer-code"]').exists()).toBe(false)
    }
    // with the clerk's PIN the pairing starts (here it stops at once: this test tablet has no certificate)
    await wrapper.get('[data-testid="peer-second"]').trigger('click')
    await eventually(() => prompt.wrapper.find('[data-testid="acting-secret"]').exists())
    await prompt.wrapper.get('[data-testid="acting-secret"]').setValue('2468')
    await prompt.wrapper.get('form').trigger('submit')
    await eventually(() => wrapper.find('[data-testid="peer-problem"]').exists(), 10_000)
    expect(trustAsked).toBe(1)
    expect(wrapper.get('[data-testid="peer-problem"]').text()).toContain('本平板还没有设备证书')
    wrapper.unmount(); prompt.wrapper.unmount()
  })
})
