/**
 * .safetensors checkpoints (Hugging Face format: an 8-byte little-endian header length, a JSON header mapping
 * tensor names to {dtype, shape, data_offsets}, then the raw little-endian tensor bytes), with the authors'
 * PyTorch state_dict names (model-spec section 3), so a model saved from their code loads here and back:
 *   layer.phi.weight [D, K], layer.dec_log_sigma [1, D], layer.log_bias [1, K], layer.log_lr.0 [1],
 *   layer.u_init.0 [1, K], and the training buffer layer.n_exp [T] (int32, optional).
 * Other keys in an authors' state_dict (layer.temp, layer.beta_inner, layer.eps: training-time scalars) are
 * ignored on read.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { keyName, shown } from './json-read.js';
import { checkFinite, type IpVaeParams } from '../model/params.js';
import { writeFileAtomic } from './atomic.js';
import { BUNDLED_MODELS, resolveModelPath } from '../model/bundled.js';

export type DType = 'F32' | 'F64' | 'F16' | 'BF16' | 'I32' | 'I64';
const DTYPE_BYTES: Record<DType, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I32: 4, I64: 8 };

export interface Tensor {
  dtype: DType;
  shape: number[];
  /** Values as float64 (converted from the stored dtype). */
  data: Float64Array;
}

export interface SafeFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** A shape for a message: up to 8 dimensions, then their count. */
function shapeText(shape: number[]): string {
  return shape.length <= 8
    ? `[${shape.join(', ')}]`
    : `[${shape.slice(0, 8).join(', ')}, ...] (${shape.length} dimensions)`;
}

/**
 * The first key that a JSON object's top level names twice (JSON.parse keeps the last one silently), found by
 * a scan of the text that tracks strings and nesting; undefined when there is none.
 */
export function duplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < text.length && /\s/.test(text[k])) k++;
        if (text[k] === ':') {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (seen.has(key)) return key;
          seen.add(key);
        }
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return undefined;
}

export function parseSafetensors(buf: Uint8Array, path: string): SafeFile {
  if (buf.length < 8)
    throw new UserError(
      `${path}: not a safetensors file (${buf.length} bytes, too short for the 8-byte header length)`,
    );
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n === 0n || n > BigInt(buf.length - 8)) {
    throw new UserError(
      `${path}: not a safetensors file or truncated (header length ${n}, file has ${buf.length - 8} bytes after it)`,
    );
  }
  const hlen = Number(n);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + hlen)));
  } catch {
    throw new UserError(`${path}: not a safetensors file (the header is not valid JSON)`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header))
    throw new UserError(`${path}: safetensors header is not a JSON object`);
  const dup = duplicateTopLevelKey(new TextDecoder().decode(buf.subarray(8, 8 + hlen)));
  if (dup !== undefined) throw new UserError(`${path}: the header names tensor ${keyName(dup)} twice`);
  const dataStart = 8 + hlen;
  const dataLen = buf.length - dataStart;
  const tensors = new Map<string, Tensor>();
  const spans: [number, number, string][] = [];
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!v || typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string'))
        throw new UserError(`${path}: __metadata__ must map names to strings`);
      metadata = v as Record<string, string>;
      continue;
    }
    const info = v as { dtype?: string; shape?: number[]; data_offsets?: number[] };
    const dtype = info?.dtype as DType;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype))
      throw new UserError(
        `${path}: tensor ${keyName(name)} has unsupported dtype ${shown(info?.dtype)} (expected F32, F64, F16, BF16, I32 or I64)`,
      );
    const shape = info.shape;
    const off = info.data_offsets;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0))
      throw new UserError(`${path}: tensor ${keyName(name)} has a bad shape`);
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((o) => Number.isSafeInteger(o)) ||
      !(off[0] >= 0 && off[1] >= off[0])
    ) {
      throw new UserError(
        `${path}: tensor ${keyName(name)} has bad data_offsets ${shown(off)} (expected two integers [begin, end])`,
      );
    }
    const count = shape.reduce((a, b) => a * b, 1);
    const bytes = count * DTYPE_BYTES[dtype];
    if (off[1] - off[0] !== bytes)
      throw new UserError(
        `${path}: tensor ${keyName(name)} data_offsets span ${off[1] - off[0]} bytes, shape ${shapeText(shape)} of ${dtype} needs ${bytes}`,
      );
    if (off[1] > dataLen)
      throw new UserError(
        `${path}: file is truncated (tensor ${keyName(name)} ends at byte ${off[1]} of a ${dataLen}-byte data section)`,
      );
    const base = dataStart + off[0];
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      switch (dtype) {
        case 'F32':
          data[i] = dv.getFloat32(base + 4 * i, true);
          break;
        case 'F64':
          data[i] = dv.getFloat64(base + 8 * i, true);
          break;
        case 'F16':
          data[i] = halfToFloat(dv.getUint16(base + 2 * i, true));
          break;
        case 'BF16': {
          const f = new DataView(new ArrayBuffer(4));
          f.setUint32(0, dv.getUint16(base + 2 * i, true) << 16);
          data[i] = f.getFloat32(0);
          break;
        }
        case 'I32':
          data[i] = dv.getInt32(base + 4 * i, true);
          break;
        case 'I64':
          data[i] = Number(dv.getBigInt64(base + 8 * i, true));
          break;
      }
    }
    tensors.set(name, { dtype, shape, data });
    spans.push([off[0], off[1], name]);
  }
  // Two tensors may not share bytes (safetensors' own rule): each would silently read the other's data.
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++)
    if (spans[i][0] < spans[i - 1][1] && spans[i][1] > spans[i][0])
      throw new UserError(
        `${path}: tensors ${keyName(spans[i - 1][2])} and ${keyName(spans[i][2])} overlap in the data section (data_offsets)`,
      );
  return { tensors, metadata };
}

