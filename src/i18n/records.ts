/**
 * Records by what they are, for a person: each kind of record (the part of an id before ":") as a
 * word, and "a record" when the kind is unknown. A record's id never reaches a screen
 * (src/composables/useRecordName.ts says a record with these words and its title).
 */
export default {
  'zh-CN': {
    kind: {
      comment: '留言', attendance: '签到', resolution: '决议', checkoff: '投票登记', ballot: '选票', papercount: '纸质票清点',
      ledger: '账目', cosign: '会签', objection: '异议', answer: '异议答复', override: '例外记录', audit: '操作记录', decision: '处理决定',
      progress: '进度', conflict: '冲突', rejection: '拒收记录', sealkey: '封签钥匙', voidlist: '作废名单', personkey: '个人钥匙',
      village: '村', unit: '院落或小组', person: '村民', proposal: '提议', meeting: '会议', vote: '投票', notice: '公示', fund: '专项资金',
      allocation: '资金安排', procedure: '议事流程',
    },
    named: '{kind}“{title}”',
    unknown: '一条记录',
  },
  en: {
    kind: {
      comment: 'comment', attendance: 'attendance', resolution: 'resolution', checkoff: 'voter check-off', ballot: 'ballot', papercount: 'paper count',
      ledger: 'ledger entry', cosign: 'co-signature', objection: 'objection', answer: 'answer to an objection', override: 'override', audit: 'log entry', decision: 'decision',
      progress: 'progress update', conflict: 'conflict', rejection: 'refusal', sealkey: 'seal key', voidlist: 'void list', personkey: 'person key',
      village: 'village', unit: 'courtyard or group', person: 'person', proposal: 'proposal', meeting: 'meeting', vote: 'vote', notice: 'notice', fund: 'fund',
      allocation: 'allocation', procedure: 'procedure',
    },
    named: '{kind} "{title}"',
    unknown: 'a record',
  },
}
