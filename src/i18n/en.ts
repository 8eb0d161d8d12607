import type zhCN from './zh-CN'

type Messages<T> = { [K in keyof T]: T[K] extends string ? string : Messages<T[K]> }

const en: Messages<typeof zhCN> = {
  app: { name: 'Yishi', tagline: 'Courtyard councils · decide together · in the open' },
  actions: {
    proposals: 'Proposals',
    proposalsHint: "Collect residents' needs",
    meetings: 'Meetings',
    meetingsHint: 'Councils, check-in, minutes',
    votes: 'Votes',
    votesHint: 'Choose the projects',
    notices: 'Notices',
    noticesHint: 'Decision, process, accounts',
    accounts: 'Accounts',
    accountsHint: 'Fund and spending',
    supervision: 'Supervision',
    supervisionHint: "Supervisory committee's checks",
    township: 'Township',
    townshipHint: 'All villages at a glance',
    comingSoon: 'Not available yet',
    cycle: 'Council cycle',
    cycleHint: 'Where we are, what is missing',
    roster: 'Roster',
    rosterHint: 'Households, people, roles, voters',
  },
  sync: {
    title: 'Sync',
    never: 'Never synced',
    offline: 'Offline: data is kept on this tablet',
    online: 'Online',
    syncing: 'Syncing…',
    lastSync: 'Last sync: {time}',
    pending: '{n} record waiting to upload | {n} records waiting to upload',
    problem: {
      unreachable: 'Cannot reach the township hub: everything is kept on this tablet and syncs once there is a network',
      revoked: 'The township hub no longer accepts this tablet (enrollment revoked or expired): enroll the tablet again',
      forbidden: 'This tablet may not sync this village’s records: ask the township',
      'no-village': 'This village is not set up on the township hub yet: ask the township',
      'too-large': 'A record is too large for the township hub: ask the township',
      'too-many': 'The township hub asks this tablet to wait: it tries again in a few minutes',
      hub: 'The township hub has a problem: it tries again shortly',
      other: 'The sync did not work: it tries again shortly',
    },
    now: 'Sync now',
  },
  tablet: {
    named: 'tablet “{name}”',
    unnamed: 'tablet (number ending {tail})',
    unknown: 'a tablet',
    self: 'this tablet',
    hub: 'the township hub',
  },
  lang: { 'zh-CN': '中文', en: 'English' },
  access: {
    readAloud: 'Read aloud',
    stop: 'Stop reading',
    noVoice: 'this tablet has no voice',
    largeText: 'Large text',
    back: 'Back',
    normalText: 'Normal text',
  },
}

export default en
