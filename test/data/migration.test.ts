import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { describe, expect, it } from 'vitest'
import type { DOCS_SCHEMA} from '@/data';
import { DOCS_SCHEMA_V0, openVillageDatabase, yearOfTime } from '@/data'
import { validateDocument, type YishiDoc } from '@/shared/schemas'
import { createRepositories } from '@/data'

describe('schema migration', () => {
  it('a tablet with data in collection schema version 0 opens at version 1 and keeps all its data', async () => {
    const storage = getRxStorageMemory()
    const name = `mig${Date.now().toString(36)}`
    const old = await openVillageDatabase({ villageId: 'qingbo', storage, name, schema: DOCS_SCHEMA_V0 as unknown as typeof DOCS_SCHEMA, migrations: {} })
    const t0 = Date.UTC(2025, 11, 31, 20, 0) // 2026-01-01 04:00 in Chengdu
    const v0docs = [
      { id: 'fund:f2025', kind: 'fund', v: 1, village: 'qingbo', author: 'person:clerk', device: 'tab-old', deviceTime: t0, seq: 1, ref: '', body: { year: 2025, amount: 20_000_000, source: '专项资金' } },
      ...Array.from({ length: 50 }, (_, i) => ({
        id: `proposal:p${i}`, kind: 'proposal', v: 1, village: 'qingbo', author: 'person:clerk', device: 'tab-old', deviceTime: t0 + i, seq: i + 2, ref: '',
        body: { title: `提案 ${i}`, status: 'open', proposedBy: 'person:a', createdAt: t0 + i },
      })),
    ]
    await old.docs.bulkInsert(v0docs as never)
    await old.close()

    const now = await openVillageDatabase({ villageId: 'qingbo', storage, name })
    try {
      const docs = (await now.docs.find().exec()).map((d) => d.toJSON() as YishiDoc)
      expect(docs).toHaveLength(51)
      expect(docs.find((d) => d.id === 'fund:f2025')?.year).toBe(2025)
      expect(docs.find((d) => d.id === 'proposal:p7')?.year).toBe(2026)
      expect(yearOfTime(t0)).toBe(2026)
      for (const d of docs) expect(validateDocument(d)).toEqual({ ok: true })
      // and the app keeps working on the migrated data: seq continues after the old device's writes
      const data = await createRepositories(now, { villageId: 'qingbo', deviceId: 'tab-old', actor: () => 'person:clerk' })
      const p = await data.proposals.update('proposal:p7', { title: '提案 7（修改）' })
      expect(p.meta.seq).toBe(52)
      expect((await data.proposals.list()).length).toBe(50)
    } finally {
      await now.db.remove()
    }
  })
})
