import { createRxSchema } from 'rxdb'
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { defaultHashSha256 } from 'rxdb/plugins/utils'
import { describe, expect, it } from 'vitest'
import type { DOCS_SCHEMA} from '@/data';
import { DOCS_SCHEMA_V0, DOCS_SCHEMA_V1, openVillageDatabase, yearOfTime } from '@/data'
import { validateDocument, type YishiDoc } from '@/shared/schemas'
import { createRepositories } from '@/data'
import { createSigner, recordProvenance, TrustStore } from '@/shared/provenance'
import { newSigningKeyPair } from '@/shared/signature'

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

  it('older collection schemas stay exactly as tablets in the field stored them (RxDB refuses to open a changed one)', async () => {
    // hashes of the schemas as released (RxDB compares them with the stored ones: error DB6)
    expect(await createRxSchema(DOCS_SCHEMA_V0, defaultHashSha256).hash).toBe('9a4d5c4c22b4dfa8464be8df9ec3059a4c83b7bf5ee6e562ce088eecf43a5a27')
    expect(await createRxSchema(DOCS_SCHEMA_V1, defaultHashSha256).hash).toBe('04b24a78c81205171ea77c728a522f89a51f2e7b6054979dea952c82caf39828')
  })

  it('a tablet at version 1 opens at version 2 with its unsigned records intact, then signs what it writes', async () => {
    const storage = getRxStorageMemory()
    const name = `mig1${Date.now().toString(36)}`
    const old = await openVillageDatabase({ villageId: 'qingbo', storage, name, schema: DOCS_SCHEMA_V1 as unknown as typeof DOCS_SCHEMA, migrations: {} })
    const before = await createRepositories(old, { villageId: 'qingbo', deviceId: 'tab-old', actor: () => 'person:clerk' })
    const p = await before.proposals.create({ title: '修路', status: 'open', proposedBy: 'person:a', createdAt: Date.now() })
    await old.close()

    const now = await openVillageDatabase({ villageId: 'qingbo', storage, name })
    try {
      const kept = (await now.docs.find().exec()).map((d) => d.toJSON() as YishiDoc)
      expect(kept.map((d) => d.kind).sort()).toEqual(['audit', 'proposal'])
      expect(kept.every((d) => d.sig === undefined)).toBe(true)
      const keys = newSigningKeyPair()
      const signer = createSigner(keys.secretKey)
      const data = await createRepositories(now, { villageId: 'qingbo', deviceId: 'tab-old', actor: () => 'person:clerk', signer })
      expect(data.writer.initialSeq).toBe(2)
      const edited = await data.proposals.update(p.id, { title: '修路（修改）' })
      const stored = (await now.docs.findOne(edited.id).exec())!.toJSON() as YishiDoc
      const trust = new TrustStore('qingbo', signer.publicKey)
      trust.devices.set('tab-old', { device: 'tab-old', village: 'qingbo', publicKey: signer.publicKey, enrolledAt: 0, unsignedUpTo: 2 })
      expect(await recordProvenance(stored, trust)).toEqual({ ok: true, by: 'device' })
      expect(validateDocument(stored)).toEqual({ ok: true })
    } finally {
      await now.db.remove()
    }
  })
})
