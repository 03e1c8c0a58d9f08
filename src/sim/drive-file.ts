/**
 * The drive file of `ipvae simulate --drive` (docs/formats/drive.md): one row of integers per step, as a JSON
 * array of rows (for one population, named by the caller) or an object {population: rows, ...}, or a NumPy .npy
 * array [steps, neurons]. Every value a safe integer (1e308 and 2^63 are refused, not clipped), every row
 * non-empty, every population the same number of steps. A message names a JSON value by its path from 0
 * (`[t][k]`, or `POP[t][k]`) and its step from 1.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { keyName, parseJson, shown } from '../io/json-read.js';
import { parseNpy } from '../io/npy.js';
import { neuronModel } from './registry.js';

export interface DriveOptions {
  /** --population: the population an array of rows feeds (refused for a file that names its populations). */
  population?: string;
  /** The population an array feeds without --population. */
  fallback?: () => string | undefined;
  /** The network's populations, when known: a file naming another is refused. */
  names?: string[];
}

export function parseDriveFile(text: string, file: string, opts: DriveOptions): Record<string, number[][]> {
  const arrayFor = () => opts.population ?? opts.fallback?.();
  const root = parseJson(text, file, 'not a JSON array of per-step arrays (or an object of them by population)');
  const fail = (what: string): never => {
    throw new UserError(`${file}: ${what}`);
  };
  const isObject = root !== null && typeof root === 'object' && !Array.isArray(root);
  if (opts.population !== undefined && isObject && !Object.hasOwn(root, opts.population))
    fail(`names its populations ({population: rows}) and --population ${keyName(opts.population)} is not one of them`);
  const entries: [string, unknown][] = Array.isArray(root)
    ? [[arrayFor() ?? '', root]]
    : isObject
      ? Object.entries(root)
      : [];
  if (entries.length === 0)
    fail('expected a non-empty array of per-step rows, or an object {population: rows} naming at least one');
  const out: Record<string, number[][]> = Object.create(null);
  for (const [name, rows] of entries) {
    if (!name) fail('the network has no population for these rows to drive');
    // the field path of these rows: [t][k] for an array, POP[t][k] for an object
    const at = Array.isArray(root) ? '' : keyName(name);
    if (!Array.isArray(rows) || rows.length === 0)
      fail(`${at || 'the file'} must be a non-empty array of per-step rows (one row of integers per step)`);
    (rows as unknown[]).forEach((r, t) => {
      if (!Array.isArray(r) || r.length === 0)
        return fail(`${at}[${t}] = ${shown(r)}, expected a non-empty row of integers (step ${t + 1})`);
      const k = r.findIndex((v) => !Number.isSafeInteger(v));
      if (k >= 0)
        fail(
          `${at}[${t}][${k}] = ${shown(r[k])}, expected an integer (at most 2^53 - 1 in magnitude; step ${t + 1}, neuron ${k})`,
        );
    });
    if (opts.names && !opts.names.includes(name))
      fail(`${keyName(name)} is not a population of the network (${opts.names.join(', ').slice(0, 200)})`);
    out[name] = rows as number[][];
  }
  const lens = new Set(Object.values(out).map((r) => r.length));
  if (lens.size > 1)
    fail(
      `every population needs the same number of steps (rows): ${Object.entries(out)
        .map(([k, r]) => `${keyName(k)} has ${r.length}`)
        .join(', ')
        .slice(0, 200)}`,
    );
  return out;
}

/** A drive file read and parsed (see parseDriveFile). */
export function readDriveFile(file: string, opts: DriveOptions): Record<string, number[][]> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new UserError(`${file}: cannot read the drive file`);
  }
  if (bytes[0] === 0x93) return npyDrive(bytes, file, opts);
  return parseDriveFile(bytes.toString('utf8'), file, opts);
}

/** A .npy array [T, N] (or [T]) as the rows of one population: integers only, as a JSON drive. */
function npyDrive(bytes: Uint8Array, file: string, opts: DriveOptions): Record<string, number[][]> {
  const a = parseNpy(bytes, file);
  if (a.shape.length < 1 || a.shape.length > 2 || a.shape[0] === 0 || (a.shape.length === 2 && a.shape[1] === 0))
    throw new UserError(`${file}: a drive array must be [steps, neurons] (or [steps]), not [${a.shape.join(', ')}]`);
  const T = a.shape[0],
    N = a.shape.length === 2 ? a.shape[1] : 1;
  for (let i = 0; i < a.data.length; i++)
    if (!Number.isSafeInteger(a.data[i]))
      throw new UserError(`${file}: step ${Math.floor(i / N) + 1} must hold integers only`);
  const rows = Array.from({ length: T }, (_, t) => Array.from(a.data.subarray(t * N, (t + 1) * N)));
  const name = opts.population ?? opts.fallback?.();
  if (!name) throw new UserError(`${file}: the network has no population for these rows to drive`);
  if (opts.names && !opts.names.includes(name))
    throw new UserError(`${file}: ${keyName(name)} is not a population of the network`);
  return { [name]: rows };
}

/**
 * A drive file for a network's inputs: an array of rows feeds --population, else the first input (host)
 * population; a file naming its populations must name the network's.
 */
export function readInputDrive(
  file: string,
  net: { populations: { name: string; model: string }[] },
  population?: string,
): Record<string, number[][]> {
  return readDriveFile(file, {
    population,
    fallback: () => net.populations.find((p) => neuronModel(p.model).host)?.name,
    names: net.populations.map((p) => p.name),
  });
}
