/** Summaries of V8 CPU profiles (Chromium's and Node's) by self time per function. */
interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }
export interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export function summarise(p: Profile, top = 40): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)))
  const total = (p.endTime - p.startTime) / 1000
  const byFn = new Map<string, number>()
  const byFile = new Map<string, number>()
  for (const [id, us] of self) {
    const n = byId.get(id)!
    const file = n.callFrame.url.replace(/^.*\/(node_modules\/)/, '').replace(/^.*\/(assets\/)?(?=[^/]+$)/, '') || '(native)'
    const key = `${n.callFrame.functionName || '(anon)'} ${file}:${n.callFrame.lineNumber + 1}`
    byFn.set(key, (byFn.get(key) ?? 0) + us / 1000)
    byFile.set(file, (byFile.get(file) ?? 0) + us / 1000)
  }
  const lines = [`total ${total.toFixed(0)} ms`]
  for (const [k, ms] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${ms.toFixed(0).padStart(7)} ms  ${k}`)
  return lines.join('\n')
}

