/**
 * `npm run -s tally -- FILE.pb [--rule greedy|greedy-no-skip|mes]`
 * Tallies the raw VOTES of a Pabulib file with its own rule (or the one given) and prints
 * {"rule": "...", "selected": [...], "cost": N, "budget": N} on stdout.
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { DomainError } from '../errors.ts'
import { SELECTION_RULES } from '../model/types.ts'
import type { SelectionRule } from '../model/types.ts'
import { electionOf, readPabulib, ruleOf } from '../pabulib.ts'
import { select } from '../selection.ts'

const USAGE = 'usage: npm run -s tally -- FILE.pb [--rule greedy|greedy-no-skip|mes]\n'

export interface CommandResult { code: number; stdout: string; stderr: string }

/** The command without the process around it: arguments in, exit code and output out. */
export function tallyCommand(argv: readonly string[], readText: (path: string) => string): CommandResult {
  const done = (code: number, stdout: string, stderr = '') => ({ code, stdout, stderr })
  let file = ''
  let rule: SelectionRule | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--rule' || arg.startsWith('--rule=')) {
      const value = arg.includes('=') ? arg.slice('--rule='.length) : argv[++i]
      if (!value || !(SELECTION_RULES as readonly string[]).includes(value)) return done(2, '', `--rule must be one of ${SELECTION_RULES.join(', ')}, got "${value ?? ''}"\n`)
      rule = value as SelectionRule
    } else if (arg === '--help' || arg === '-h') return done(0, USAGE)
    else if (!file) file = arg
    else return done(2, '', `unexpected argument "${arg}"\n${USAGE}`)
  }
  if (!file) return done(2, '', USAGE)
  let text: string
  try { text = readText(file) } catch (e) { return done(1, '', `cannot read ${file}: ${(e as Error).message}\n`) }
  try {
    const parsed = readPabulib(text)
    const chosen = rule ?? ruleOf(parsed.meta)
    const election = electionOf(parsed)
    const result = select(chosen, election)
    return done(0, JSON.stringify({ rule: chosen, selected: result.selected, cost: result.cost, budget: election.budget }) + '\n')
  } catch (e) {
    if (e instanceof DomainError) return done(1, '', `${file}: ${e.message}\n`)
    throw e
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = tallyCommand(process.argv.slice(2), (path) => readFileSync(path, 'utf8'))
  process.stdout.write(result.stdout)
  process.stderr.write(result.stderr)
  process.exitCode = result.code
}
