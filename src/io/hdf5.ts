/**
 * HDF5 files as plain trees, through h5wasm (HDF5 compiled to WebAssembly; NIST, see the README): read a file's
 * groups and datasets into JavaScript values, and write such a tree back. Only what NIR files use: groups,
 * numeric datasets (integers, floats, HDF5 enums of booleans) of any shape, and strings (scalars or arrays,
 * fixed or variable length). Attributes, references and compound types are refused.
 *
 * Hostile files: HDF5's own error reports are turned into exceptions (h5wasm's throwing handler) so nothing is
 * printed, and every dataset's size is checked against a budget before its values are read.
 */
import h5wasm from 'h5wasm/node';
import { UserError } from '../errors.js';
import { shown } from './json-read.js';

interface H5DatasetBase {
  kind: 'dataset';
  /** Bytes per element as stored (4 or 8 for numbers), for writing back the same type. */
  size: number;
  shape: number[];
}

/** Numbers ('int': int64 beyond 2^53 is refused) or strings. */
export type H5Dataset =
  | (H5DatasetBase & { type: 'int' | 'float'; value: Float64Array })
  | (H5DatasetBase & { type: 'string'; value: string[] });

export interface H5Group {
  kind: 'group';
  children: Map<string, H5Node>;
}

export type H5Node = H5Dataset | H5Group;

export interface H5Limits {
  /** Largest number of elements in one dataset, and in the whole file. */
  datasetElements: number;
  totalElements: number;
  /** Deepest group nesting and most children of one group. */
  depth: number;
  children: number;
}

export const DEFAULT_H5_LIMITS: H5Limits = {
  datasetElements: 2 ** 27,
  totalElements: 2 ** 28,
  depth: 32,
  children: 100_000,
};

type H5Module = Awaited<typeof h5wasm.ready> & {
  activate_throwing_error_handler(): number;
};

let ready: Promise<H5Module> | undefined;
let loaded: H5Module | undefined;
let counter = 0;

/** The WebAssembly module, loaded once, with HDF5's errors thrown instead of printed. */
export async function hdf5Ready(): Promise<H5Module> {
  ready ??= h5wasm.ready.then((m) => {
    const mm = m as H5Module;
    mm.activate_throwing_error_handler();
    loaded = mm;
    return mm;
  });
  return ready;
}

function sync(): H5Module {
  if (!loaded) throw new Error('hdf5: await hdf5Ready() before the synchronous calls');
  return loaded;
}

/** HDF5's error stack as one short phrase: its innermost "minor" message. */
function hdf5Reason(e: unknown): string {
  const s = String(e instanceof Error ? e.message : e);
  const minors = [...s.matchAll(/minor: ([^\n]+)/g)].map((m) => m[1].trim());
  const last = minors.at(-1);
  const detail = /truncated file[^\n]*/.exec(s)?.[0];
  return (detail ?? last ?? s.split('\n')[0]).slice(0, 160);
}

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether the bytes start with HDF5's signature (at offset 0; files with a user block are not read). */
export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && HDF5_MAGIC.every((b, i) => bytes[i] === b);
}

/** Read an HDF5 file's bytes into a tree; any problem is one UserError naming `file`. */
export async function readHdf5(
  bytes: Uint8Array,
  file: string,
  limits: H5Limits = DEFAULT_H5_LIMITS,
): Promise<H5Group> {
  await hdf5Ready();
  return readHdf5Sync(bytes, file, limits);
}

