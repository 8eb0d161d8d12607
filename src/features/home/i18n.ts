export default {
  'zh-CN': {
    home: {
      village: '本村',
      notEnrolled: '本平板尚未登记到村',
      actions: '要做的事',
      language: '语言',
      clerk: '文书：{name}（已解锁）',
      unlock: '文书用密码解锁',
      next: {
        title: '下一步做什么',
        enroll: '本平板还没有登记到村。向镇上工作人员要一个登记码，登记后就能开始用。',
        enrollGo: '登记本平板',
        roster: '先把本村的村民名册放进来：从 Excel 或 CSV 表格导入，或逐个添加。开会签到、投票都要用名册。',
        rosterGo: '导入村民名册',
        start: '名册已经有了。下一步：开始本年度的议事流程，从收集村民提议开始。',
        startGo: '开始议事流程',
        step: '现在是第 {n} 步（共 {total} 步）：{step}。',
        cycleGo: '看议事流程',
      },
    },
  },
  en: {
    home: {
      village: 'Village',
      notEnrolled: 'This tablet is not enrolled in a village yet',
      actions: 'What to do',
      language: 'Language',
      clerk: 'Clerk: {name} (unlocked)',
      unlock: 'Clerk: unlock with your PIN',
      next: {
        title: 'What to do next',
        enroll: 'This tablet is not enrolled in a village yet. Ask the township staff for an enrollment code; once enrolled, you can start.',
        enrollGo: 'Enroll this tablet',
        roster: "First bring in the village roster: import an Excel or CSV sheet, or add people one by one. Meetings' check-in and votes use it.",
        rosterGo: 'Import the roster',
        start: "The roster is in. Next: start this year's council cycle, beginning with collecting proposals.",
        startGo: 'Start the cycle',
        step: 'Now at step {n} of {total}: {step}. ',
        cycleGo: 'See the cycle',
      },
    },
  },
}
