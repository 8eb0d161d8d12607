/** Page object for the meeting screens: schedule, check-in, agenda, minutes, votes, signatures. */
import type { Page } from 'playwright-core'
import { go } from './app'
import { until } from './votes'
import { answerPrompt } from './app'

export class MeetingsPage {
  constructor(readonly page: Page) {}

  /** Schedules a meeting (members expected come from the roster) and lands on its screen; returns its id. */
  async schedule(m: { kind: string; title: string }): Promise<string> {
    await go(this.page, '/meetings')
    await this.page.getByTestId('meeting-schedule').click()
    await this.page.getByTestId(`meeting-kind-${m.kind}`).click()
    await this.page.locator('[data-testid="meeting-title"] input').fill(m.title)
    await this.page.getByTestId('meeting-save').click()
    await until(this.page, () => this.page.getByTestId('meeting-quorum').isVisible(), 20_000, 'meeting screen')
    return decodeURIComponent(new URL(this.page.url()).pathname.split('/').pop() ?? '')
  }

  quorum(): Promise<string> { return this.page.getByTestId('meeting-quorum').innerText() }
  async quorate(): Promise<boolean> { return (await this.page.getByTestId('meeting-quorum').getAttribute('data-quorate')) === 'true' }

  async tab(name: string): Promise<void> {
    await this.page.getByRole('tab', { name }).click()
  }

  /** Taps each name on the check-in screen. */
  async checkIn(names: string[]): Promise<void> {
    await this.tab('签到')
    for (const name of names) {
      const button = this.page.getByTestId('checkin-person').filter({ hasText: name })
      await button.click()
      await until(this.page, async () => (await button.getAttribute('aria-pressed')) === 'true', 20_000, `${name} checked in`)
    }
  }

  async agendaFromProposals(titles: string[]): Promise<void> {
    await this.tab('议程')
    for (const title of titles) {
      const item = this.page.getByTestId('agenda-proposal').filter({ hasText: title })
      await item.click()
      await until(this.page, async () => (await item.getAttribute('aria-pressed')) === 'true', 20_000, `${title} on the agenda`)
    }
  }

  async minutes(text: string): Promise<void> {
    await this.tab('纪要')
    await this.page.locator('[data-testid="minutes-text"] textarea').fill(text)
    await this.page.getByTestId('minutes-save').click()
    await until(this.page, () => this.page.getByText('纪要已保存').isVisible(), 20_000, 'minutes saved')
  }

  /** Records a yes/no/abstain decision; returns the outcome and its explanation as shown. */
  async resolve(motion: string, count: { yes: number; no: number; abstain: number }): Promise<{ outcome: string; explanation: string }> {
    await this.tab('表决')
    const before = await this.page.getByTestId('resolution').count()
    await this.page.locator('[data-testid="resolution-motion"] textarea').fill(motion)
    for (const k of ['yes', 'no', 'abstain'] as const) {
      const input = this.page.locator(`[data-testid="resolution-${k}"] input`)
      await input.fill(String(count[k]))
      await input.blur()
    }
    await this.page.getByTestId('resolution-record').click()
    await until(this.page, async () => (await this.page.getByTestId('resolution').count()) > before, 20_000, 'resolution recorded')
    const last = this.page.getByTestId('resolution').last()
    return { outcome: await last.getByTestId('resolution-outcome').innerText(), explanation: await last.getByTestId('resolution-explanation').innerText() }
  }

