import { i18n } from './index'

/** A tablet of the village as the hub certified it: when it was enrolled. */
export interface EnrolledTablet { device: string; enrolledAt: number }

/** How a person calls a device: this tablet, the hub, the village's n-th tablet (by enrollment), or — unknown here — by the tail of its code. */
export type DeviceCall = { self: true } | { hub: true } | { n: number } | { tail: string }

export function deviceCall(id: string, ctx: { self?: string; enrolled?: readonly EnrolledTablet[] }): DeviceCall {
  if (ctx.self && id === ctx.self) return { self: true }
  if (id === 'hub') return { hub: true }
  const order = [...(ctx.enrolled ?? [])].sort((a, b) => a.enrolledAt - b.enrolledAt || a.device.localeCompare(b.device))
  const at = order.findIndex((t) => t.device === id)
  if (at >= 0) return { n: at + 1 }
  return { tail: id.replace(/[^0-9a-z]/gi, '').slice(-4).toUpperCase() || '?' }
}

type Words = (key: string, named?: Record<string, unknown>) => string

/** The words for a device call; `t`: the screen's own translator where it has one. */
export function deviceWords(call: DeviceCall, t: Words = i18n.global.t): string {
  if ('self' in call) return t('tablet.self')
  if ('hub' in call) return t('tablet.hub')
  if ('n' in call) return t('tablet.numbered', { n: call.n })
  return t('tablet.other', { tail: call.tail })
}
