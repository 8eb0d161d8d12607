/**
 * Tablets for peer sync: each its own Chromium inside the test's network namespace, with a fake
 * camera that shows whatever the test last put in front of it (the other tablet's QR code, read
 * from that tablet's screen). Pairing goes through the screen a clerk uses.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../support/browser'
import { pictureOf, writeCamera } from '../../support/camera'
import type { RunningHub } from '../../support/hub'
import type { Netns } from '../../support/netns'
import { enrolledTablet, until, type Tablet } from './votes'
import { go } from './app'

export interface PeerTablet extends Tablet { browser: Browser; camera: string }

const cameras = mkdtempSync(join(tmpdir(), 'yishi-camera-'))
let n = 0

/** An enrolled tablet (clerk PIN set) in its own browser inside `netns`, its camera showing nothing yet. */
export async function peerTablet(netns: Netns, hub: RunningHub, village: string, clerk: { personId: string; name: string }, pin: string): Promise<PeerTablet> {
  const camera = join(cameras, `camera-${++n}.y4m`)
  writeCamera(camera, null)
  const browser = await launchChromium({
    executablePath: netns.chromiumPath,
    args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${camera}`],
  })
  const tablet = await enrolledTablet(browser, hub, village, clerk, pin)
  return { ...tablet, browser, camera }
}

/** Waits until the tablet holds its device certificate (it registers its key with the hub after its first sync). */
export async function certified(t: PeerTablet, ms = 60_000): Promise<void> {
  await until(t.page, () => t.page.evaluate(() => !!JSON.parse(localStorage.getItem('yishi.trust') ?? 'null')?.certificate), ms, `device certificate of ${t.device}`)
}

export function phase(page: Page): Promise<string | null> {
  return page.getByTestId('peer-phase').getAttribute('data-phase').catch(() => null)
}

/** The pairing screen at its first step (an earlier pairing ended). */
export async function openPeerScreen(t: PeerTablet): Promise<void> {
  await go(t.page, '/peer')
  if (await t.page.getByTestId('peer-end').isVisible()) {
    await t.page.getByTestId('peer-end').click()
    await t.page.getByTestId('peer-restart').waitFor({ timeout: 10_000 })
  }
  if (await t.page.getByTestId('peer-restart').isVisible()) await t.page.getByTestId('peer-restart').click()
  await t.page.getByTestId('peer-first').waitFor({ timeout: 10_000 })
}

/** Shows `from`'s QR code to `to`'s camera (read from `from`'s screen, as a camera would see it). */
async function showCode(from: PeerTablet, to: PeerTablet): Promise<void> {
  await from.page.getByTestId('peer-code').waitFor({ timeout: 30_000 })
  await until(from.page, async () => !!(await from.page.getByTestId('peer-code').getAttribute('data-code')), 10_000, 'code drawn')
  writeCamera(to.camera, await pictureOf(from.page, 'peer-code'))
}

/**
 * Pairs two tablets through the screen: `first` shows its code, `second` scans it and shows its
 * answer, `first` scans that. Resolves once both say they are in sync.
 */
export async function pairThroughScreens(first: PeerTablet, second: PeerTablet): Promise<void> {
  for (const t of [first, second]) await openPeerScreen(t)
  await first.page.getByTestId('peer-first').click()
  await showCode(first, second)
  await second.page.getByTestId('peer-second').click()
  await showCode(second, first)
  await first.page.getByTestId('peer-scan-back').click()
  try {
    for (const t of [first, second]) await until(t.page, async () => (await phase(t.page)) === 'live', 90_000, `${t.device} in sync`)
  } catch (e) {
    if (process.env.PEER_SHOTS) for (const [i, t] of [first, second].entries()) await t.page.screenshot({ path: `${process.env.PEER_SHOTS}/fail-${i}.png`, fullPage: true })
    throw e
  }
}
