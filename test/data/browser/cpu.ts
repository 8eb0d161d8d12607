import { readFileSync, readdirSync } from 'node:fs'

/**
 * CPU seconds (user + system) used so far by this process's descendants, by kind: Chromium's
 * processes (`browser`, `renderer`, `gpu-process`, `utility`, …) and the hub (`hub`). On a shared,
 * busy machine the CPU a phase costs varies far less than its wall time. Linux only (/proc);
 * empty elsewhere.
 */
export function descendantsCpu(): Map<string, number> {
  const parent = new Map<number, number>(); const ticks = new Map<number, number>(); const kind = new Map<number, string>()
  let dirs: string[] = []
  try { dirs = readdirSync('/proc') } catch { return new Map() }
  for (const d of dirs) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parent.set(Number(d), Number(f[1])); ticks.set(Number(d), Number(f[11]) + Number(f[12]))
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ')
      kind.set(Number(d), cmd.includes('sync-server/main.ts') ? 'hub' : (/--type=(\S+)/.exec(cmd)?.[1] ?? (cmd.includes('chrom') ? 'browser' : 'other')))
    } catch { /* gone meanwhile */ }
  }
  const out = new Map<string, number>()
  for (const [pid, t] of ticks) {
    let p = parent.get(pid)
    for (let i = 0; i < 20 && p !== undefined && p > 1; i++) {
      if (p === process.pid) { out.set(`${kind.get(pid)}:${pid}`, t / 100); break }
      p = parent.get(p)
    }
  }
  return out
}

/** CPU seconds between two readings, by kind, and in total. */
export function cpuSince(before: Map<string, number>, after = descendantsCpu()): { total: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {}
  let total = 0
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0)
    const kindName = k.split(':')[0] ?? 'other'
    byKind[kindName] = Math.round(((byKind[kindName] ?? 0) + d) * 100) / 100
    total += d
  }
  return { total: Math.round(total * 100) / 100, byKind }
}
