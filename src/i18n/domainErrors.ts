/**
 * The domain's refusals (DomainError, src/domain/errors.ts) in words a person can act on: one
 * sentence per code, and for bad input the field by its name. The domain's own messages are English,
 * for logs. Chinese first; a test holds both languages to every code.
 */
export default {
  'zh-CN': {
    field: {
      name: '姓名', householdId: '户号', unitId: '院落或小组', title: '标题', motion: '议题', reason: '理由', amount: '金额',
      payee: '收款人', description: '说明', text: '内容', place: '地点', cost: '费用', budget: '预算', roles: '角色', other: '这一项',
    },
    invalid: {
      required: '“{field}”必须填写',
      type: '“{field}”填的不对，请重新填写',
      format: '“{field}”的格式不对，请重新填写',
      range: '“{field}”超出了允许的范围',
      tooLong: '“{field}”最多 {max} 个字，现在有 {actual} 个',
      tooShort: '“{field}”至少要 {min} 个字',
      choice: '“{field}”只能从给出的选项里选',
      duplicate: '这条记录已经有了，不能重复',
      reference: '这里提到的记录在本平板上找不到',
      order: '时间或顺序不对：结束不能早于开始',
    },
    person: {
      'minor-eligible': '未成年人没有投票权：把“投票权”改成“否”，或者核对“成年”这一栏',
    },
    procedure: {
      'unknown-step': '议事流程里没有这一步',
      'not-next': '还没轮到这一步：请按议事流程的顺序来',
      requirement: '这一步要求的事还没有做完',
      finished: '这一轮议事流程已经结束了',
      'override-invalid': '例外记录不完整：要写明是哪一步、谁决定的和理由',
    },
    meeting: {
      attendance: '签到人数和表决票数对不上，请核对',
      outcome: '表决结果和票数对不上，请核对',
      notice: '会议通知的时间不够，不能开会',
    },
    vote: {
      'not-open': '投票还没有开始',
      closed: '投票已经结束了',
      'not-eligible': '这个人不在这次投票的名单上',
      'not-closed': '投票还没有结束，不能做这一步',
    },
    ballot: {
      'too-many': '选的项目太多了',
      'too-few': '选的项目太少了',
      'unknown-candidate': '选票上有不在候选名单里的项目',
      'duplicate-choice': '同一个项目选了两次',
      'over-budget': '选的项目加起来超过了预算',
      'wrong-vote': '这张选票不是这次投票的',
    },
    doublevote: {
      invalid: '重复投票的处理决定不完整，请核对',
      'own-vote': '重复投票的本人不能决定自己的选票怎么算，请另选议事会成员或监事',
      undecided: '还有人重复投票，议事会还没有决定怎么算：先在“重复投票与冲突”页记录决定，再安排资金',
      'seals-unopened': '重复投票已经决定，但监事会还没有共同开封作废的票：开封后再安排资金',
    },
    seal: {
      invalid: '封存的选票打不开或对不上，请监事核对',
    },
    selection: {
      'needs-ballots': '还没有选票，不能计算结果',
    },
    papercount: {
      'same-person': '纸质选票要两个不同的人分别清点',
      mismatch: '两次清点的结果不一样，请重新清点',
      sum: '清点的票数加起来不对',
      options: '清点里有不在候选名单里的项目',
    },
    budget: {
      'over-fund': '安排的钱超过了专项资金',
      'unknown-project': '没有这个项目的资金安排',
    },
    ledger: {
      cosign: '这笔支出的会签不对，请监事核对',
      'over-allocation': '支出超过了这个项目安排的钱',
    },
    publicity: {
      'outside-window': '不在公示期内，不能做这件事',
      'open-objections': '还有异议没有答复，先答复异议',
      'not-ended': '公示期还没有满',
    },
    audit: {
      chain: '操作记录不完整或被改动过，请监事核查',
    },
    pabulib: {
      format: '这个投票文件的格式不对',
      rule: '这个投票文件用的分配方法本系统不支持',
    },
    act: {
      'not-allowed': '这件事要由有权的人来做',
    },
    gate: {
      'vote-notice': '投票公告的公示期还没有满，现在还不能开始投票',
      'spending-publicity': '决策公示期还没有满，现在还不能花钱',
    },
    // The data layer's refusals (src/data/errors.ts), by code.
    data: {
      invalid: '这条记录没有通过检查，没有保存，请核对后再试',
      'already-recorded': '这条记录已经保存过了',
      immutable: '这条记录保存后就不能再改了',
      'not-found': '要改的记录在本平板上找不到',
      locked: '本平板已锁定，请先解锁',
      'storage-full': '平板存储空间满了，没有保存：请先同步并归档往年的记录',
      other: '没有保存成功，请再试一次；还不行请联系乡镇',
    },
  },
  en: {
    field: {
      name: 'Name', householdId: 'Household no.', unitId: 'Courtyard or group', title: 'Title', motion: 'Motion', reason: 'Reason', amount: 'Amount',
      payee: 'Payee', description: 'Description', text: 'Text', place: 'Place', cost: 'Cost', budget: 'Budget', roles: 'Roles', other: 'This field',
    },
    invalid: {
      required: '"{field}" is required',
      type: '"{field}" is not filled in right: please type it again',
      format: '"{field}" is not in the right form: please type it again',
      range: '"{field}" is out of the allowed range',
      tooLong: '"{field}" takes at most {max} characters; it has {actual}',
      tooShort: '"{field}" needs at least {min} characters',
      choice: '"{field}" must be one of the choices given',
      duplicate: 'This record exists already',
      reference: 'A record this refers to is not on this tablet',
      order: 'The times or the order are wrong: an end cannot come before its start',
    },
    person: {
      'minor-eligible': 'A minor has no vote: set "vote" to no, or check the "adult" column',
    },
    procedure: {
      'unknown-step': 'The procedure has no such step',
      'not-next': 'Not this step yet: follow the order of the procedure',
      requirement: 'What this step needs is not done yet',
      finished: 'This cycle of the procedure is over',
      'override-invalid': 'The override is incomplete: say which step, who decided and why',
    },
    meeting: {
      attendance: 'The people present and the votes cast do not match: please check',
      outcome: 'The outcome does not match the votes: please check',
      notice: 'The meeting was not announced early enough to be held',
    },
    vote: {
      'not-open': 'The vote has not started',
      closed: 'The vote is closed',
      'not-eligible': 'This person is not on the list of this vote',
      'not-closed': 'The vote is still open: this must wait until it closes',
    },
    ballot: {
      'too-many': 'Too many projects chosen',
      'too-few': 'Too few projects chosen',
      'unknown-candidate': 'The ballot names a project that is not a candidate',
      'duplicate-choice': 'The same project is chosen twice',
      'over-budget': 'The projects chosen cost more than the budget',
      'wrong-vote': 'This ballot belongs to another vote',
    },
    doublevote: {
      invalid: 'The decision on the double vote is incomplete: please check',
      'own-vote': 'The voter cannot decide how their own double vote counts: choose another council member or supervisor',
      undecided: 'Someone voted twice and the council has not decided how it counts: record the decision on the “Double votes and conflicts” page before allocating the money',
      'seals-unopened': 'The double vote is decided, but the supervisors have not yet opened the void seals together: allocate the money after they do',
    },
    seal: {
      invalid: 'A sealed ballot does not open or does not match: the supervisors should check',
    },
    selection: {
      'needs-ballots': 'No ballots yet: there is no result to count',
    },
    papercount: {
      'same-person': 'Paper ballots are counted twice by two different people',
      mismatch: 'The two counts differ: count again',
      sum: 'The counted ballots do not add up',
      options: 'The count names a project that is not a candidate',
    },
    budget: {
      'over-fund': 'More money is allocated than the fund holds',
      'unknown-project': 'This project has no allocation',
    },
    ledger: {
      cosign: 'The co-signature of this expense is not right: the supervisors should check',
      'over-allocation': 'The expense is more than the project was allocated',
    },
    publicity: {
      'outside-window': 'Outside the publicity period: this cannot be done now',
      'open-objections': 'Objections are still unanswered: answer them first',
      'not-ended': 'The publicity period has not ended',
    },
    audit: {
      chain: 'The log of acts is incomplete or altered: the supervisors should check',
    },
    pabulib: {
      format: 'This vote file is not in the right form',
      rule: 'This vote file uses an allocation rule this system does not support',
    },
    act: {
      'not-allowed': 'Only someone entitled may do this',
    },
    gate: {
      'vote-notice': 'The vote’s announcement has not run its time: voting cannot start yet',
      'spending-publicity': 'The decision’s publicity has not ended: no money can be spent yet',
    },
    data: {
      invalid: 'This record did not pass the checks and was not saved: please check it and try again',
      'already-recorded': 'This record is saved already',
      immutable: 'This record cannot be changed once saved',
      'not-found': 'The record to change is not on this tablet',
      locked: 'This tablet is locked: unlock it first',
      'storage-full': 'The tablet’s storage is full and nothing was saved: sync, then archive past years',
      other: 'It was not saved: try again, and if it still fails, call the township',
    },
  },
}
