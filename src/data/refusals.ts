import type { RejectionDoc, Stored } from './repositories'
import { kindOfId } from '@/shared/schemas'
import type { RefusalCode, RefusalParams } from '@/shared/refusal'
import { refusalOf } from './oldRefusals'

/** `at`: when the hub refused the newest of them (0 when its notices carry no time). */
export interface RefusalLine { kind: string; count: number; code: RefusalCode; params: RefusalParams; subjectIds: string[]; at: number }

/** Groups the hub's rejections of this device's records by kind of record and refusal (code and params), newest first. */
export function refusalLines(rejections: Stored<RejectionDoc>[], deviceId: string): RefusalLine[] {
  const lines = new Map<string, RefusalLine>()
  for (const r of rejections) {
    if (r.device && r.device !== deviceId) continue
    const kind = kindOfId(r.subjectId) || 'record'
    const { code, params } = refusalOf(r)
    const key = `${kind}\u0000${code}\u0000${JSON.stringify(params)}`
    const line = lines.get(key) ?? { kind, count: 0, code, params, subjectIds: [], at: 0 }
    line.at = Math.max(line.at, r.at ?? 0)
    if (!line.subjectIds.includes(r.subjectId)) { line.subjectIds.push(r.subjectId); line.count++ }
    lines.set(key, line)
  }
  return [...lines.values()]
}
