/** Maps a village's records to src/domain/compliance.ts and returns its flags. */
import type { TownshipFlag } from './types'
import type { VillageRecords } from './records'

export function complianceFlags(_r: VillageRecords, _now: number): TownshipFlag[] {
  return []
}
