import { execFile } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { tallyCommand } from '@/domain/cli/tally'
import { domainError } from './support.ts'

const FIXTURES = resolve(process.cwd(), 'test/fixtures/pabulib')
const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.pb')).sort()
const load = (f: string) => D.readPabulib(readFileSync(resolve(FIXTURES, f), 'utf8'))
const sorted = (xs: readonly string[]) => [...xs].sort()

describe('Pabulib: real elections reproduced from the raw votes', () => {
  it('has the seven fixture files', () => {
    expect(files).toHaveLength(7)
  })

  it.each(files)('%s: the file\'s rule selects exactly its "selected" column', (file) => {
    const parsed = load(file)
    const election = D.electionOf(parsed)
    expect(election.ballots).toHaveLength(Number(parsed.meta.num_votes))
    expect(election.projects).toHaveLength(Number(parsed.meta.num_projects))
    const result = D.select(D.ruleOf(parsed.meta), election)
    expect(sorted(result.selected)).toEqual(sorted(election.selected))
    expect(result.cost).toBeLessThanOrEqual(election.budget)
  })

  it.each(files)('the tally command prints %s\'s selection as JSON', (file) => {
    const out = tallyCommand([resolve(FIXTURES, file)], (path) => readFileSync(path, 'utf8'))
    expect(out.code).toBe(0)
    const json = JSON.parse(out.stdout) as { rule: string; selected: string[]; cost: number; budget: number }
    const election = D.electionOf(load(file))
    expect(Object.keys(json)).toEqual(['rule', 'selected', 'cost', 'budget'])
    expect(json.rule).toBe(file.includes('Warszawa') ? 'greedy' : 'mes')
    expect(sorted(json.selected)).toEqual(sorted(election.selected))
    expect(json.budget).toBe(election.budget)
  })

  it('the command takes --rule, and refuses an unknown rule or a missing file', () => {
    const read = (path: string) => readFileSync(path, 'utf8')
    const assen = resolve(FIXTURES, 'Netherlands_Assen_2024.pb')
    const forced = JSON.parse(tallyCommand([assen, '--rule', 'greedy'], read).stdout)
    expect(forced.rule).toBe('greedy')
    expect(forced.cost).toBeLessThanOrEqual(100000)
    expect(tallyCommand([assen, '--rule=borda'], read)).toMatchObject({ code: 2, stdout: '' })
    expect(tallyCommand(['missing.pb'], read).code).toBe(1)
    expect(tallyCommand([], read).code).toBe(2)
  })

  it('runs as `npm run -s tally` with JSON on stdout', async () => {
    const run = promisify(execFile)
    const { stdout } = await run('npm', ['run', '-s', 'tally', '--', resolve(FIXTURES, 'Poland_Warszawa_2019_Piaski.pb')], { timeout: 60_000 })
    const json = JSON.parse(stdout)
    expect(sorted(json.selected)).toEqual(sorted(D.electionOf(load('Poland_Warszawa_2019_Piaski.pb')).selected))
  }, 60_000)
})

describe('Pabulib reader and writer', () => {
  it('writes what it reads', () => {
    const parsed = load('Netherlands_Assen_2024.pb')
    const again = D.readPabulib(D.writePabulib(parsed))
    expect(again).toEqual(parsed)
  })

  it('quotes fields with separators and reads them back', () => {
    const file: D.PabulibFile = {
      meta: { description: 'a; "quoted" one', budget: '100', rule: 'greedy', vote_type: 'approval' },
      projects: { columns: ['project_id', 'cost', 'name', 'selected'], rows: [{ project_id: '1', cost: '60', name: '路灯; 二期', selected: '1' }, { project_id: '2', cost: '50', name: 'path', selected: '0' }] },
      votes: { columns: ['voter_id', 'vote'], rows: [{ voter_id: 'v1', vote: '1,2' }, { voter_id: 'v2', vote: '1' }] },
    }
    const text = D.writePabulib(file)
    expect(text).toContain('"路灯; 二期"')
    expect(D.readPabulib(text)).toEqual(file)
    expect(D.select('greedy', D.electionOf(D.readPabulib(text))).selected).toEqual(['1'])
  })

  it('explains a malformed file', () => {
    expect(domainError(() => D.readPabulib('PROJECTS\nproject_id;cost\n')).message).toContain('META')
    expect(domainError(() => D.readPabulib('META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5\n')).message).toContain('VOTES')
    expect(domainError(() => D.ruleOf({ rule: 'sequential-phragmen' })).code).toBe('pabulib.rule')
  })
})
