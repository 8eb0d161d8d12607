/** Who may do what, and the prompt that asks the person for their own secret. */
export default {
  'zh-CN': {
    acting: {
      // keys are the acts of src/domain/acts.ts with '-' for '.' (vue-i18n reads a dot as a path)
      who: {
        villager: '村民', clerk: '文书', chair: '会议主持人（议事会成员）', supervisor: '监事', township: '镇上工作人员',
      },
      act: {
        'proposal-raise': '提出提议', 'comment-add': '发表意见', 'objection-raise': '提出异议', 'ballot-cast': '投票',
        'roster-edit': '修改村民名册', 'roster-roles': '给村民定职务（文书、监事、议事会成员）', 'cycle-advance': '推进议事流程', 'cycle-override': '提前或跳过一步（要写明理由）',
        'proposal-sort': '整理提议（合并、列入候选）', 'meeting-run': '组织会议（签到、记录、表决）', 'vote-setup': '设置投票',
        'vote-run': '开始或结束投票', 'notice-publish': '发布公示', 'objection-answer': '答复异议', 'conflict-decide': '记录议事会对冲突的决定',
        'accounts-record': '记账、记录实施进度和资金安排', 'key-witness': '同意另一位文书设密码', 'personkey-witness': '用文书本人的钥匙见证设置口令', 'peer-pair': '和另一台平板同步记录', 'papercount-enter': '录入纸质选票计数',
        'meeting-sign-chair': '主持人签名', 'meeting-sign-supervisor': '监事签名', 'expense-cosign': '监事会签支出',
        'notice-republish': '要求重新公示', 'sealkey-create': '设置监事的封签钥匙', 'seal-open': '打开作废封条', 'township-view': '查看全镇情况',
      },
      title: '要由本人确认：{act}',
      needs: '这件事只能由{who}来做。',
      pick: '您是哪一位？',
      pin: '{name}，请输入您的密码（数字）',
      passphrase: '{name}，请输入您本人的口令',
      ok: '确定',
      cancel: '不做了',
      wrong: '密码或口令不对，还可以再试 {n} 次。',
      locked: '试错太多次，已锁定，{time} 以后再试。',
      notAllowed: '这个人不能做这件事。',
      refused: {
        cancelled: '没有做：{act}需要本人输入密码或口令。',
        'no-one': '这台平板上还没有能做这件事的人：{act}要由{who}来做，先在“本人口令”或登记页为他设置密码或口令。',
        'no-clerk-key': '文书还没有经乡镇服务器确认的本人钥匙，不能见证。请文书先在“本人口令”页设置自己的钥匙（要联网，用文书账号或镇上账号确认）。',
        'no-roles-key': '已经生效的职务只能由文书用本人钥匙签名后更改。请文书先在“本人口令”页设置自己的钥匙（要联网，用文书账号或镇上账号确认）。',
      },
      badge: '{name}正在操作',
      lock: '锁定',
      locked_now: '平板已锁定，做事时会请本人输入密码。',
    },
  },
  en: {
    acting: {
      who: {
        villager: 'a villager', clerk: 'the clerk', chair: 'the meeting chair (a council member)', supervisor: 'a supervisor', township: 'township staff',
      },
      act: {
        'proposal-raise': 'raise a proposal', 'comment-add': 'comment', 'objection-raise': 'raise an objection', 'ballot-cast': 'vote',
        'roster-edit': 'change the roster', 'roster-roles': 'give people their roles (clerk, supervisor, council)', 'cycle-advance': 'move the cycle on', 'cycle-override': 'take a step early or skip it (with a reason)',
        'proposal-sort': 'sort proposals (merge, shortlist)', 'meeting-run': 'run a meeting (check-in, minutes, decisions)', 'vote-setup': 'set up a vote',
        'vote-run': 'open or close a vote', 'notice-publish': 'publish a notice', 'objection-answer': 'answer an objection', 'conflict-decide': "record the council's decision on a conflict",
        'accounts-record': 'record spending, progress and allocations', 'key-witness': "agree to another clerk's PIN", 'personkey-witness': "witness a passphrase being set up, with the clerk's own key", 'peer-pair': 'sync records with another tablet', 'papercount-enter': 'enter a paper ballot count',
        'meeting-sign-chair': "sign as the meeting's chair", 'meeting-sign-supervisor': 'sign as a supervisor', 'expense-cosign': 'co-sign an expense',
        'notice-republish': 'order a notice published again', 'sealkey-create': "set up a supervisor's seal key", 'seal-open': 'open void seals', 'township-view': 'see the township',
      },
      title: 'Confirm in person: {act}',
      needs: 'Only {who} may do this.',
      pick: 'Who are you?',
      pin: '{name}, type your PIN',
      passphrase: '{name}, type your own passphrase',
      ok: 'OK',
      cancel: 'Cancel',
      wrong: 'Wrong PIN or passphrase: {n} more try. | Wrong PIN or passphrase: {n} more tries.',
      locked: 'Too many wrong tries: locked until {time}.',
      notAllowed: 'This person may not do this.',
      refused: {
        cancelled: 'Not done: to {act}, the person must type their PIN or passphrase.',
        'no-one': 'Nobody on this tablet may do this yet: to {act} takes {who}. Set up their PIN or passphrase first (enrollment page, or "own passphrase").',
        'no-clerk-key': 'The clerk has no key certified by the hub yet, so cannot witness. The clerk first sets up their own key on the "own passphrase" page (online, confirmed with the clerk\'s or the township\'s account).',
        'no-roles-key': 'Roles that are in force change only with the clerk\'s own key. The clerk first sets up their own key on the "own passphrase" page (online, confirmed with the clerk\'s or the township\'s account).',
      },
      badge: '{name} is acting',
      lock: 'Lock',
      locked_now: 'The tablet is locked: each act asks the person for their PIN.',
    },
  },
}
