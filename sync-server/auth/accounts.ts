import { createHash, randomBytes, randomInt, scrypt } from 'node:crypto'
import type { Db, Engine } from '../engine'

export const ACCOUNTS_DB = 'hub-accounts'
export const ID = /^[a-z][a-z0-9-]{1,40}$/
export const USER_NAME = /^[a-z][a-z0-9._-]{1,40}$/

export type Role = 'township' | 'clerk' | 'supervisor'

export interface Township { type: 'township'; id: string; name: string }
export interface Village { type: 'village'; id: string; township: string; name: string }
export interface User {
  type: 'user'; name: string; role: Role; township: string; village: string | null
  salt: string; hash: string; disabled: boolean; createdAt: number
}
export interface Device {
  type: 'device'; id: string; village: string; township: string; label: string
  secretHash: string; revoked: boolean; enrolledBy: string; createdAt: number
  /** the device's Ed25519 public key (base64url), registered once (validate/signature.ts) */
  publicKey?: string
  /** its records up to this seq were written before it had a key */
  unsignedUpTo?: number
  revokedAt?: number
}

/** An Ed25519 public key as base64url text. */
export const PUBLIC_KEY = /^[A-Za-z0-9_-]{43}$/
export interface Enrollment {
  type: 'enroll'; code: string; village: string; createdBy: string; expiresAt: number; usedBy: string | null
}
type Record_ = Township | Village | User | Device | Enrollment

/** Who is asking. Devices carry their village; township staff their township. */
export type Principal =
  | { kind: 'admin'; name: string }
  | { kind: 'user'; name: string; role: 'township'; township: string; village: null }
  | { kind: 'user'; name: string; role: 'clerk' | 'supervisor'; township: string; village: string }
  | { kind: 'device'; name: string; township: string; village: string }

export class AccountError extends Error {
  constructor(readonly status: number, message: string) { super(message) }
}

const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

export async function hashPassword(password: string, salt = randomBytes(16).toString('hex')): Promise<{ salt: string; hash: string }> {
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, 32, SCRYPT, (err, k) => (err ? reject(err) : resolve(k))))
  return { salt, hash: key.toString('hex') }
}

function sha256(text: string): string { return createHash('sha256').update(text).digest('hex') }

/** Constant-time comparison of two strings. */
export function sameSecret(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0)
  return diff === 0
}
const equalHex = sameSecret

function docId(r: Record_): string {
  switch (r.type) {
    case 'township': return `township:${r.id}`
    case 'village': return `village:${r.id}`
    case 'user': return `user:${r.name}`
    case 'device': return `device:${r.id}`
    case 'enroll': return `enroll:${r.code}`
  }
}

/**
 * Townships, villages, accounts, devices and enrollment codes, kept in the hub-private
 * `hub-accounts` database and mirrored in memory (one hub process owns its data folder).
 */
export class Accounts {
  readonly townships = new Map<string, Township>()
  readonly villages = new Map<string, Village>()
  readonly users = new Map<string, User>()
  readonly devices = new Map<string, Device>()
  readonly enrollments = new Map<string, Enrollment>()
  private revs = new Map<string, string>()
  private db!: Db
  /** Key that signs session cookies (hex). */
  secret!: string

  constructor(private readonly engine: Engine, readonly admin: { name: string; password: string }) {}

  async load(): Promise<void> {
    await this.engine.create(ACCOUNTS_DB)
    this.db = this.engine.db(ACCOUNTS_DB)
    const all = await this.db.allDocs({ include_docs: true })
    for (const row of all.rows) {
      const doc = row.doc as unknown as (Record_ & { _id: string; _rev: string }) | undefined
      if (!doc || row.id.startsWith('_')) continue
      this.revs.set(doc._id, doc._rev)
      if (row.id === 'secret:cookie') continue
      this.remember(strip(doc))
    }
    const secretDoc = all.rows.find((r) => r.id === 'secret:cookie')?.doc as { value?: string } | undefined
    if (secretDoc?.value) this.secret = secretDoc.value
    else {
      this.secret = randomBytes(32).toString('hex')
      await this.db.put({ _id: 'secret:cookie', value: this.secret })
    }
  }

