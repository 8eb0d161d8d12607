import { gunzipSync } from 'node:zlib'
import { CouchError, badRequest, unauthorized } from './errors'

/**
 * Request bodies may come gzipped (`Content-Encoding: gzip`, as CouchDB takes them): tablets
 * compress their pushes, a thin uplink being the narrowest part of their way. The limit a plain
 * body has applies to the body once inflated: inflation stops there and the request is refused
 * with 413, so a small "gzip bomb" costs the hub at most `limit` bytes and the time to inflate
 * them, and nothing is written. Only gzip: each other coding is one more decoder to trust. And only
 * from someone signed in: a stranger cannot make the hub inflate anything.
 */
export function decodeBody(raw: Buffer, encoding: string | string[] | undefined, limit: number, signedIn: boolean): Buffer {
  const coding = String(encoding ?? '').trim().toLowerCase()
  if (coding === '' || coding === 'identity') return raw
  if (!signedIn) throw unauthorized('sign in (or send the body uncompressed) first')
  if (coding !== 'gzip' && coding !== 'x-gzip') {
    throw new CouchError(415, 'bad_content_type', `Content-Encoding "${coding.slice(0, 40)}" is not supported: send the body plain or gzipped`)
  }
  try {
    // a plain view of the bytes (TS 6 with @types/node 20 will not pass a Buffer to zlib)
    return gunzipSync(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), { maxOutputLength: limit })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new CouchError(413, 'too_large', `the request entity is too large once inflated (more than ${limit} bytes)`)
    throw badRequest('the body is not valid gzip')
  }
}
