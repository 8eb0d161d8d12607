/**
 * `npm run -s tally -- FILE.pb [--rule greedy|greedy-no-skip|mes]`
 * Tallies the raw VOTES of a Pabulib file with its own rule (or the one given) and prints
 * {"rule": "...", "selected": [...], "cost": N, "budget": N} on stdout.
 */
import { readFileSync } from 'node:fs'
import { DomainError } from '../errors.ts'
import { SELECTION_RULES } from '../model/types.ts'
import type { SelectionRule } from '../model/types.ts'
import { electionOf, readPabulib, ruleOf } from '../pabulib.ts'
import { select } from '../selection.ts'

function main(argv: string[]): number {
  let file = ''
  let rule: SelectionRule | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--rule' || arg.startsWith('--rule=')) {
      const value = arg.includes('=') ? arg.slice('--rule='.length) : argv[++i]
      if (!value || !(SELECTION_RULES as readonly string[]).includes(value)) {
        process.stderr.write(`--rule must be one of ${SELECTION_RULES.join(', ')}, got "${value ?? ''}"\n`)
        return 2
      }
      rule = value as SelectionRule
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run -s tally -- FILE.pb [--rule greedy|greedy-no-skip|mes]\n')
      return 0
    } else if (!file) file = arg
    else { process.stderr.write(`unexpected argument "${arg}"\n`); return 2 }
  }
  if (!file) { process.stderr.write('usage: npm run -s tally -- FILE.pb [--rule greedy|greedy-no-skip|mes]\n'); return 2 }
  let text: string
  try { text = readFileSync(file, 'utf8') } catch (e) {
    process.stderr.write(`cannot read ${file}: ${(e as Error).message}\n`)
    return 1
  }
  try {
    const parsed = readPabulib(text)
    const chosen = rule ?? ruleOf(parsed.meta)
    const election = electionOf(parsed)
    const result = select(chosen, election)
    process.stdout.write(JSON.stringify({ rule: chosen, selected: result.selected, cost: result.cost, budget: election.budget }) + '\n')
    return 0
  } catch (e) {
    if (e instanceof DomainError) { process.stderr.write(`${file}: ${e.message}\n`); return 1 }
    throw e
  }
}

process.exitCode = main(process.argv.slice(2))
