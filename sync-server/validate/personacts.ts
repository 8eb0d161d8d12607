/**
 * The hub's side of acts a person signs (the rule itself: src/shared/personacts.ts). A record that
 * claims a person did a signed act (a supervisor's co-signature, a meeting's signature, a seal key, the
 * opening of void seals) carries the signature of each person it names, made with their key good at the act's time among the village's `personkey`
 * records the hub holds (or that land earlier in the same batch); and a `personkey` record is one the
 * village could have made: signed by itself, witnessed by the clerk who wrote it on a tablet of the
 * village (or pushed by a clerk account of the village), and replacing only a key of the same person.
 * Any enrolled tablet can write records; only the person's passphrase opens their key.
 */
import type { Db } from '../engine'
import type { Principal } from '../auth/accounts'
import { migrateBody, isDocKind } from '../../src/shared/schemas/index'
import { claimedSignatures, unsignedClaim, verifyPersonKey, type ActSignatureProblem, type PersonKeyRecord } from '../../src/shared/personacts'

type Doc = Record<string, unknown> & { _id?: string }

/** The record's body brought to its kind's current version, with its id (the shape the shared rules read). */
function flat(doc: Doc): ({ id: string } & Record<string, unknown>) | null {
  const body = doc.body
  if (!isDocKind(doc.kind) || typeof doc.v !== 'number' || body === null || typeof body !== 'object' || Array.isArray(body)) return null
  try {
    return { ...migrateBody(doc.kind, doc.v, body as Record<string, unknown>).body, id: String(doc._id) }
  } catch {
    return null
  }
}

/** Whether the batch holds anything the person-signature rules read (else the keys are not loaded). */
export function needsPersonKeys(docs: readonly Doc[]): boolean {
  return docs.some((d) => d.kind === 'personkey' || (d.body !== null && typeof d.body === 'object' && claimedSignatures(String(d.kind), d.body as Record<string, unknown>) !== null))
}

/** The village's person keys the hub holds (each one passed `personKeyRefusal` when it came). */
export async function storedPersonKeys(db: Db): Promise<PersonKeyRecord[]> {
  const r = await db.allDocs({ startkey: 'personkey:', endkey: 'personkey:\ufff0', include_docs: true })
  return r.rows.flatMap((row) => {
    const doc = row.doc as Doc | null | undefined
    const key = doc && doc.kind === 'personkey' && !doc._deleted ? flat(doc) : null
    return key ? [key as unknown as PersonKeyRecord] : []
  })
}

/** A `personkey` record as the hub's rules read it, when the document is one (for the batch's keys). */
export function personKeyOf(doc: Doc): PersonKeyRecord | null {
  return doc.kind === 'personkey' ? flat(doc) as unknown as PersonKeyRecord | null : null
}

const PROBLEMS: Record<ActSignatureProblem, string> = {
  'unsigned': 'it carries no signature of theirs',
  'unknown-key': 'it is signed with a key the hub does not hold for this village',
  'other-person': 'it is signed with another person\'s key',
  'forged-key': 'the key it is signed with is not signed by itself',
  'before-key': 'it is dated before their key was set up',
  'key-replaced': 'it is dated after their key was replaced',
  'bad-signature': 'its signature does not match the record',
}

/**
 * Why the hub refuses this record as a person's act or key, or null. `keys`: the village's keys the
 * hub holds and those accepted earlier in the batch; `p`: who pushed it.
 */
export function personActRefusal(doc: Doc, village: string, keys: readonly PersonKeyRecord[], p: Principal): string | null {
  const record = flat(doc)
  if (!record) return null
  if (doc.kind === 'personkey') return personKeyRefusal(doc, record as unknown as PersonKeyRecord, keys, p)
  const bad = unsignedClaim(String(doc.kind), village, record, keys)
  return bad ? `a ${bad.kind} in the name of ${bad.personId || 'no-one'} must be signed by that person with their own key, but ${PROBLEMS[bad.problem]}` : null
}

function personKeyRefusal(doc: Doc, key: PersonKeyRecord, keys: readonly PersonKeyRecord[], p: Principal): string | null {
  if (!verifyPersonKey(key)) return `the key of ${key.personId} is not signed by itself: whoever wrote it did not hold its secret`
  // An account writes as itself (rules.ts writerRefusal): only a clerk account of the village witnesses a key.
  const byAccount = doc.author === doc.device
  if (byAccount && !(p.kind === 'user' && p.role === 'clerk' && p.name === doc.author)) return `a person's key is set up in front of the clerk: account "${String(doc.author)}" is not a clerk of this village`
  if (!byAccount && doc.author !== key.witnessedBy) return `a person's key is witnessed by the clerk who writes it, but it is written by ${String(doc.author)} and names ${key.witnessedBy} as witness`
  if (key.witnessedBy === key.personId && !byAccount) return `${key.personId} cannot witness the setting up of their own key`
  const replaced = key.replaces ? keys.find((k) => k.id === key.replaces) : undefined
  if (replaced && replaced.personId !== key.personId) return `the key of ${key.personId} cannot replace ${replaced.personId}'s key`
  return null
}
