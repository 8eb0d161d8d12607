import { createHash, randomBytes, randomInt, scrypt } from 'node:crypto'
import type { Db, Doc, Engine } from '../engine'
import { LIMITS } from '../limits'

export const ACCOUNTS_DB = 'hub-accounts'
export const ID = /^[a-z][a-z0-9-]{1,40}$/
export const USER_NAME = /^[a-z][a-z0-9._-]{1,40}$/

export type Role = 'township' | 'clerk' | 'supervisor'

export type Township = { type: 'township'; id: string; name: string }
export type Village = { type: 'village'; id: string; township: string; name: string }
export type User = {
  type: 'user'; name: string; role: Role; township: string; village: string | null
  salt: string; hash: string; disabled: boolean; createdAt: number
}
export type Device = {
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
export type Enrollment = {
  type: 'enroll'; code: string; village: string; createdBy: string; expiresAt: number; usedBy: string | null
}
/** When an account's sessions were last ended (logout, password change): cookies issued before are void. */
export type SessionsEnded = { type: 'sessions'; name: string; at: number }
type Record_ = Township | Village | User | Device | Enrollment | SessionsEnded

/** What each field of each stored record must be: the database is shared with other hub processes (and CouchDB's admins). */
type FieldType = 'text' | 'number' | 'boolean' | 'role' | 'text?' | 'number?' | 'text|null'
const FIELDS: { [T in Record_['type']]: Record<string, FieldType> } = {
  township: { id: 'text', name: 'text' },
  village: { id: 'text', township: 'text', name: 'text' },
  user: { name: 'text', role: 'role', township: 'text', village: 'text|null', salt: 'text', hash: 'text', disabled: 'boolean', createdAt: 'number' },
  device: {
    id: 'text', village: 'text', township: 'text', label: 'text', secretHash: 'text', revoked: 'boolean', enrolledBy: 'text', createdAt: 'number',
    publicKey: 'text?', unsignedUpTo: 'number?', revokedAt: 'number?',
  },
  enroll: { code: 'text', village: 'text', createdBy: 'text', expiresAt: 'number', usedBy: 'text|null' },
  sessions: { name: 'text', at: 'number' },
}
const ROLES: readonly unknown[] = ['township', 'clerk', 'supervisor'] satisfies Role[]
const isRecordType = (t: unknown): t is Record_['type'] => typeof t === 'string' && Object.hasOwn(FIELDS, t)

function fieldIs(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'text': return typeof value === 'string'
    case 'number': return typeof value === 'number'
    case 'boolean': return typeof value === 'boolean'
    case 'role': return ROLES.includes(value)
    case 'text?': return value === undefined || typeof value === 'string'
    case 'number?': return value === undefined || typeof value === 'number'
    case 'text|null': return value === null || typeof value === 'string'
  }
}

/** A stored account record whose every field is of its type (anything else in the database is left out). */
function isAccountRecord(doc: Doc): doc is Doc & Record_ {
  if (!isRecordType(doc.type)) return false
  return Object.entries(FIELDS[doc.type]).every(([field, type]) => fieldIs(doc[field], type))
}

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
    case 'sessions': return `sessions:${r.name}`
  }
}

/**
 * Townships, villages, accounts, devices and enrollment codes, kept in the hub-private
 * `hub-accounts` database and mirrored in memory. On the local engine this process is the only
 * writer. On CouchDB other hub processes write too: the mirror follows the database's changes
 * (an enrollment, a revocation or a password change made through another hub takes effect here
 * as it commits), a name or code not in the mirror is looked up before it is refused, and every
 * update is made against the stored revision (a concurrent one is re-read and re-applied, so a
 * code is redeemed once and two hubs cannot create the same account).
 */
export class Accounts {
  readonly townships = new Map<string, Township>()
  readonly villages = new Map<string, Village>()
  readonly users = new Map<string, User>()
  readonly devices = new Map<string, Device>()
  readonly enrollments = new Map<string, Enrollment>()
  private readonly sessionsEnded = new Map<string, number>()
  private revs = new Map<string, string>()
  private db!: Db
  private unfollow: (() => void) | null = null
  /** Key that signs session cookies (hex). */
  secret!: string

  constructor(private readonly engine: Engine, readonly admin: { name: string; password: string }) {}

  async load(): Promise<void> {
    await this.engine.create(ACCOUNTS_DB)
    this.db = this.engine.db(ACCOUNTS_DB)
    // followed before the first read, so no change made meanwhile slips between
    if (!this.engine.soleWriter) this.unfollow = this.engine.onChange(ACCOUNTS_DB, (id) => { if (id) void this.reload(id).catch(() => undefined) })
    const all = await this.db.allDocs({ include_docs: true })
    for (const row of all.rows) {
      const doc = row.doc
      if (!doc || !row.id || row.id.startsWith('_')) continue
      this.revs.set(row.id, String(doc._rev))
      if (isAccountRecord(doc)) this.remember(strip(doc))
    }
    const secretDoc = all.rows.find((r) => r.id === 'secret:cookie')?.doc as { value?: string } | undefined
    if (secretDoc?.value) this.secret = secretDoc.value
    else {
      const secret = randomBytes(32).toString('hex')
      try {
        await this.db.put({ _id: 'secret:cookie', value: secret })
        this.secret = secret
      } catch (e) {
        if ((e as { status?: number }).status !== 409) throw e
        this.secret = String((await this.db.get('secret:cookie')).value) // another hub made it first
      }
    }
  }

