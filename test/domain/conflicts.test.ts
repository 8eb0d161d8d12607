import { describe, expect, it } from 'vitest'
import * as D from '@/domain'

// One voter (wang) checked off on three tablets leaves two conflict records on the same check-off;
// li on two tablets leaves one. A lost edit of a notice is a conflict record of its own.
const conflicts = [
  { id: 'conflict:tab-2-4.tab-1-9', subjectId: 'checkoff:v1:wang', reason: 'double-checkoff' },
  { id: 'conflict:tab-3-2.tab-1-9', subjectId: 'checkoff:v1:wang', reason: 'double-checkoff' },
  { id: 'conflict:tab-2-5.tab-1-3', subjectId: 'checkoff:v1:li', reason: 'double-checkoff' },
  { id: 'conflict:tab-2-7.tab-1-8', subjectId: 'notice:n1', reason: 'concurrent-edit' },
]

describe('what sync found, counted once', () => {
  it('counts a voter seen on three tablets as one double vote, not two', () => {
    expect(D.unresolvedDoubleVotes(conflicts, [])).toEqual(['checkoff:v1:wang', 'checkoff:v1:li'])
    const items = D.conflictItems(conflicts, [])
    expect(items.map((i) => [i.key, i.records.length])).toEqual([['checkoff:v1:wang', 2], ['checkoff:v1:li', 1], ['conflict:tab-2-7.tab-1-8', 1]])
  })

  it('settles a double vote by a decision on the voter\'s check-off, not on one of its conflict records', () => {
    expect(D.unresolvedDoubleVotes(conflicts, [{ subjectId: 'checkoff:v1:wang' }])).toEqual(['checkoff:v1:li'])
    expect(D.unresolvedDoubleVotes(conflicts, [{ subjectId: 'conflict:tab-2-4.tab-1-9' }])).toEqual(['checkoff:v1:wang', 'checkoff:v1:li'])
  })

  it('settles an edit conflict by a decision on the conflict, not by a decision about the record it concerns', () => {
    // the supervisors ordering the notice republished decides nothing about the lost edit
    expect(D.unresolvedConflicts(conflicts, [{ subjectId: 'notice:n1' }]).map((c) => c.id)).toEqual(['conflict:tab-2-7.tab-1-8'])
    expect(D.unresolvedConflicts(conflicts, [{ subjectId: 'conflict:tab-2-7.tab-1-8' }])).toEqual([])
  })
})
