/**
 * The drive file of `ipvae simulate --drive`: one row of integers per step, as a JSON array of rows (for one
 * population, named by the caller) or an object {population: rows, ...}. Every value a safe integer (1e308 and
 * 2^63 are refused, not clipped), every row non-empty, every population the same number of steps.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { keyName, parseJson } from '../io/json-read.js';

export function parseDriveFile(
  text: string,
  file: string,
  arrayFor: () => string | undefined,
): Record<string, number[][]> {
  const root = parseJson(text, file, 'not a JSON array of per-step arrays (or an object of them by population)');
  const entries: [string, unknown][] = Array.isArray(root)
    ? [[arrayFor() ?? '', root]]
    : root && typeof root === 'object'
      ? Object.entries(root)
      : [];
  if (entries.length === 0) throw new UserError(`${file}: expected a non-empty JSON array of per-step arrays`);
  const out: Record<string, number[][]> = Object.create(null);
  for (const [name, rows] of entries) {
    if (!name) throw new UserError('simulate: the network has no population to drive');
    const at = Array.isArray(root) ? '' : `${keyName(name)}: `;
    if (!Array.isArray(rows) || rows.length === 0 || !rows.every((r) => Array.isArray(r) && r.length > 0))
      throw new UserError(`${file}: ${at}expected a non-empty array of non-empty per-step arrays`);
    rows.forEach((r: unknown[], t) => {
      if (!r.every((v) => Number.isSafeInteger(v)))
        throw new UserError(`${file}: ${at}step ${t} must hold integers only`);
    });
    out[name] = rows as number[][];
  }
  const lens = new Set(Object.values(out).map((r) => r.length));
  if (lens.size > 1) throw new UserError(`${file}: every population needs the same number of steps (rows)`);
  return out;
}

/** A drive file read and parsed (see parseDriveFile). */
export function readDriveFile(file: string, arrayFor: () => string | undefined): Record<string, number[][]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: cannot read the drive file`);
  }
  return parseDriveFile(text, file, arrayFor);
}
