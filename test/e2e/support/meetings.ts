/** Page object for the meeting screens: schedule, check-in, agenda, minutes, votes, signatures. */
import type { Page } from 'playwright-core'
import { go } from './app'
import { until } from './votes'

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

  /** Picks who signs and draws a signature with a finger (touch events, as on the tablet). */
  async sign(role: 'chair' | 'supervisor', name: string): Promise<void> {
    await this.tab('签名')
    const block = this.page.getByTestId(`signature-${role}`)
    await block.getByTestId('signature-person').filter({ hasText: name }).click()
    await block.locator('canvas').evaluate((canvas) => {
      const r = canvas.getBoundingClientRect()
      const at = (i: number) => new Touch({ identifier: 1, target: canvas, clientX: r.left + 20 + i * 12, clientY: r.top + r.height / 2 + Math.sin(i / 2) * 20 })
      const fire = (type: string, touches: Touch[]) => canvas.dispatchEvent(new TouchEvent(type, { touches, changedTouches: touches, bubbles: true, cancelable: true }))
      fire('touchstart', [at(0)])
      for (let i = 1; i < 15; i++) fire('touchmove', [at(i)])
      fire('touchend', [])
    })
    await block.getByRole('button', { name: '确认签名' }).click()
    await until(this.page, () => block.getByText('已签名').isVisible(), 20_000, `${role} signed`)
  }

  async close(): Promise<void> {
    await this.tab('签名')
    await this.page.getByTestId('meeting-close').click()
    await until(this.page, () => this.page.getByText('会议已结束').isVisible(), 20_000, 'meeting closed')
  }
}
