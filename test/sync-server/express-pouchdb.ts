import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../support/hub'

export interface ExpressPouch { url: string; pid: number; stop: () => Promise<void> }

/**
 * express-pouchdb (the off-the-shelf CouchDB clone, with express 4) on PouchDB 9 LevelDB
 * files, in its own process and without authentication: a stand-in CouchDB for the
 * COUCHDB_URL engine test and the baseline of the hub benchmark.
 */
export async function startExpressPouch(): Promise<ExpressPouch> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'yishi-express-pouchdb-'))
  const code = `
    const express = require('express'); const PouchDB = require('pouchdb');
    const P = PouchDB.defaults({ prefix: ${JSON.stringify(dir + '/')} });
    const app = express(); app.use('/', require('express-pouchdb')(P, { mode: 'minimumForPouchDB', logPath: ${JSON.stringify(join(dir, 'log.txt'))} }));
    app.listen(${port}, '127.0.0.1', () => console.log('READY'));`
  const child = spawn(process.execPath, ['-e', code], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr?.on('data', (c: Buffer) => { out += c.toString() })
  const deadline = Date.now() + 30_000
  while (!out.includes('READY')) {
    if (child.exitCode !== null || Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`express-pouchdb did not start: ${out.slice(0, 500)}`) }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `http://127.0.0.1:${port}`, pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 3000)
        await exited
        clearTimeout(killer)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
