// Preloaded into the hub (NODE_OPTIONS=--import) by profile.ts: a CPU profile of the whole hub
// process, written to $HUB_PROFILE_DIR when it exits (Node 20 refuses --cpu-prof in NODE_OPTIONS).
import { Session } from 'node:inspector'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const session = new Session()
session.connect()
session.post('Profiler.enable')
session.post('Profiler.setSamplingInterval', { interval: 500 })
session.post('Profiler.start')
process.on('exit', () => {
  session.post('Profiler.stop', (err, res) => {
    if (!err) writeFileSync(join(process.env.HUB_PROFILE_DIR ?? '.', `hub-${process.pid}.cpuprofile`), JSON.stringify(res.profile))
  })
})