/** readHdf5 once hdf5Ready() has resolved (the fuzz harness mutates and reads files synchronously). */
export function readHdf5Sync(bytes: Uint8Array, file: string, limits: H5Limits = DEFAULT_H5_LIMITS): H5Group {
  if (!isHdf5(bytes)) throw new UserError(`${file}: not an HDF5 file (no HDF5 signature at its start)`);
  const M = sync();
  const path = `/ipvae-read-${process.pid}-${counter++}.h5`;
  M.FS.writeFile(path, bytes);
  let f: InstanceType<typeof h5wasm.File> | undefined;
  let total = 0;
  try {
    try {
      f = new h5wasm.File(path, 'r');
    } catch (e) {
      throw new UserError(`${file}: cannot open it as HDF5 (${hdf5Reason(e)})`);
    }
    const walk = (g: InstanceType<typeof h5wasm.Group>, at: string, depth: number): H5Group => {
      if (depth > limits.depth) throw new UserError(`${file}: groups nested deeper than ${limits.depth} at ${at}`);
      let keys: string[];
      try {
        keys = g.keys();
      } catch (e) {
        throw new UserError(`${file}: cannot list group ${at || '/'} (${hdf5Reason(e)})`);
      }
      if (keys.length > limits.children)
        throw new UserError(`${file}: group ${at || '/'} has ${keys.length} members (at most ${limits.children})`);
      const children = new Map<string, H5Node>();
      for (const k of keys) {
        const where = `${at}/${k}`;
        let e: ReturnType<typeof g.get>;
        try {
          e = g.get(k);
        } catch (err) {
          throw new UserError(`${file}: cannot read ${shown(where)} (${hdf5Reason(err)})`);
        }
        if (e instanceof h5wasm.Group) children.set(k, walk(e, where, depth + 1));
        else if (e instanceof h5wasm.Dataset) {
          const d = readDataset(e, where, file, limits);
          total += d.value.length;
          if (total > limits.totalElements)
            throw new UserError(`${file}: more than ${limits.totalElements} values in all (refused before reading)`);
          children.set(k, d);
        } else throw new UserError(`${file}: ${shown(where)} is neither a group nor a dataset (links are not read)`);
      }
      return { kind: 'group', children };
    };
    return walk(f, '', 0);
  } finally {
    try {
      f?.close();
    } catch {
      // closing a file HDF5 could not read is not a second error
    }
    M.FS.unlink(path);
  }
}

function readDataset(d: InstanceType<typeof h5wasm.Dataset>, where: string, file: string, limits: H5Limits): H5Dataset {
  let m: InstanceType<typeof h5wasm.Dataset>['metadata'];
  try {
    m = d.metadata;
  } catch (e) {
    throw new UserError(`${file}: cannot read ${shown(where)} (${hdf5Reason(e)})`);
  }
  const shape = m.shape ?? [];
  let n = 1;
  for (const s of shape) n *= s;
  if (!Number.isSafeInteger(n) || n > limits.datasetElements)
    throw new UserError(
      `${file}: ${shown(where)} has shape [${shape.join(', ')}], more than ${limits.datasetElements} values (refused before reading)`,
    );
  // h5wasm type codes: 0 integer, 1 float, 3 string, 8 enum (h5py's booleans)
  const type = m.type === 0 || m.type === 8 ? 'int' : m.type === 1 ? 'float' : m.type === 3 ? 'string' : undefined;
  if (!type)
    throw new UserError(`${file}: ${shown(where)} has an HDF5 type this reader does not take (code ${m.type})`);
  let raw: unknown;
  try {
    raw = d.value;
  } catch (e) {
    throw new UserError(`${file}: cannot read the values of ${shown(where)} (${hdf5Reason(e)})`);
  }
  if (type === 'string') {
    const value = Array.isArray(raw) ? raw.map(String) : [String(raw)];
    if (value.length !== n) throw new UserError(`${file}: ${shown(where)}: ${value.length} strings for ${n} places`);
    return { kind: 'dataset', type, size: m.size, shape, value };
  }
  const value = new Float64Array(n);
  if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean')
    value[0] = toNumber(raw, where, file);
  else if (ArrayBuffer.isView(raw) || Array.isArray(raw)) {
    const a = raw as ArrayLike<number | bigint | boolean>;
    if (a.length !== n) throw new UserError(`${file}: ${shown(where)}: ${a.length} values for ${n} places`);
    for (let i = 0; i < n; i++) value[i] = toNumber(a[i], where, file);
  } else throw new UserError(`${file}: ${shown(where)}: values of an unexpected kind`);
  return { kind: 'dataset', type, size: m.size, shape, value };
}

