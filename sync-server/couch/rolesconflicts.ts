import type { Db, Doc } from '../engine'
import { laterSignedRoles } from '../../src/shared/rosterroles'

const rolesOf = (doc: Doc) => (typeof doc.body === 'object' && doc.body !== null ? doc.body as { rolesSig?: unknown } : {})

/**
 * Person records that arrive by replication (`new_edits=false`: another hub, a peer sync, a restore)
 * may stand beside another version of the same person as a CouchDB conflict. CouchDB keeps each
 * version whole, so a person's roles never lose their own signature on the hub, but its winner is
 * the revision with the longer history or the larger id — which may be the roles signed earlier, and
 * every tablet then pulls those. Here the version whose roles prevail by the tablets' own merge rule
 * (`laterSignedRoles`: signed over unsigned, the later signature over the earlier) is written again
 * over the winner, whole, so that it wins everywhere the revision travels; the other versions stay
 * as CouchDB conflicts (nothing is deleted). Returns how many records were settled.
 */
export async function settleRolesConflicts(db: Db, ids: readonly string[]): Promise<number> {
  let settled = 0
  for (const id of new Set(ids.filter((i) => i.startsWith('person:')))) {
    const winner = await db.get(id, { conflicts: true }).catch(() => null)
    const others = Array.isArray(winner?._conflicts) ? winner._conflicts as string[] : []
    if (!winner || winner._deleted || others.length === 0) continue
    let best = winner
    for (const rev of others) {
      const leaf = await db.get(id, { rev }).catch(() => null)
      if (leaf && !leaf._deleted && laterSignedRoles(rolesOf(leaf), rolesOf(best)) === 'a') best = leaf
    }
    if (best === winner) continue
    const { _rev: _r, _conflicts: _c, _revisions: _v, ...content } = best
    // written meanwhile (409): the write that moved it on settles it again
    const put = await db.put({ ...content, _id: id, _rev: String(winner._rev) }).catch((e: { status?: number }) => { if (e?.status === 409) return null; throw e })
    if (put) settled++
  }
  return settled
}