  private remember(r: Record_): void {
    switch (r.type) {
      case 'township': this.townships.set(r.id, r); break
      case 'village': this.villages.set(r.id, r); break
      case 'user': this.users.set(r.name, r); break
      case 'device': this.devices.set(r.id, r); break
      case 'enroll': this.enrollments.set(r.code, r); break
    }
  }

  private async save(r: Record_): Promise<void> {
    const _id = docId(r)
    const rev = this.revs.get(_id)
    const res = await this.db.put({ ...r, _id, ...(rev ? { _rev: rev } : {}) } as never)
    this.revs.set(_id, res.rev)
    this.remember(r)
  }

  async addTownship(id: string, name: string): Promise<Township> {
    if (!ID.test(id)) throw new AccountError(400, `township id must match ${ID.source}`)
    if (this.townships.has(id)) throw new AccountError(409, `township ${id} exists`)
    const t: Township = { type: 'township', id, name }
    await this.save(t)
    return t
  }

  async addVillage(id: string, township: string, name: string): Promise<Village> {
    if (!ID.test(id)) throw new AccountError(400, `village id must match ${ID.source}`)
    if (!this.townships.has(township)) throw new AccountError(404, `no township ${township}`)
    if (this.villages.has(id)) throw new AccountError(409, `village ${id} exists`)
    await this.engine.create(`village-${id}`)
    const v: Village = { type: 'village', id, township, name }
    await this.save(v)
    return v
  }

  async addUser(opts: { name: string; password: string; role: Role; township?: string; village?: string }): Promise<User> {
    const { name, password, role } = opts
    if (!USER_NAME.test(name) || name === this.admin.name || name.startsWith('dev-')) throw new AccountError(400, `user name must match ${USER_NAME.source}, not start with dev- and not be the admin's`)
    if (this.users.has(name)) throw new AccountError(409, `user ${name} exists`)
    if (password.length < 8) throw new AccountError(400, 'password must be at least 8 characters')
    if (!['township', 'clerk', 'supervisor'].includes(role)) throw new AccountError(400, 'role must be township, clerk or supervisor')
    let township: string; let village: string | null = null
    if (role === 'township') {
      township = opts.township ?? ''
      if (!this.townships.has(township)) throw new AccountError(404, `no township ${township}`)
    } else {
      const v = this.villages.get(opts.village ?? '')
      if (!v) throw new AccountError(404, `no village ${opts.village}`)
      village = v.id; township = v.township
    }
    const { salt, hash } = await hashPassword(password)
    const u: User = { type: 'user', name, role, township, village, salt, hash, disabled: false, createdAt: Date.now() }
    await this.save(u)
    return u
  }

  async setPassword(name: string, password: string): Promise<void> {
    const u = this.users.get(name)
    if (!u) throw new AccountError(404, `no user ${name}`)
    if (password.length < 8) throw new AccountError(400, 'password must be at least 8 characters')
    await this.save({ ...u, ...(await hashPassword(password)) })
  }

  async setDisabled(name: string, disabled: boolean): Promise<void> {
    const u = this.users.get(name)
    if (!u) throw new AccountError(404, `no user ${name}`)
    await this.save({ ...u, disabled })
  }

  /** A one-time enrollment code (8 digits, easy to type or scan), valid for `ttlMs`. */
  async createEnrollment(village: string, createdBy: string, ttlMs = 24 * 3600_000): Promise<Enrollment> {
    if (!this.villages.has(village)) throw new AccountError(404, `no village ${village}`)
    let code = ''
    for (let i = 0; i < 20 && (code === '' || this.enrollments.has(code)); i++) code = String(randomInt(10_000_000, 100_000_000))
    const e: Enrollment = { type: 'enroll', code, village, createdBy, expiresAt: Date.now() + ttlMs, usedBy: null }
    await this.save(e)
    return e
  }

