/**
 * The words of each compliance flag (src/domain/compliance.ts, FLAG_TEXTS): a title per code and a
 * sentence per wording, filled with the flag's details (names, and amounts, dates and step names the
 * screen has already put in words). Chinese first; a test holds both languages to every code.
 */
export default {
  'zh-CN': {
    other: '其他问题',
    'adopted-without-quorum': {
      title: '决议在不足法定人数时通过',
      'short-of-quorum': '“{motion}”记为通过，但到会 {present} 人（应到 {members} 人），法定人数是 {needed} 人',
      'short-of-yes': '“{motion}”记为通过，但只有 {yes} 票赞成，需要 {yesNeeded} 票',
    },
    'expense-without-cosign': {
      title: '支出没有监事会会签',
      expense: '付给“{payee}”的 {amount} 元（{project}）没有监事会会签',
      questioned: '付给“{payee}”的 {amount} 元（{project}）监事会提出疑问，还没有解决：{question}',
    },
    'work-before-publicity-ended': {
      title: '决策公示期未满就开始实施',
      'no-notice': '“{project}”在 {startedAt} 开工，决策没有公示',
      early: '“{project}”在决策公示结束前 {days} 天就开工了',
    },
    'allocations-over-fund': {
      title: '分配金额超过专项资金',
      over: '{year} 年专项资金 {fund} 元，已分配 {total} 元，超出 {over} 元',
    },
    'step-skipped-without-override': {
      title: '跳过环节但没有记录原因',
      'no-record': '“{step}”这一步既没有完成的记录，也没有记录原因',
      'override-missing': '“{step}”这一步引用的例外记录不存在，或不是这一步的',
    },
    'step-overridden': {
      title: '强行通过或跳过了一步（有记录的理由）',
      skip: '{person}跳过了“{step}”。理由：{reason}',
      proceed: '{person}在条件未满足时通过了“{step}”。理由：{reason}',
    },
    'step-taken-early': {
      title: '公示期未满就提前进行（有记录的理由）',
      early: '{person}让“{subject}”在公示期未满时提前进行（{step}）。理由：{reason}',
    },
    'vote-before-notice': {
      title: '投票公告期未满就开始投票，没有记录理由',
      'no-notice': '“{title}”没有发投票公告就开始投票，没有记录理由',
      early: '“{title}”从 {firstVoteAt} 开始投票，投票公告到 {noticeEndsAt} 才满期，没有记录理由',
    },
    'spending-before-publicity': {
      title: '决策公示期未满就开始花钱，没有记录理由',
      'no-notice': '“{project}”支出 {amount} 元，决策没有公示，没有记录理由',
      early: '“{project}”支出 {amount} 元时，决策公示到 {noticeEndsAt} 才满期，没有记录理由',
    },
    'act-by-wrong-person': {
      title: '由无权的人做了这件事',
      override: '“{step}”这一步的例外记录署名{person}，但此人不是文书',
    },
  },
  en: {
    other: 'Other problem',
    'adopted-without-quorum': {
      title: 'Resolution adopted without quorum',
      'short-of-quorum': '"{motion}" was recorded as adopted with {present} of {members} present; the quorum is {needed}',
      'short-of-yes': '"{motion}" was recorded as adopted with {yes} yes votes; {yesNeeded} were needed',
    },
    'expense-without-cosign': {
      title: 'Expense without the supervisory committee’s co-signature',
      expense: '{amount} yuan paid to "{payee}" ({project}) has no co-signature from the supervisory committee',
      questioned: '{amount} yuan paid to "{payee}" ({project}) was questioned by the supervisory committee, not yet answered: {question}',
    },
    'work-before-publicity-ended': {
      title: 'Work started before the decision’s publicity ended',
      'no-notice': 'Work on "{project}" started on {startedAt} with no public notice of the decision',
      early: 'Work on "{project}" started {days} day before the decision’s notice ended | Work on "{project}" started {days} days before the decision’s notice ended',
    },
    'allocations-over-fund': {
      title: 'Allocations above the fund',
      over: 'The {year} fund is {fund} yuan; {total} yuan is allocated, {over} yuan too much',
    },
    'step-skipped-without-override': {
      title: 'Step skipped without a recorded override',
      'no-record': 'The step "{step}" has neither a record of completion nor a recorded reason',
      'override-missing': 'The step "{step}" cites an override that is not on record for it',
    },
    'step-overridden': {
      title: 'A step forced through or skipped (reason on record)',
      skip: '{person} skipped "{step}". Reason: {reason}',
      proceed: '{person} passed "{step}" although it was not done. Reason: {reason}',
    },
    'step-taken-early': {
      title: 'Went ahead before the publicity ended (reason on record)',
      early: '{person} let "{subject}" go ahead before its publicity ended ({step}). Reason: {reason}',
    },
    'vote-before-notice': {
      title: 'Voting began before the announcement ended, with no reason on record',
      'no-notice': '"{title}" took votes with no public announcement and no reason on record',
      early: '"{title}" took votes from {firstVoteAt}, before its announcement ended on {noticeEndsAt}, with no reason on record',
    },
    'spending-before-publicity': {
      title: 'Money spent before the decision’s publicity ended, with no reason on record',
      'no-notice': '{amount} yuan spent on "{project}" with no public notice of the decision and no reason on record',
      early: '{amount} yuan spent on "{project}" before the decision’s notice ended on {noticeEndsAt}, with no reason on record',
    },
    'act-by-wrong-person': {
      title: 'Done by someone not allowed to do it',
      override: 'An override of the step "{step}" names {person}, who is not the clerk',
    },
  },
}