export interface OutTensor {
  dtype: 'F32' | 'I32' | 'F64';
  shape: number[];
  data: ArrayLike<number>;
}

export function encodeSafetensors(tensors: [string, OutTensor][], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let off = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * (t.dtype === 'F64' ? 8 : 4);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let h = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (h.length % 8)) % 8;
  if (pad) h = Buffer.concat([h, Buffer.alloc(pad, 0x20)]);
  const out = new Uint8Array(8 + h.length + off);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  let p = 8 + h.length;
  for (const [, t] of tensors) {
    for (let i = 0; i < t.data.length; i++) {
      if (t.dtype === 'F32') {
        dv.setFloat32(p, t.data[i], true);
        p += 4;
      } else if (t.dtype === 'F64') {
        dv.setFloat64(p, t.data[i], true);
        p += 8;
      } else {
        dv.setInt32(p, t.data[i], true);
        p += 4;
      }
    }
  }
  return out;
}

export const KEYS = {
  phi: 'layer.phi.weight',
  s: 'layer.dec_log_sigma',
  logBias: 'layer.log_bias',
  logLr: 'layer.log_lr.0',
  u0: 'layer.u_init.0',
  nExp: 'layer.n_exp',
} as const;

/** Serialise a model with the authors' state_dict names (plus any extra tensors, e.g. optimiser state). */
export function encodeModel(
  p: IpVaeParams,
  metadata: Record<string, string> = {},
  extra: [string, OutTensor][] = [],
): Uint8Array {
  const t: [string, OutTensor][] = [
    [KEYS.phi, { dtype: 'F32', shape: [p.D, p.K], data: p.phi }],
    [KEYS.s, { dtype: 'F32', shape: [1, p.D], data: p.s }],
    [KEYS.logBias, { dtype: 'F32', shape: [1, p.K], data: p.logBias }],
    [KEYS.logLr, { dtype: 'F32', shape: [1], data: [p.logLr] }],
    [KEYS.u0, { dtype: 'F32', shape: [1, p.K], data: p.u0 }],
  ];
  if (p.nExp) t.push([KEYS.nExp, { dtype: 'I32', shape: [p.nExp.length], data: p.nExp }]);
  return encodeSafetensors([...t, ...extra], metadata);
}

export function saveModel(path: string, p: IpVaeParams, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeModel(p, metadata));
}

/** Parse a model from safetensors bytes; every error names the file and the tensor. */
export function decodeModel(buf: Uint8Array, path: string): IpVaeParams & { metadata: Record<string, string> } {
  const f = parseSafetensors(buf, path);
  const need = (key: string): Tensor => {
    const t = f.tensors.get(key);
    if (!t)
      throw new UserError(
        `${path}: missing tensor ${key} (an iP-VAE checkpoint needs ${Object.values(KEYS).slice(0, 5).join(', ')})`,
      );
    return t;
  };
  const phi = need(KEYS.phi);
  if (phi.shape.length !== 2)
    throw new UserError(`${path}: tensor ${KEYS.phi} has shape ${shapeText(phi.shape)} (expected [D, K])`);
  const [D, K] = phi.shape;
  if (D < 1 || K < 1)
    throw new UserError(`${path}: tensor ${KEYS.phi} has shape ${shapeText(phi.shape)} (expected D >= 1 and K >= 1)`);
  const check = (key: string, t: Tensor, n: number, desc: string) => {
    if (t.data.length !== n)
      throw new UserError(
        `${path}: tensor ${key} has shape ${shapeText(t.shape)} (expected ${desc} with D=${D}, K=${K})`,
      );
  };
  const s = need(KEYS.s);
  check(KEYS.s, s, D, '[1, D]');
  const lb = need(KEYS.logBias);
  check(KEYS.logBias, lb, K, '[1, K]');
  const lr = need(KEYS.logLr);
  check(KEYS.logLr, lr, 1, '[1]');
  const u0 = need(KEYS.u0);
  check(KEYS.u0, u0, K, '[1, K]');
  const p: IpVaeParams & { metadata: Record<string, string> } = {
    D,
    K,
    phi: Float32Array.from(phi.data),
    s: Float32Array.from(s.data),
    logBias: Float32Array.from(lb.data),
    logLr: Math.fround(lr.data[0]),
    u0: Float32Array.from(u0.data),
    metadata: f.metadata,
  };
  const ne = f.tensors.get(KEYS.nExp);
  if (ne) p.nExp = Int32Array.from(ne.data);
  try {
    checkFinite(p, path);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  return p;
}

/** A model from its .safetensors file, or a bundled model by name (src/model/bundled.ts: e.g. 'patches-k512'). */
export function loadModel(path: string): IpVaeParams & { metadata: Record<string, string> } {
  let buf: Buffer;
  try {
    buf = readFileSync(resolveModelPath(path));
  } catch {
    throw new UserError(
      `${path}: model file not found or unreadable (expected a .safetensors checkpoint, or a bundled model: ${BUNDLED_MODELS.map((m) => m.name).join(', ')})`,
    );
  }
  return decodeModel(buf, path);
}
