import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const DOMAIN = resolve(process.cwd(), 'src/domain')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : []
  })
}

describe('the domain is pure', () => {
  it('imports nothing from the UI, storage, the DOM or Node (except the command-line tool)', () => {
    const offenders: string[] = []
    for (const file of files(DOMAIN)) {
      const rel = relative(DOMAIN, file)
      const source = readFileSync(file, 'utf8')
      for (const [, spec] of source.matchAll(/^\s*(?:import|export)\b[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
        const s = spec as string
        const allowed = s.startsWith('.') || s.startsWith('@noble/') || (rel.startsWith('cli') && s.startsWith('node:'))
        if (!allowed || /\/(data|stores|features)\//.test(s)) offenders.push(`${rel}: ${s}`)
      }
      if (!rel.startsWith('cli') && /(?<![\w'"])(window|document|localStorage|indexedDB|process)\.[a-zA-Z]/.test(source)) offenders.push(`${rel}: uses a browser or Node global`)
    }
    expect(offenders).toEqual([])
  })
})
