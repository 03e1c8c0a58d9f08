/**
 * Structured mutators for the fuzz harness: byte-level (truncation, bit flips, huge declared sizes, inserted,
 * deleted and repeated ranges) and JSON-level (wrong types, deep nesting, NaN/Infinity-like and huge numbers,
 * huge arrays, control characters, duplicate and "__proto__" keys, deleted fields). Every choice comes from a
 * seeded generator, so a failing case is reproduced by its seed.
 */

/** A small deterministic generator (xorshift32) keyed by a seed. */
export function rng(seed: number): { int(n: number): number; pick<T>(a: readonly T[]): T; chance(p: number): boolean } {
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  return {
    int: (n) => Math.floor(next() * n),
    pick: (a) => a[Math.floor(next() * a.length)],
    chance: (p) => next() < p,
  };
}

type R = ReturnType<typeof rng>;

const HUGE32 = [0xffffffff, 0x7fffffff, 0x80000000, 0x40000000, 0x00ffffff, 0];

/** One byte-level mutation of `b` (a new buffer). */
export function mutateBytes(b: Uint8Array, r: R): Uint8Array {
  const n = b.length;
  const at = () => r.int(Math.max(1, n));
  switch (r.int(7)) {
    case 0: // truncation
      return b.slice(0, at());
    case 1: {
      // bit flips, on a copy (Buffer#slice would be a view: the seed itself would be flipped)
      const c = new Uint8Array(b);
      for (let k = 1 + r.int(8); k > 0 && n > 0; k--) c[at()] ^= 1 << r.int(8);
      return c;
    }
    case 2: {
      // a huge declared size: a 4-byte field overwritten, little- or big-endian
      const c = Buffer.from(b);
      if (n >= 4) {
        const i = r.int(n - 3),
          v = r.pick(HUGE32);
        if (r.chance(0.5)) c.writeUInt32LE(v, i);
        else c.writeUInt32BE(v, i);
      }
      return c;
    }
    case 3: {
      // an 8-byte field set to a huge value (a length prefix, a varint run)
      const c = Buffer.from(b);
      if (n >= 8) {
        const i = r.int(n - 7);
        c.fill(r.pick([0xff, 0x80, 0x7f]), i, i + 8);
      }
      return c;
    }
    case 4: {
      // inserted random bytes
      const i = at(),
        k = 1 + r.int(64);
      const ins = Uint8Array.from({ length: k }, () => r.int(256));
      return Buffer.concat([b.subarray(0, i), ins, b.subarray(i)]);
    }
    case 5: {
      // a deleted range
      const i = at();
      return Buffer.concat([b.subarray(0, i), b.subarray(Math.min(n, i + 1 + r.int(64)))]);
    }
    default: {
      // a repeated range
      const i = at(),
        j = Math.min(n, i + 1 + r.int(256));
      return Buffer.concat([b.subarray(0, j), b.subarray(i, j), b.subarray(j)]);
    }
  }
}

/** A marker JSON.stringify keeps as a string; replaced by deep nesting in the text afterwards. */
const DEEP = '@@DEEP@@';

/** Hostile replacement values for a JSON node. */
function hostile(r: R): unknown {
  return r.pick<() => unknown>([
    () => DEEP,
    () => 1e308,
    () => -1e308,
    () => 2 ** 63,
    () => -(2 ** 63),
    () => 2 ** 31,
    () => -1,
    () => 0,
    () => 1.5,
    () => null,
    () => true,
    () => '',
    () => 'NaN',
    () => 'x'.repeat(10000),
    () => 'a\nipvae: forged line\u0000\u001b[31m',
    () => new Array(100000).fill(0),
    () => [],
    () => ({}),
    () => ({ __proto__: 5 }),
    () => [[[1]]],
  ])();
}

/** All paths to nodes of a parsed JSON value (bounded). */
function paths(v: unknown, limit = 4000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: [unknown, (string | number)[]][] = [[v, []]];
  while (stack.length && out.length < limit) {
    const [x, p] = stack.pop()!;
    out.push(p);
    if (Array.isArray(x)) {
      // a few elements of long arrays: their first, last and a middle one
      const idx = x.length <= 8 ? x.keys() : [0, x.length >> 1, x.length - 1].values();
      for (const i of idx) stack.push([x[i], [...p, i]]);
    } else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) stack.push([y, [...p, k]]);
  }
  return out;
}

/** One JSON-level mutation of `text` (valid JSON in, usually valid JSON out). */
export function mutateJson(text: string, r: R): string {
  const root = JSON.parse(text) as unknown;
  const ps = paths(root);
  const p = r.pick(ps);
  if (p.length === 0) return r.chance(0.5) ? JSON.stringify(hostile(r)).replace(`"${DEEP}"`, deep()) : '[]';
  let parent = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = p[p.length - 1];
  const kind = r.int(10);
  if (kind === 0 && !Array.isArray(parent)) delete parent[key];
  else if (kind === 1 && !Array.isArray(parent)) {
    // the key renamed to __proto__ (an own property after JSON.parse), or to a duplicate in the text
    const v = parent[key];
    delete parent[key];
    parent['@@DUP@@'] = v;
    const others = Object.keys(parent);
    return JSON.stringify(root).replace(
      '"@@DUP@@"',
      r.chance(0.5) ? '"__proto__"' : JSON.stringify(r.pick(others.length > 1 ? others : ['__proto__'])),
    );
  } else parent[key] = hostile(r);
  return JSON.stringify(root).replace(`"${DEEP}"`, deep());
}

/** 100,000 levels of nested arrays around a 1. */
function deep(): string {
  return '['.repeat(100000) + '1' + ']'.repeat(100000);
}
