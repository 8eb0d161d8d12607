import type { NoticeStage } from '@/domain'

/** The icon beside each kind of notice. */
export const STAGE_ICONS: Record<NoticeStage, string> = {
  decision: 'passed', process: 'underway-o', accounts: 'balance-o', 'vote-announcement': 'completed-o', meeting: 'friends-o',
}