  /** Redeems an enrollment code for a long-lived device credential. The secret is shown once. */
  async enroll(code: string, label: string, publicKey?: string): Promise<{ device: Device; secret: string }> {
    if (publicKey !== undefined && !PUBLIC_KEY.test(publicKey)) throw new AccountError(400, 'the device key is not an Ed25519 public key')
    const e = this.enrollments.get(code)
    if (!e || e.usedBy !== null || e.expiresAt < Date.now()) throw new AccountError(403, 'enrollment code unknown, used or expired')
    const v = this.villages.get(e.village)
    if (!v) throw new AccountError(404, `no village ${e.village}`)
    const id = `dev-${randomBytes(6).toString('hex')}`
    const secret = randomBytes(24).toString('base64url')
    const device: Device = {
      type: 'device', id, village: v.id, township: v.township, label: label.slice(0, 80) || id,
      secretHash: sha256(secret), revoked: false, enrolledBy: e.createdBy, createdAt: Date.now(),
      ...(publicKey ? { publicKey, unsignedUpTo: 0 } : {}),
    }
    await this.save({ ...e, usedBy: id })
    await this.save(device)
    return { device, secret }
  }

  /**
   * Registers the key of a device enrolled before keys existed (once; the same key again is a no-op).
   * `unsignedUpTo`: its last seq before the key, whose records stay unsigned.
   */
  async registerKey(id: string, publicKey: string, unsignedUpTo: number): Promise<Device> {
    const d = this.devices.get(id)
    if (!d || d.revoked) throw new AccountError(404, `no device ${id}`)
    if (!PUBLIC_KEY.test(publicKey)) throw new AccountError(400, 'the device key is not an Ed25519 public key')
    if (!Number.isSafeInteger(unsignedUpTo) || unsignedUpTo < 0) throw new AccountError(400, 'unsignedUpTo must be a whole number')
    if (d.publicKey === publicKey) return d
    if (d.publicKey) throw new AccountError(409, 'this tablet already has a registered key: enroll it again to change it')
    const keyed = { ...d, publicKey, unsignedUpTo }
    await this.save(keyed)
    return keyed
  }

  async revokeDevice(id: string): Promise<Device> {
    const d = this.devices.get(id)
    if (!d) throw new AccountError(404, `no device ${id}`)
    const revoked = { ...d, revoked: true, revokedAt: d.revokedAt ?? Date.now() }
    await this.save(revoked)
    return revoked
  }

  /** Checks a name and password (or device secret); null when wrong, disabled or revoked. */
  async verify(name: string, password: string): Promise<Principal | null> {
    if (name === this.admin.name) {
      return sameSecret(sha256(password), sha256(this.admin.password)) ? { kind: 'admin', name } : null
    }
    if (name.startsWith('dev-')) {
      const d = this.devices.get(name)
      if (!d || d.revoked || !equalHex(sha256(password), d.secretHash)) return null
      return this.principal(name)
    }
    const u = this.users.get(name)
    if (!u || u.disabled) return null
    const { hash } = await hashPassword(password, u.salt)
    return equalHex(hash, u.hash) ? this.principal(name) : null
  }

  /** The current principal for a name (null when gone, disabled or revoked). */
  principal(name: string): Principal | null {
    if (name === this.admin.name) return { kind: 'admin', name }
    const d = this.devices.get(name)
    if (d) return d.revoked ? null : { kind: 'device', name, township: d.township, village: d.village }
    const u = this.users.get(name)
    if (!u || u.disabled) return null
    if (u.role === 'township') return { kind: 'user', name, role: 'township', township: u.township, village: null }
    return { kind: 'user', name, role: u.role, township: u.township, village: u.village ?? '' }
  }

  /** A token that changes whenever the credential behind `name` changes (password, revocation). */
  credentialStamp(name: string): string {
    if (name === this.admin.name) return 'admin'
    const d = this.devices.get(name)
    if (d) return d.revoked ? 'revoked' : d.secretHash
    const u = this.users.get(name)
    return u && !u.disabled ? u.hash : 'gone'
  }
}

function strip<T extends { _id?: string; _rev?: string }>(doc: T): Omit<T, '_id' | '_rev'> & Record_ {
  const { _id: _i, _rev: _r, ...rest } = doc
  return rest as unknown as Omit<T, '_id' | '_rev'> & Record_
}
