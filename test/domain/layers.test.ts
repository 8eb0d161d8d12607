import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

// The layers (eslint.config.js): domain ← shared ← data ← i18n ← stores ← components ← features ← modules,
// and the hub imports only the domain and the shared code. Each case is an import that goes up a layer.
const eslint = new ESLint({ cwd: process.cwd() })

async function refusals(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('the layers hold (ESLint refuses an import that goes up)', () => {
  // Loading the config and its plugins takes seconds on a busy machine: once, before the cases.
  beforeAll(() => eslint.calculateConfigForFile('src/stores/x.ts'), 60_000)

  it.each([
    ['src/domain/x.ts', "import { idRest } from '@/shared/schemas'"],
    ['src/shared/x.ts', "import { createRepositories } from '@/data'"],
    ['src/data/x.ts', "import { useVotesStore } from '@/stores/votes'"],
    ['src/stores/x.ts', "import { categoryIcon } from '@/features/proposals/categories'"],
    ['src/stores/x.ts', "import { holdUpdates } from '@/modules/pwa'"],
    ['src/stores/x.ts', "import AccessPageHeader from '@/components/AccessPageHeader.vue'"],
    ['src/components/x.ts', "import { yuan } from '@/features/votes/format'"],
    ['src/features/device/x.ts', "import { installData } from '@/modules/data'"],
    ['src/features/votes/x.ts', "import { createRxDatabase } from 'rxdb'"],
    ['src/i18n/x.ts', "import { useSessionStore } from '@/stores/session'"],
    ['sync-server/x.ts', "import { Writer } from '../src/data/writer'"],
  ])('%s: %s', async (file, code) => {
    expect(await refusals(file, `${code}\nexport const used = 1\n`)).toHaveLength(1)
  })

  it('lets each layer import the ones below it', async () => {
    expect(await refusals('src/stores/x.ts', "import * as D from '@/domain'\nimport type { Repositories } from '@/data'\nimport { i18n } from '@/i18n'\nexport const x = [D, i18n] as unknown as Repositories\n")).toEqual([])
    expect(await refusals('src/features/votes/x.ts', "import { useVotesStore } from '@/stores/votes'\nimport { AccessPageHeader } from '@/components'\nexport const x = [useVotesStore, AccessPageHeader]\n")).toEqual([])
    expect(await refusals('sync-server/x.ts', "import { summarizeVillage } from '../src/shared/township/summarize'\nexport const x = summarizeVillage\n")).toEqual([])
  })
})
