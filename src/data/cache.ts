/**
 * On-disk cache of processed float32 arrays: one file per key, a JSON header line then the raw arrays.
 * Keys hash everything the arrays depend on (recipe parameters and source bytes), so a stale file is never read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { cacheDir } from '../paths.js';
import { writeFileAtomic } from '../io/atomic.js';

export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

export interface Cached {
  meta: Record<string, unknown>;
  arrays: Record<string, Float32Array>;
}

export function cachePath(name: string, key: string): string {
  return join(cacheDir(), `${name}-${key}.bin`);
}

export function readCache(name: string, key: string): Cached | undefined {
  const p = cachePath(name, key);
  if (!existsSync(p)) return undefined;
  try {
    const buf = readFileSync(p);
    const nl = buf.indexOf(10);
    const head = JSON.parse(buf.subarray(0, nl).toString('utf8')) as {
      meta: Record<string, unknown>;
      arrays: [string, number][];
    };
    let off = nl + 1;
    off = (off + 3) & ~3;
    const arrays: Record<string, Float32Array> = {};
    for (const [nm, len] of head.arrays) {
      if (!Number.isSafeInteger(len) || len < 0 || off + len * 4 > buf.length) return undefined; // truncated: rebuild
      const copy = new Float32Array(len);
      copy.set(new Float32Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + len * 4)));
      arrays[nm] = copy;
      off += len * 4;
    }
    return { meta: head.meta, arrays };
  } catch {
    return undefined; // unreadable cache: rebuild
  }
}

export function writeCache(name: string, key: string, c: Cached): void {
  const head = Buffer.from(
    JSON.stringify({ meta: c.meta, arrays: Object.entries(c.arrays).map(([k, v]) => [k, v.length]) }) + '\n',
  );
  const pad = ((head.length + 3) & ~3) - head.length;
  const parts: Buffer[] = [head, Buffer.alloc(pad)];
  for (const a of Object.values(c.arrays)) parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  try {
    writeFileAtomic(cachePath(name, key), Buffer.concat(parts));
  } catch {
    /* a read-only cache folder only costs time */
  }
}