  /** Stops following the database (the hub is closing). */
  close(): void { this.unfollow?.() }

  /** Reads one record again from the database into the mirror (gone: forgotten). */
  private async reload(id: string): Promise<void> {
    if (id === 'secret:cookie' || id.startsWith('_')) return
    const doc = await this.db.get(id).catch((e: { status?: number }) => { if (e.status === 404) return null; throw e })
    if (doc) {
      this.revs.set(id, String(doc._rev))
      if (isAccountRecord(doc)) this.remember(strip(doc))
      return
    }
    this.revs.delete(id)
    const type = id.slice(0, id.indexOf(':'))
    const key = id.slice(id.indexOf(':') + 1)
    const maps: Record<string, Map<string, unknown>> = { township: this.townships, village: this.villages, user: this.users, device: this.devices, enroll: this.enrollments, sessions: this.sessionsEnded }
    maps[type]?.delete(key)
  }

  /** A record another hub may have just written: looked up when the mirror does not have it. */
  private async lookUp(id: string): Promise<void> {
    if (!this.engine.soleWriter) await this.reload(id)
  }

  private remember(r: Record_): void {
    switch (r.type) {
      case 'township': this.townships.set(r.id, r); break
      case 'village': this.villages.set(r.id, r); break
      case 'user': this.users.set(r.name, r); break
      case 'device': this.devices.set(r.id, r); break
      case 'enroll': this.enrollments.set(r.code, r); break
      case 'sessions': this.sessionsEnded.set(r.name, r.at); break
    }
  }

  /** Writes a new record; 409 when it exists (made here or by another hub). */
  private async save(r: Record_): Promise<void> {
    const _id = docId(r)
    try {
      const res = await this.db.put({ ...r, _id })
      this.revs.set(_id, res.rev)
    } catch (e) {
      if ((e as { status?: number }).status !== 409) throw e
      await this.reload(_id).catch(() => undefined)
      throw new AccountError(409, `${r.type} ${_id.slice(_id.indexOf(':') + 1)} exists`)
    }
    this.remember(r)
  }

  /**
   * Changes a stored record: `apply` gets the current version and returns the new one (or
   * throws). When another hub changed it meanwhile, it is read again and `apply` runs again.
   */
  private async update<T extends Record_>(current: () => T | undefined, apply: (cur: T) => T, missing: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const cur = current()
      if (!cur) throw new AccountError(404, missing)
      const next = apply(cur)
      const _id = docId(next)
      const rev = this.revs.get(_id)
      try {
        const res = await this.db.put({ ...next, _id, ...(rev ? { _rev: rev } : {}) })
        this.revs.set(_id, res.rev)
        this.remember(next)
        return next
      } catch (e) {
        if ((e as { status?: number }).status !== 409 || attempt >= 4) throw e
        await this.reload(_id)
      }
    }
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

  /** Sets a new password; every session of the account begun before ends. */
  async setPassword(name: string, password: string): Promise<void> {
    await this.lookUp(`user:${name}`)
    if (!this.users.has(name)) throw new AccountError(404, `no user ${name}`)
    if (password.length < 8) throw new AccountError(400, 'password must be at least 8 characters')
    const hashed = await hashPassword(password)
    await this.update(() => this.users.get(name), (u) => ({ ...u, ...hashed }), `no user ${name}`)
    await this.endSessions(name)
  }

  /**
   * Ends every session (cookie) of `name` begun until now: logout, password change. Stored in
   * `hub-accounts`, so on CouchDB every hub's mirror hears of it as it commits.
   */
  async endSessions(name: string): Promise<void> {
    const id = docId({ type: 'sessions', name, at: 0 })
    if (!this.sessionsEnded.has(name)) await this.lookUp(id)
    if (!this.sessionsEnded.has(name)) {
      try {
        await this.save({ type: 'sessions', name, at: Date.now() })
        return
      } catch (e) {
        if (!(e instanceof AccountError && e.status === 409)) throw e // another hub ended them first: end them again, later
      }
    }
    const current = (): SessionsEnded | undefined => {
      const at = this.sessionsEnded.get(name)
      return at === undefined ? undefined : { type: 'sessions', name, at }
    }
    await this.update(current, (cur) => ({ ...cur, at: Math.max(Date.now(), cur.at + 1) }), `no sessions record for ${name}`)
  }

  /** When `name`'s sessions were last ended (0: never). */
  sessionsEndedAt(name: string): number { return this.sessionsEnded.get(name) ?? 0 }

  async setDisabled(name: string, disabled: boolean): Promise<void> {
    await this.lookUp(`user:${name}`)
    await this.update(() => this.users.get(name), (u) => ({ ...u, disabled }), `no user ${name}`)
  }

