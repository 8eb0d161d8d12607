import { fail } from '../errors.ts'

/**
 * Field checks shared by the validating constructors. Each reads `input[field]`, throws a
 * `DomainError` naming the entity and field ("person.name: required") or returns the value.
 */
type Input = Record<string, unknown>

export const ID_REST = /^[A-Za-z0-9_.:-]{1,120}$/
export const SLUG = /^[a-z][a-z0-9-]{1,40}$/

function where(entity: string, field: string): string {
  return `${entity}.${field}`
}

export function asInput(entity: string, input: unknown): Input {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail('invalid.type', `${entity}: expected an object, got ${describe(input)}`, { entity })
  }
  return input as Input
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)
  return typeof value === 'number' ? String(value) : typeof value
}

function missing(entity: string, field: string): never {
  fail('invalid.required', `${where(entity, field)}: required`, { entity, field })
}

export function str(entity: string, input: Input, field: string, opts: { max?: number; min?: number; optional?: boolean } = {}): string {
  const value = input[field]
  if (value === undefined || value === null) {
    if (opts.optional) return ''
    missing(entity, field)
  }
  if (typeof value !== 'string') fail('invalid.type', `${where(entity, field)}: expected text, got ${describe(value)}`, { entity, field })
  const text = value.trim()
  const min = opts.min ?? (opts.optional ? 0 : 1)
  if (text.length < min) {
    if (text.length === 0 && !opts.optional) missing(entity, field)
    fail('invalid.range', `${where(entity, field)}: at least ${min} characters`, { entity, field, min })
  }
  const max = opts.max ?? 2000
  if (text.length > max) fail('invalid.range', `${where(entity, field)}: at most ${max} characters, got ${text.length}`, { entity, field, max, actual: text.length })
  return text
}

/** A document id `<kind>:<rest>` (see src/data/README.md). */
export function id(entity: string, input: Input, field: string, kind: string, opts: { optional?: boolean } = {}): string {
  const value = input[field]
  if ((value === undefined || value === null || value === '') && opts.optional) return ''
  return checkId(entity, field, value, kind)
}

export function checkId(entity: string, field: string, value: unknown, kind: string): string {
  if (value === undefined || value === null || value === '') missing(entity, field)
  if (typeof value !== 'string') fail('invalid.type', `${where(entity, field)}: expected an id, got ${describe(value)}`, { entity, field })
  const prefix = `${kind}:`
  if (!value.startsWith(prefix) || !ID_REST.test(value.slice(prefix.length))) {
    fail('invalid.format', `${where(entity, field)}: expected an id like "${kind}:abc", got ${describe(value)}`, { entity, field, kind, value })
  }
  return value
}

export function slug(entity: string, input: Input, field: string): string {
  const value = input[field]
  if (value === undefined || value === null || value === '') missing(entity, field)
  if (typeof value !== 'string' || !SLUG.test(value)) {
    fail('invalid.format', `${where(entity, field)}: expected lowercase letters, digits and dashes (2–41, starting with a letter), got ${describe(value)}`, { entity, field, value })
  }
  return value
}

export function int(entity: string, input: Input, field: string, opts: { min?: number; max?: number; optional?: boolean; fallback?: number } = {}): number {
  const value = input[field]
  if (value === undefined || value === null) {
    if (opts.fallback !== undefined) return opts.fallback
    missing(entity, field)
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    fail('invalid.type', `${where(entity, field)}: expected a whole number, got ${describe(value)}`, { entity, field })
  }
  checkRange(entity, field, value, opts.min, opts.max)
  return value
}

export function num(entity: string, input: Input, field: string, opts: { min?: number; max?: number; fallback?: number } = {}): number {
  const value = input[field]
  if (value === undefined || value === null) {
    if (opts.fallback !== undefined) return opts.fallback
    missing(entity, field)
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail('invalid.type', `${where(entity, field)}: expected a number, got ${describe(value)}`, { entity, field })
  }
  checkRange(entity, field, value, opts.min, opts.max)
  return value
}

function checkRange(entity: string, field: string, value: number, min?: number, max?: number): void {
  if (min !== undefined && value < min) fail('invalid.range', `${where(entity, field)}: must be at least ${min}, got ${value}`, { entity, field, min, actual: value })
  if (max !== undefined && value > max) fail('invalid.range', `${where(entity, field)}: must be at most ${max}, got ${value}`, { entity, field, max, actual: value })
}

/** A time in ms since the epoch (integer, after 2000-01-01). Optional times use 0 for "none". */
export function time(entity: string, input: Input, field: string, opts: { optional?: boolean } = {}): number {
  const value = input[field]
  if ((value === undefined || value === null || value === 0) && opts.optional) return 0
  return int(entity, input, field, { min: 946_684_800_000, max: 8_640_000_000_000 })
}

/** Money: integer fen (1 yuan = 100 fen), never negative. */
export function money(entity: string, input: Input, field: string, opts: { fallback?: number; min?: number } = {}): number {
  return int(entity, input, field, { min: opts.min ?? 0, ...(opts.fallback !== undefined ? { fallback: opts.fallback } : {}) })
}

export function bool(entity: string, input: Input, field: string, fallback?: boolean): boolean {
  const value = input[field]
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback
    missing(entity, field)
  }
  if (typeof value !== 'boolean') fail('invalid.type', `${where(entity, field)}: expected true or false, got ${describe(value)}`, { entity, field })
  return value
}

export function oneOf<T extends string>(entity: string, input: Input, field: string, allowed: readonly T[], fallback?: T): T {
  const value = input[field]
  if ((value === undefined || value === null) && fallback !== undefined) return fallback
  if (value === undefined || value === null) missing(entity, field)
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail('invalid.choice', `${where(entity, field)}: expected one of ${allowed.join(', ')}, got ${describe(value)}`, { entity, field, allowed, value })
  }
  return value as T
}

export function list<T>(entity: string, input: Input, field: string, item: (value: unknown, index: number) => T, opts: { min?: number; max?: number; unique?: (t: T) => string } = {}): T[] {
  const value = input[field] ?? []
  if (!Array.isArray(value)) fail('invalid.type', `${where(entity, field)}: expected a list, got ${describe(value)}`, { entity, field })
  const min = opts.min ?? 0
  const max = opts.max ?? 10_000
  if (value.length < min) fail('invalid.range', `${where(entity, field)}: at least ${min} item(s), got ${value.length}`, { entity, field, min, actual: value.length })
  if (value.length > max) fail('invalid.range', `${where(entity, field)}: at most ${max} item(s), got ${value.length}`, { entity, field, max, actual: value.length })
  const out = value.map(item)
  if (opts.unique) {
    const seen = new Set<string>()
    for (const t of out) {
      const key = opts.unique(t)
      if (seen.has(key)) fail('invalid.duplicate', `${where(entity, field)}: ${key} appears twice`, { entity, field, value: key })
      seen.add(key)
    }
  }
  return out
}

export function idList(entity: string, input: Input, field: string, kind: string, opts: { min?: number; max?: number } = {}): string[] {
  return list(entity, input, field, (v, i) => checkId(entity, `${field}[${i}]`, v, kind), { ...opts, unique: (s) => s })
}
