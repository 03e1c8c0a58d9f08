/** Shared CLI helpers: option parsing with clear errors, progress, tables. */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { wrapWords } from '../report/svg.js';

export function parseIntOpt(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(v.trim())) throw new UserError(`${name}: expected an integer, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UserError(`${name}: ${n} is out of range (expected ${min}..${max})`);
  return n;
}

/** Refuse an output path that cannot be written before any work is done (the files are still written atomically). */
export function checkWritable(path: string, option = '--out'): void {
  if (!path) throw new UserError(`${option}: give a file name`);
  const dir = dirname(path);
  if (existsSync(path) && statSync(path).isDirectory()) throw new UserError(`${path}: is a folder; give a file name`);
  if (!existsSync(dir))
    throw new UserError(`${path}: cannot write here (the folder ${dir} does not exist; create it first)`);
  if (!statSync(dir).isDirectory()) throw new UserError(`${path}: cannot write here (${dir} is not a folder)`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UserError(`${path}: cannot write here (the folder ${dir} is not writable)`);
  }
}

export function parseFloatOpt(name: string, v: string, min = -Infinity, max = Infinity): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`${name}: expected a number, got "${v}"`);
  if (n < min || n > max) throw new UserError(`${name}: ${n} is out of range (expected ${min}..${max})`);
  return n;
}

export function oneOf<T extends string>(name: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v))
    throw new UserError(`${name}: "${v}" is not one of ${allowed.join(', ')}`);
  return v as T;
}

/** A one-line progress bar on stderr (only when stderr is a terminal). */
export function progressBar(label: string): { update(done: number, total: number): void; end(): void } {
  const tty = process.stderr.isTTY;
  const t0 = performance.now();
  let last = 0;
  return {
    update(done, total) {
      if (!tty) return;
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const frac = total ? done / total : 1;
      const width = 30;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      const el = (now - t0) / 1000;
      const eta = frac > 0 ? el / frac - el : 0;
      process.stderr.write(
        `\r${label} [${bar}] ${done}/${total}  ${el.toFixed(1)} s elapsed, ETA ${eta.toFixed(1)} s `,
      );
    },
    end() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const w = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => c.padStart(w[i])).join('  ')).join('\n');
}

export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0)) return x.toExponential(2);
  return x.toFixed(digits);
}

/**
 * Run fn; a UserError it throws about the network, a drive or the data ("network: ...", "drive: ...",
 * "data: ...") is re-thrown naming the file it came from, so the one line says which file to fix.
 */
export async function inFiles<T>(
  files: { network?: string; drive?: string; data?: string },
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UserError) {
      const m = /^(network|drive|data): (.*)$/s.exec(e.message);
      const file = m && files[m[1] as 'network' | 'drive' | 'data'];
      if (m && file) throw new UserError(`${file}: ${m[2]}`);
    }
    throw e;
  }
}

/** Text wrapped at `width` columns, every line indented by `indent` spaces. */
export function wrap(text: string, indent = 2, width = 100): string {
  return wrapWords(text, (line) => indent + line.length > width)
    .map((l) => ' '.repeat(indent) + l)
    .join('\n');
}