function toNumber(v: number | bigint | boolean, where: string, file: string): number {
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
      throw new UserError(`${file}: ${shown(where)} holds an integer beyond 2^53`);
    return Number(v);
  }
  return typeof v === 'boolean' ? +v : v;
}

/**
 * Write a tree as HDF5 bytes: numbers as float64/float32/int64 (by the dataset's type and size), strings as
 * variable-length UTF-8, as h5py writes them. No attributes.
 */
export async function writeHdf5(root: H5Group): Promise<Uint8Array> {
  await hdf5Ready();
  return writeHdf5Sync(root);
}

/** writeHdf5 once hdf5Ready() has resolved. */
export function writeHdf5Sync(root: H5Group): Uint8Array {
  const M = sync();
  // checked before HDF5 sees them: a name HDF5 would read as a path, values that do not fill their shape
  const check = (g: H5Group, at: string) => {
    for (const [k, c] of g.children) {
      if (!k || k.includes('/') || k === '.' || k === '..')
        throw new Error(`hdf5: cannot write a member named ${JSON.stringify(k)} at ${at}`);
      if (c.kind === 'group') check(c, `${at}/${k}`);
      else if (c.value.length !== c.shape.reduce((a, b) => a * b, 1) || (c.type === 'string' && c.value.length === 0))
        throw new Error(`hdf5: ${at}/${k} has ${c.value.length} values for shape [${c.shape.join(', ')}]`);
    }
  };
  check(root, '');
  const path = `/ipvae-write-${process.pid}-${counter++}.h5`;
  const f = new h5wasm.File(path, 'w');
  try {
    const put = (g: InstanceType<typeof h5wasm.Group>, node: H5Group) => {
      for (const [k, c] of node.children) {
        if (c.kind === 'group') put(g.create_group(k), c);
        else if (c.type === 'string') {
          const v = c.value;
          g.create_dataset({ name: k, data: c.shape.length === 0 ? v[0] : v, shape: c.shape });
        } else {
          const v = c.value;
          const data =
            c.type === 'int'
              ? BigInt64Array.from(v, (x) => BigInt(x))
              : c.size === 4
                ? Float32Array.from(v)
                : Float64Array.from(v);
          // large arrays are gzip-compressed in chunks of whole rows (as NIR's reference writer now does):
          // folded convolutions are mostly zeros
          const n = v.length;
          if (n >= 1 << 16 && c.shape.length >= 1) {
            const row = n / c.shape[0];
            const rows = Math.max(1, Math.min(c.shape[0], Math.floor((1 << 20) / Math.max(1, row))));
            g.create_dataset({
              name: k,
              data,
              shape: c.shape,
              chunks: [rows, ...c.shape.slice(1)],
              compression: 'gzip',
            });
          } else g.create_dataset({ name: k, data, shape: c.shape });
        }
      }
    };
    put(f, root);
    f.close();
    return M.FS.readFile(path);
  } catch (e) {
    try {
      f.close();
    } catch {
      // already closed
    }
    throw e;
  } finally {
    M.FS.unlink(path);
  }
}

/** Tree helpers. */
export const h5group = (entries: [string, H5Node][]): H5Group => ({ kind: 'group', children: new Map(entries) });
export const h5string = (s: string | string[], shape: number[] = []): H5Dataset => ({
  kind: 'dataset',
  type: 'string',
  size: 0,
  shape,
  value: Array.isArray(s) ? s : [s],
});
export const h5numbers = (
  v: ArrayLike<number>,
  shape: number[],
  type: 'int' | 'float' = 'float',
  size = type === 'int' ? 8 : 4,
): H5Dataset => ({ kind: 'dataset', type, size, shape, value: Float64Array.from(v) });