  /**
   * Picks who signs and draws a signature: with the real mouse, or as a pen or finger (pointer events
   * of that type, as a stylus or a touch screen sends them). The pad takes all three.
   */
  /** The person signs with a finger or pen, then types their own passphrase (the signature is theirs only with it). */
  async sign(role: 'chair' | 'supervisor', name: string, passphrase: string, tool: 'mouse' | 'pen' | 'touch' = 'mouse'): Promise<void> {
    await this.tab('签名')
    const block = this.page.getByTestId(`signature-${role}`)
    await block.getByTestId('signature-person').filter({ hasText: name }).click()
    const canvas = block.getByTestId('signature-canvas')
    // with the pad's foot at the bottom of the screen, nothing covers it (the acting bar sticks to the top)
    const covered = await canvas.evaluate((c) => {
      c.scrollIntoView({ block: 'end' })
      const r = c.getBoundingClientRect()
      const points = [[r.left + 8, r.bottom - 8], [r.right - 8, r.bottom - 8], [(r.left + r.right) / 2, r.bottom - 8]] as const
      return points.filter(([x, y]) => document.elementFromPoint(x, y) !== c).map(([x, y]) => document.elementFromPoint(x, y)?.textContent ?? '')
    })
    if (covered.length) throw new Error(`${role}: the signature pad's foot is covered by: ${covered.join(' / ')}`)
    // the clerk is acting: their bar sticks to the top, and the meeting's tabs (sticky too) sit below it, neither covering the other
    const stacked = await this.page.evaluate(() => {
      const bar = document.querySelector('[data-testid="acting-badge"]')
      const tabs = document.querySelector('.meeting-tabs .van-tabs__nav')
      if (!bar || !tabs) return 'the bar (someone acting) or the tabs not shown'
      const b = bar.getBoundingClientRect()
      const n = tabs.getBoundingClientRect()
      const barSeen = bar.contains(document.elementFromPoint(b.left + 8, b.top + b.height / 2))
      const tabsSeen = tabs.contains(document.elementFromPoint(n.left + 8, n.top + n.height / 2))
      return b.top === 0 && barSeen && tabsSeen && n.top >= b.bottom - 1 ? 'stacked' : `bar ${b.top}–${b.bottom} seen ${barSeen}, tabs ${n.top}–${n.bottom} seen ${tabsSeen}`
    })
    if (stacked !== 'stacked') throw new Error(`${role}: the acting bar and the meeting's tabs: ${stacked}`)
    await canvas.scrollIntoViewIfNeeded()
    const box = await canvas.boundingBox()
    if (!box) throw new Error(`${role}: signature pad not shown`)
    const at = (i: number) => ({ x: box.x + 20 + i * 12, y: box.y + box.height / 2 + Math.sin(i / 2) * 20 })
    if (tool === 'mouse') {
      await this.page.mouse.move(at(0).x, at(0).y)
      await this.page.mouse.down()
      for (let i = 1; i < 15; i++) await this.page.mouse.move(at(i).x, at(i).y)
      await this.page.mouse.up()
    } else {
      const points = Array.from({ length: 15 }, (_, i) => at(i))
      await canvas.evaluate((c, { points, tool }) => {
        const fire = (type: string, p: { x: number; y: number }) => c.dispatchEvent(new PointerEvent(type, {
          pointerId: 9, pointerType: tool, isPrimary: true, bubbles: true, cancelable: true, button: 0, buttons: type === 'pointerup' ? 0 : 1, clientX: p.x, clientY: p.y, pressure: 0.5,
        }))
        fire('pointerdown', points[0]!)
        for (const p of points.slice(1)) fire('pointermove', p)
        fire('pointerup', points[points.length - 1]!)
      }, { points, tool })
    }
    await until(this.page, async () => (await canvas.getAttribute('data-strokes')) === '1', 10_000, `${role} stroke drawn`)
    await block.getByRole('button', { name: '确认签名' }).click()
    await answerPrompt(this.page, passphrase)
    await until(this.page, () => block.getByText('已签名').isVisible(), 30_000, `${role} signed`)
  }

  async close(): Promise<void> {
    await this.tab('签名')
    await this.page.getByTestId('meeting-close').click()
    // the quorum line says it too ('会议已结束，到会人数够法定人数'): the closed state's own line, exactly
    await until(this.page, () => this.page.getByText('会议已结束', { exact: true }).isVisible(), 20_000, 'meeting closed')
  }
}
