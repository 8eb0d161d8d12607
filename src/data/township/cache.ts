/**
 * A tiny key–value store on IndexedDB for the township device: the last township summary
 * and the full records of villages opened, so the dashboard works offline. Falls back to
 * memory where IndexedDB is missing (tests in Node).
 */
const DB_NAME = 'yishi-township'
const STORE = 'kv'

let opening: Promise<IDBDatabase | null> | null = null
const memory = new Map<string, unknown>()

function open(): Promise<IDBDatabase | null> {
  if (typeof indexedDB === 'undefined') return Promise.resolve(null)
  opening ??= new Promise((resolve) => {
    const req = indexedDB.open(DB_NAME, 1)
    req.onupgradeneeded = () => { req.result.createObjectStore(STORE) }
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => resolve(null)
  })
  return opening
}

function run<T>(db: IDBDatabase, mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode)
    const req = fn(tx.objectStore(STORE))
    tx.oncomplete = () => resolve(req.result as T)
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB error'))
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
}

export async function cacheGet<T>(key: string): Promise<T | undefined> {
  const db = await open()
  if (!db) return memory.get(key) as T | undefined
  return run<T | undefined>(db, 'readonly', (s) => s.get(key))
}

export async function cacheSet(key: string, value: unknown): Promise<void> {
  const db = await open()
  if (!db) { memory.set(key, structuredClone(value)); return }
  await run(db, 'readwrite', (s) => s.put(value, key))
}

export async function cacheClear(): Promise<void> {
  const db = await open()
  if (!db) { memory.clear(); return }
  await run(db, 'readwrite', (s) => s.clear())
}
