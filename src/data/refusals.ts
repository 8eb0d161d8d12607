import type { RejectionDoc, Stored } from './repositories'
import { kindOfId } from '@/shared/schemas'

/** `at`: when the hub refused the newest of them (0 when its notices carry no time). */
export interface RefusalLine { kind: string; count: number; reason: string; subjectIds: string[]; at: number }

/** Groups the hub's rejections of this device's records by kind and reason, newest first. */
export function refusalLines(rejections: Stored<RejectionDoc>[], deviceId: string): RefusalLine[] {
  const lines = new Map<string, RefusalLine>()
  for (const r of rejections) {
    if (r.device && r.device !== deviceId) continue
    const kind = kindOfId(r.subjectId) || 'record'
    const key = `${kind}\u0000${r.reason}`
    const line = lines.get(key) ?? { kind, count: 0, reason: r.reason, subjectIds: [], at: 0 }
    line.at = Math.max(line.at, r.at ?? 0)
    if (!line.subjectIds.includes(r.subjectId)) { line.subjectIds.push(r.subjectId); line.count++ }
    lines.set(key, line)
  }
  return [...lines.values()]
}

