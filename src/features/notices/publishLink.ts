import type { RouteLocationRaw } from 'vue-router'
import { NOTICE_STAGES, type NoticeStage } from '@/domain'

/** The notices screen with its publish form open for one stage and subject (a vote, a fund…). */
export function publishLink(stage: NoticeStage, subjectId: string): RouteLocationRaw {
  return { name: 'notices', query: { publish: stage, subject: subjectId } }
}

/** What a `/notices?publish=<stage>&subject=<id>` address asks for; null when it asks for no form (or a stage there is not). */
export function publishRequest(query: Record<string, unknown>): { stage: NoticeStage; subjectId: string } | null {
  const stage = NOTICE_STAGES.find((s) => s === query.publish)
  if (!stage) return null
  return { stage, subjectId: typeof query.subject === 'string' ? query.subject : '' }
}
