/**
 * NumPy's .npy files (format versions 1, 2 and 3: the magic "\x93NUMPY", a version, a little-endian header
 * length, a Python-literal header {'descr': ..., 'fortran_order': ..., 'shape': (...)}, then the raw data), so
 * Python users can pass their arrays straight in. Numbers only: booleans, signed and unsigned integers, and
 * floats of either byte order. The size the header declares is checked against the bytes before anything is
 * allocated.
 */
import { UserError } from '../errors.js';

export interface NpyArray {
  shape: number[];
  /** Values in C (row-major) order. */
  data: Float64Array;
  descr: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function parseNpy(bytes: Uint8Array, file: string, maxValues = 2 ** 28): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b))
    throw new UserError(`${file}: not a .npy file (no \\x93NUMPY magic at its start)`);
  const major = bytes[6];
  if (![1, 2, 3].includes(major))
    throw new UserError(`${file}: .npy format version ${major} is not one this reader takes (1-3)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : bytes.length >= 12 ? dv.getUint32(8, true) : Infinity;
  const start = major === 1 ? 10 : 12;
  if (!(start + hlen <= bytes.length) || hlen > 65536)
    throw new UserError(`${file}: its .npy header runs past the end of the file`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + hlen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new UserError(`${file}: its .npy header lacks descr, fortran_order or shape`);
  const shape = shapeText
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length)
    .map(Number);
  if (!shape.every((x) => Number.isSafeInteger(x) && x >= 0))
    throw new UserError(`${file}: its .npy shape is not a list of sizes`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > maxValues)
    throw new UserError(`${file}: declares ${n} values, more than ${maxValues} (refused before reading)`);
  const m = /^([<>|=])([biuf])(\d+)$/.exec(descr);
  if (!m)
    throw new UserError(
      `${file}: dtype ${JSON.stringify(descr.slice(0, 20))} is not a number type (bool, int, uint, float)`,
    );
  const little = m[1] !== '>';
  const kind = m[2],
    size = Number(m[3]);
  const ok = { b: [1], i: [1, 2, 4, 8], u: [1, 2, 4, 8], f: [4, 8] }[kind as 'b' | 'i' | 'u' | 'f'];
  if (!ok.includes(size)) throw new UserError(`${file}: dtype ${descr} is not one this reader takes`);
  const off = start + hlen;
  if (bytes.length - off !== n * size)
    throw new UserError(`${file}: holds ${bytes.length - off} data bytes, its header declares ${n * size}`);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = off + i * size;
    let v: number;
    if (kind === 'f') v = size === 4 ? dv.getFloat32(p, little) : dv.getFloat64(p, little);
    else if (size === 1) v = kind === 'i' ? dv.getInt8(p) : dv.getUint8(p);
    else if (size === 2) v = kind === 'i' ? dv.getInt16(p, little) : dv.getUint16(p, little);
    else if (size === 4) v = kind === 'i' ? dv.getInt32(p, little) : dv.getUint32(p, little);
    else {
      const b = kind === 'i' ? dv.getBigInt64(p, little) : dv.getBigUint64(p, little);
      if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER))
        throw new UserError(`${file}: value ${i} is beyond 2^53`);
      v = Number(b);
    }
    data[i] = v;
  }
  if (fortran === 'True' && shape.length > 1) {
    // column-major on disk: transpose into row-major
    const out = new Float64Array(n);
    const strides = shape.map((_, d) => shape.slice(0, d).reduce((a, b) => a * b, 1)); // Fortran strides
    const idx = new Array(shape.length).fill(0);
    for (let i = 0; i < n; i++) {
      let f = 0;
      for (let d = 0; d < shape.length; d++) f += idx[d] * strides[d];
      out[i] = data[f];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
    return { shape, data: out, descr };
  }
  return { shape, data, descr };
}
