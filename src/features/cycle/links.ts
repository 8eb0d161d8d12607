/**
 * Where each step of the default procedure is done: the route name of the screen to open. The vote
 * announcement starts from the vote (drafted first: its candidates and rules are what is announced).
 */
export const STEP_LINKS: Readonly<Record<string, string>> = {
  collect: 'proposals', feedback: 'proposals', deliberate: 'meetings', announce: 'votes', decide: 'votes',
  'publicise-decision': 'notices', 'publicise-process': 'accounts', 'publicise-accounts': 'accounts',
}
