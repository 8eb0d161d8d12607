import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { LocalEngine } from '../../sync-server/engine/local'
import { ACCOUNTS_DB, Accounts } from '../../sync-server/auth/accounts'

const ADMIN = { name: 'admin', password: 'admin-password-1' }
let dir = ''
let engine: LocalEngine | null = null

afterEach(async () => {
  await engine?.close()
  engine = null
  if (dir) rmSync(dir, { recursive: true, force: true })
})

it('reads back only account records whose every field has its type (the database is shared with other hubs)', async () => {
  dir = mkdtempSync(join(tmpdir(), 'yishi-accounts-'))
  engine = new LocalEngine(dir)
  const first = new Accounts(engine, ADMIN)
  await first.load()
  await first.addTownship('xinmin', '新民镇')
  await first.addVillage('taoyuan', 'xinmin', '桃源村')
  const db = engine.db(ACCOUNTS_DB)
  const device = { type: 'device', village: 'taoyuan', township: 'xinmin', label: '一号平板', secretHash: 'ab', enrolledBy: 'admin', createdAt: 1 }
  await db.put({ _id: 'device:good', id: 'good', revoked: false, ...device })
  // written by hand or by a hub of another version: 'revoked' is not a boolean, a user without a password hash
  await db.put({ _id: 'device:odd', id: 'odd', revoked: 'no', ...device })
  await db.put({ _id: 'user:nohash', type: 'user', name: 'nohash', role: 'clerk', township: 'xinmin', village: 'taoyuan', salt: 's', disabled: false, createdAt: 1 })
  first.close()

  const again = new Accounts(engine, ADMIN)
  await again.load()
  expect(again.townships.get('xinmin')?.name).toBe('新民镇')
  expect(again.villages.get('taoyuan')).toEqual({ type: 'village', id: 'taoyuan', township: 'xinmin', name: '桃源村' })
  expect(again.devices.get('good')?.revoked).toBe(false)
  expect(again.devices.has('odd')).toBe(false)
  expect(again.users.has('nohash')).toBe(false)
  expect(again.credentialStamp('nohash')).toBe('gone')
  again.close()
})