  /**
   * A one-time enrollment code, valid for `ttlMs` (at most 7 days): 12 digits, typed in groups of
   * four or scanned. Wrong codes are limited to 1,200 an hour from everywhere together (limits.ts),
   * so over a code's longest life (7 days) a guesser tries about 2·10^5 of 10^12: one chance in
   * five million per code outstanding.
   */
  async createEnrollment(village: string, createdBy: string, ttlMs = 24 * 3600_000): Promise<Enrollment> {
    if (!this.villages.has(village)) throw new AccountError(404, `no village ${village}`)
    const now = Date.now()
    const waiting = [...this.enrollments.values()].filter((e) => e.village === village && e.usedBy === null && e.expiresAt > now).length
    if (waiting >= LIMITS.enrollCodesWaiting) throw new AccountError(429, `village ${village} already has ${waiting} unused enrollment codes; use them or wait until they expire`)
    let code = ''
    for (let i = 0; i < 20 && (code === '' || this.enrollments.has(code)); i++) {
      code = `${randomInt(0, 1_000_000).toString().padStart(6, '0')}${randomInt(0, 1_000_000).toString().padStart(6, '0')}`
    }
    const e: Enrollment = { type: 'enroll', code, village, createdBy, expiresAt: Date.now() + ttlMs, usedBy: null }
    await this.save(e)
    return e
  }

  /**
   * Redeems an enrollment code for a long-lived device credential (null: unknown, used or
   * expired). The secret is shown once.
   */
  async enroll(code: string, label: string, publicKey?: string): Promise<{ device: Device; secret: string } | null> {
    if (publicKey !== undefined && !PUBLIC_KEY.test(publicKey)) throw new AccountError(400, 'the device key is not an Ed25519 public key')
    if (!/^\d{1,20}$/.test(code)) return null
    if (!this.enrollments.has(code)) await this.lookUp(`enroll:${code}`)
    const id = `dev-${randomBytes(6).toString('hex')}`
    const refused = new AccountError(403, 'enrollment code unknown, used or expired')
    // marked used against the stored revision: a code redeemed at once through two hubs serves one
    const e = await this.update(() => this.enrollments.get(code), (cur) => {
      if (cur.usedBy !== null || cur.expiresAt < Date.now()) throw refused
      return { ...cur, usedBy: id }
    }, refused.message).catch((err: unknown) => { if (err instanceof AccountError) return null; throw err })
    if (!e) return null
    const v = this.villages.get(e.village)
    if (!v) throw new AccountError(404, `no village ${e.village}`)
    const secret = randomBytes(24).toString('base64url')
    const device: Device = {
      type: 'device', id, village: v.id, township: v.township, label: label.slice(0, 80) || id,
      secretHash: sha256(secret), revoked: false, enrolledBy: e.createdBy, createdAt: Date.now(),
      ...(publicKey ? { publicKey, unsignedUpTo: 0 } : {}),
    }
    await this.save(device)
    return { device, secret }
  }

  /**
   * Registers the key of a device enrolled before keys existed (once; the same key again is a no-op).
   * `unsignedUpTo`: its last seq before the key, whose records stay unsigned.
   */
  async registerKey(id: string, publicKey: string, unsignedUpTo: number): Promise<Device> {
    if (!PUBLIC_KEY.test(publicKey)) throw new AccountError(400, 'the device key is not an Ed25519 public key')
    if (!Number.isSafeInteger(unsignedUpTo) || unsignedUpTo < 0) throw new AccountError(400, 'unsignedUpTo must be a whole number')
    await this.lookUp(`device:${id}`)
    const d = this.devices.get(id)
    if (!d || d.revoked) throw new AccountError(404, `no device ${id}`)
    if (d.publicKey === publicKey) return d
    // against the stored revision: two hubs registering two keys for one tablet keep one
    return this.update(() => this.devices.get(id), (cur) => {
      if (cur.revoked) throw new AccountError(404, `no device ${id}`)
      if (cur.publicKey) throw new AccountError(409, 'this tablet already has a registered key: enroll it again to change it')
      return { ...cur, publicKey, unsignedUpTo }
    }, `no device ${id}`)
  }

  async revokeDevice(id: string): Promise<Device> {
    await this.lookUp(`device:${id}`)
    return this.update(() => this.devices.get(id), (d) => ({ ...d, revoked: true, revokedAt: d.revokedAt ?? Date.now() }), `no device ${id}`)
  }

  /** Checks a name and password (or device secret); null when wrong, disabled or revoked. */
  async verify(name: string, password: string): Promise<Principal | null> {
    if (name === this.admin.name) {
      return sameSecret(sha256(password), sha256(this.admin.password)) ? { kind: 'admin', name } : null
    }
    if (name.startsWith('dev-')) {
      if (!this.devices.has(name)) await this.lookUp(`device:${name}`)
      const d = this.devices.get(name)
      if (!d || d.revoked || !equalHex(sha256(password), d.secretHash)) return null
      return this.principal(name)
    }
    if (!this.users.has(name)) await this.lookUp(`user:${name}`)
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

/** The record without its storage fields. */
function strip(doc: Doc & Record_): Record_ {
  const record = { ...doc }
  delete record._id; delete record._rev
  return record
}
