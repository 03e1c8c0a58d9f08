/**
 * Reading a user's JSON file: parse errors become one UserError line naming the file (the parser's message
 * cut to its first line, without the file's own text), so every decoder reports bad JSON the same way.
 */
import { UserError } from '../errors.js';

/** JSON.parse, or a UserError `FILE: not JSON (<why>)` on one line. */
export function parseJson(text: string, file: string, what = 'not JSON'): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const why = String((e as Error).message)
      .split('\n')[0]
      .slice(0, 200);
    throw new UserError(`${file}: ${what} (${why})`);
  }
}

/**
 * An untrusted value as a short phrase for an error message: numbers and booleans as they are, strings quoted
 * and cut to 40 characters, a flat array of up to 8 numbers as it is, other structures by their kind only
 * (never their content, so a hostile nesting cannot flood or overflow the message).
 */
export function shown(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (Array.isArray(v))
    return v.length <= 8 && v.every((x) => typeof x === 'number' || typeof x === 'boolean' || x === null)
      ? `[${v.map(String).join(',')}]`
      : `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** An untrusted key as a field-path part: plain names as they are, anything else quoted and cut. */
export function keyName(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(k) ? k : shown(k);
}

/**
 * The nesting depth of a parsed JSON value (iterative: a hostile file cannot overflow the stack here), or
 * `limit + 1` as soon as it passes `limit`.
 */
export function jsonDepth(v: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return limit + 1;
    for (const y of Array.isArray(x) ? x : Object.values(x)) stack.push([y, d + 1]);
  }
  return max;
}
