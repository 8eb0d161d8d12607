/** Where each step of the default procedure is done: the route name of the screen to open. */
export const STEP_LINKS: Readonly<Record<string, string>> = {
  collect: 'proposals', feedback: 'proposals', deliberate: 'meetings', announce: 'notices', decide: 'votes',
  'publicise-decision': 'notices', 'publicise-process': 'accounts', 'publicise-accounts': 'accounts',
}
