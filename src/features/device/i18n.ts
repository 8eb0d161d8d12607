export default {
  'zh-CN': {
    device: {
      enroll: {
        title: '登记本平板', intro: '请向镇上工作人员或村文书要登记码，输入后本平板就属于本村。',
        code: '登记码', label: '平板名称', labelHint: '例如：村委会平板 1', submit: '登记', working: '正在登记…',
        done: '登记成功，本平板已属于 {village}', clerkTitle: '设置文书密码', clerkName: '文书姓名', clerkId: '文书编号',
        pin: '密码（4–8 位数字）', savePin: '保存密码', pinSaved: '密码已保存',
        first: '这个页面要用本村的记录：请先登记本平板。', continue: '继续去刚才要打开的页面',
      },
      unlock: {
        title: '文书解锁', intro: '输入文书密码，没有网络也能用。', pin: '密码', submit: '解锁',
        wrong: '密码不对，还可以试 {n} 次', locked: '试错太多次，请 {time} 以后再试', noClerk: '本平板还没有设置文书密码',
        welcome: '{name}，您好', lock: '锁上',
      },
      sync: {
        title: '同步', now: '马上同步', working: '正在同步…', pending: '还没传到镇上的记录：{n} 条', none: '所有记录都已传到镇上',
        last: '上次同步：{time}', never: '还没有同步过', failed: '同步出了问题：{reason}', offline: '现在没有网络，有网络时会自动同步',
        refused: '镇上服务器退回了 {n} 条{kind}：{reason}', clock: '本平板的时间和镇上差了 {min} 分钟，请让文书校准时间',
        storage: '平板存储快满了（已用 {pct}%），请联系镇上把往年的记录归档', notEnrolled: '本平板还没有登记', enroll: '去登记',
        carry: '没有网络时带走数据', exportFile: '把未同步的记录存成文件', exported: '已存 {n} 条记录到文件', importFile: '导入另一台平板的文件',
        imported: '导入 {added} 条新记录，{skipped} 条已有，{conflicts} 处冲突', importRefused: '{n} 条记录没通过检查：{reason}',
      },
      photos: {
        loading: { title: '正在找照片…', hint: '请稍等' },
        offline: { title: '照片在镇上服务器上', hint: '有网络同步以后就会显示' },
        notOnHub: { title: '照片还没传到镇上', hint: '拍照的平板同步以后就会显示' },
        refused: { title: '这张照片不对，没有收下', hint: '镇上的这份照片坏了，请拍照的人再传一次' },
        failed: { title: '现在取不到这张照片', hint: '下次同步以后再试' },
      },
      years: {
        title: '往年的记录', intro: '过去的年份可以从本平板归档：记录还留在镇上服务器上，本平板腾出地方；需要时可以联网再看。',
        year: '{year} 年', count: '{n} 条记录', current: '今年还没结束，不能归档', none: '本平板上还没有记录',
        archive: '归档 {year} 年', confirm: '把 {year} 年的 {n} 条记录从本平板移走？镇上服务器还留着，联网可以再看。',
        yes: '确定归档', no: '先不归档', archived: '已归档 {year} 年：本平板移走了 {n} 条记录',
        unsynced: '{year} 年还有 {n} 条记录没传到镇上：请先同步，再归档', openYear: '{year} 年还没结束，不能归档',
        archivedTitle: '已归档的年份', view: '查看 {year} 年（从镇上取，只能看）', link: '往年的记录和归档',
      },
      archive: {
        title: '{year} 年的记录', loading: '正在从镇上服务器取记录…', offline: '看往年的记录要联网：现在没有网络，请有网络时再打开',
        failed: '取不到记录：{reason}', readOnly: '共 {n} 条记录，从镇上服务器取来，只能看，不能改', empty: '这一年没有提案、投票和账目',
        proposals: '提案', vote: '投票：{title}', ballots: '{n} 张电子选票，{paper} 张纸质选票', support: '{n} 票',
        funded: '拨款 ¥{amount}', accounts: '账目', fund: '{name}：¥{amount}，已花 ¥{spent}',
        status: { open: '收集中', merged: '已合并', shortlisted: '入选', candidate: '候选', rejected: '未通过', withdrawn: '已撤回' },
      },
      kinds: {
        ballot: '选票', checkoff: '投票登记', proposal: '提案', meeting: '会议', vote: '投票', attendance: '签到', ledger: '账目',
        objection: '异议', record: '记录',
      },
    },
  },
  en: {
    device: {
      enroll: {
        title: 'Enroll this tablet', intro: 'Ask township staff or the village clerk for an enrollment code; once entered, this tablet belongs to the village.',
        code: 'Enrollment code', label: 'Tablet name', labelHint: 'e.g. Committee tablet 1', submit: 'Enroll', working: 'Enrolling…',
        done: 'Enrolled: this tablet now belongs to {village}', clerkTitle: 'Set the clerk PIN', clerkName: 'Clerk name', clerkId: 'Clerk number',
        pin: 'PIN (4–8 digits)', savePin: 'Save PIN', pinSaved: 'PIN saved',
        first: "This screen uses the village's records: enroll this tablet first.", continue: 'Continue to the screen you were opening',
      },
      unlock: {
        title: 'Clerk unlock', intro: 'Enter the clerk PIN. Works without a network.', pin: 'PIN', submit: 'Unlock',
        wrong: 'Wrong PIN, {n} tries left', locked: 'Too many wrong PINs: try again after {time}', noClerk: 'No clerk PIN is set on this tablet',
        welcome: 'Hello, {name}', lock: 'Lock',
      },
      sync: {
        title: 'Sync', now: 'Sync now', working: 'Syncing…', pending: 'Records not yet at the hub: {n}', none: 'Every record is at the hub',
        last: 'Last sync: {time}', never: 'Never synced', failed: 'Sync failed: {reason}', offline: 'No network now; sync starts by itself when there is one',
        refused: 'The hub refused {n} {kind}: {reason}', clock: 'This tablet\'s clock is {min} minutes off the hub\'s: ask the clerk to set the time',
        storage: 'Tablet storage is nearly full ({pct}% used): ask the township to archive past years', notEnrolled: 'This tablet is not enrolled', enroll: 'Enroll',
        carry: 'Carry data without a network', exportFile: 'Save unsynced records to a file', exported: 'Saved {n} records to a file', importFile: 'Import a file from another tablet',
        imported: 'Imported {added} new records, {skipped} already here, {conflicts} conflicts', importRefused: '{n} records failed the checks: {reason}',
      },
      photos: {
        loading: { title: 'Finding the photo…', hint: 'One moment' },
        offline: { title: 'This photo is on the hub', hint: 'It will show after the next sync' },
        notOnHub: { title: 'This photo has not reached the hub', hint: 'It will show once the tablet that took it syncs' },
        refused: { title: 'This photo was wrong and not kept', hint: 'The hub\'s copy is damaged: ask whoever took it to send it again' },
        failed: { title: 'Cannot get this photo now', hint: 'It will be tried again after the next sync' },
      },
      years: {
        title: 'Past years', intro: 'A past year can be archived off this tablet: its records stay on the hub and the tablet gets room back; you can look at it again with a network.',
        year: '{year}', count: '{n} records', current: 'This year is not over: it cannot be archived', none: 'No records on this tablet yet',
        archive: 'Archive {year}', confirm: 'Take the {n} records of {year} off this tablet? The hub keeps them; you can view them again with a network.',
        yes: 'Archive', no: 'Not now', archived: 'Archived {year}: {n} records taken off this tablet',
        unsynced: '{n} records of {year} have not reached the hub yet: sync first, then archive', openYear: '{year} is not over yet: it cannot be archived',
        archivedTitle: 'Archived years', view: 'View {year} (from the hub, read-only)', link: 'Past years and archiving',
      },
      archive: {
        title: 'Records of {year}', loading: 'Fetching the records from the hub…', offline: 'Past years need a network: there is none now, open this again when there is',
        failed: 'Could not fetch the records: {reason}', readOnly: '{n} records, fetched from the hub: read-only', empty: 'No proposals, votes or accounts in this year',
        proposals: 'Proposals', vote: 'Vote: {title}', ballots: '{n} tablet ballots, {paper} paper ballots', support: '{n} votes',
        funded: 'allocated ¥{amount}', accounts: 'Accounts', fund: '{name}: ¥{amount}, spent ¥{spent}',
        status: { open: 'collecting', merged: 'merged', shortlisted: 'shortlisted', candidate: 'candidate', rejected: 'not chosen', withdrawn: 'withdrawn' },
      },
      kinds: {
        ballot: 'ballot(s)', checkoff: 'voter check-off(s)', proposal: 'proposal(s)', meeting: 'meeting(s)', vote: 'vote(s)', attendance: 'attendance record(s)',
        ledger: 'ledger entr(ies)', objection: 'objection(s)', record: 'record(s)',
      },
    },
  },
}
