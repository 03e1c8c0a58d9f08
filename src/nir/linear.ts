/**
 * NIR's linear nodes as sparse real matrices (rows = outputs, CSR), so that chains of them fold into one
 * matrix per (source, target) without ever holding a convolution densely: Linear, Affine (with its bias),
 * Scale, Flatten (the identity on the row-major order), Conv1d/Conv2d (strides, padding, "same"/"valid",
 * dilation, groups; PyTorch's cross-correlation on channel-first data) and SumPool2d/AvgPool2d.
 */
import { UserError } from '../errors.js';
import { shown } from '../io/json-read.js';
import { num, type NirNode } from './ir.js';

export interface Mat {
  rows: number;
  cols: number;
  ptr: Int32Array;
  idx: Int32Array;
  val: Float64Array;
  /** A constant added at the output (per row), if any. */
  bias?: Float64Array;
  /** The output's shape (channels first). */
  shape: number[];
}

export const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Grows typed arrays for CSR assembly. */
class Builder {
  idx = new Int32Array(1024);
  val = new Float64Array(1024);
  n = 0;
  push(j: number, v: number) {
    if (this.n === this.idx.length) {
      const i2 = new Int32Array(this.n * 2),
        v2 = new Float64Array(this.n * 2);
      i2.set(this.idx);
      v2.set(this.val);
      this.idx = i2;
      this.val = v2;
    }
    this.idx[this.n] = j;
    this.val[this.n++] = v;
  }
}

export function identity(k: number, shape: number[] = [k]): Mat {
  const ptr = Int32Array.from({ length: k + 1 }, (_, i) => i);
  return {
    rows: k,
    cols: k,
    ptr,
    idx: Int32Array.from({ length: k }, (_, i) => i),
    val: new Float64Array(k).fill(1),
    shape,
  };
}

function fromDense(w: ArrayLike<number>, rows: number, cols: number, shape: number[], bias?: Float64Array): Mat {
  const b = new Builder(),
    ptr = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) if (w[i * cols + j] !== 0) b.push(j, w[i * cols + j]);
    ptr[i + 1] = b.n;
  }
  return { rows, cols, ptr, idx: b.idx.slice(0, b.n), val: b.val.slice(0, b.n), bias, shape };
}

/** B after A (B A, with A's bias carried through B), by Gustavson's row-wise product. */
export function compose(A: Mat, B: Mat): Mat {
  const acc = new Float64Array(A.cols),
    mark = new Int32Array(A.cols).fill(-1),
    list = new Int32Array(A.cols);
  const out = new Builder(),
    ptr = new Int32Array(B.rows + 1);
  for (let i = 0; i < B.rows; i++) {
    let n = 0;
    for (let p = B.ptr[i]; p < B.ptr[i + 1]; p++) {
      const k = B.idx[p],
        b = B.val[p];
      for (let q = A.ptr[k]; q < A.ptr[k + 1]; q++) {
        const j = A.idx[q];
        if (mark[j] !== i) {
          mark[j] = i;
          acc[j] = 0;
          list[n++] = j;
        }
        acc[j] += b * A.val[q];
      }
    }
    const cols = list.subarray(0, n).sort();
    for (const j of cols) if (acc[j] !== 0) out.push(j, acc[j]);
    ptr[i + 1] = out.n;
  }
  let bias: Float64Array | undefined;
  if (A.bias || B.bias) {
    bias = B.bias ? Float64Array.from(B.bias) : new Float64Array(B.rows);
    if (A.bias)
      for (let i = 0; i < B.rows; i++)
        for (let p = B.ptr[i]; p < B.ptr[i + 1]; p++) bias[i] += B.val[p] * A.bias[B.idx[p]];
  }
  return {
    rows: B.rows,
    cols: A.cols,
    ptr,
    idx: out.idx.slice(0, out.n),
    val: out.val.slice(0, out.n),
    bias,
    shape: B.shape,
  };
}

/** A + B (same shape). */
export function add(A: Mat, B: Mat): Mat {
  const out = new Builder(),
    ptr = new Int32Array(A.rows + 1);
  const acc = new Map<number, number>();
  for (let i = 0; i < A.rows; i++) {
    acc.clear();
    for (let p = A.ptr[i]; p < A.ptr[i + 1]; p++) acc.set(A.idx[p], (acc.get(A.idx[p]) ?? 0) + A.val[p]);
    for (let p = B.ptr[i]; p < B.ptr[i + 1]; p++) acc.set(B.idx[p], (acc.get(B.idx[p]) ?? 0) + B.val[p]);
    for (const [j, v] of [...acc].sort((x, y) => x[0] - y[0])) if (v !== 0) out.push(j, v);
    ptr[i + 1] = out.n;
  }
  let bias: Float64Array | undefined;
  if (A.bias || B.bias) {
    bias = new Float64Array(A.rows);
    for (let i = 0; i < A.rows; i++) bias[i] = (A.bias?.[i] ?? 0) + (B.bias?.[i] ?? 0);
  }
  return {
    rows: A.rows,
    cols: A.cols,
    ptr,
    idx: out.idx.slice(0, out.n),
    val: out.val.slice(0, out.n),
    bias,
    shape: A.shape,
  };
}

/** The matrix of one linear node, given the shape of what flows into it. */
export function linearOf(n: NirNode, input: number[], at: string, file: string): Mat {
  const fail = (what: string): never => {
    throw new UserError(`${file}: ${shown(at)}: ${what}`);
  };
  const k = prod(input);
  switch (n.type) {
    case 'Linear':
    case 'Affine': {
      const W = num(n, 'weight');
      if (W.shape.length !== 2) fail(`${n.type} weight must be 2-D (out, in)`);
      if (W.shape[1] !== k) fail(`takes ${W.shape[1]} values, gets ${k}`);
      return fromDense(
        W.data,
        W.shape[0],
        W.shape[1],
        [W.shape[0]],
        n.type === 'Affine' ? num(n, 'bias').data : undefined,
      );
    }
    case 'Scale': {
      const s = num(n, 'scale');
      if (s.data.length !== k) fail(`scales ${s.data.length} values, gets ${k}`);
      const m = identity(k, input);
      m.val = Float64Array.from(s.data);
      return m;
    }
    case 'Flatten':
      return identity(k, [k]);
    case 'Conv1d':
    case 'Conv2d':
      return conv(n, input, fail);
    case 'SumPool2d':
    case 'AvgPool2d':
      return pool(n, input, fail);
  }
  return fail(`${n.type} is not a linear node`);
}

/** A parameter as one value per spatial dimension (an int is repeated). */
function perDim(n: NirNode, key: string, dims: number): number[] {
  const p = n.params[key];
  if (p === undefined || typeof p === 'string')
    return new Array(dims).fill(key === 'dilation' || key === 'stride' ? 1 : 0);
  const a = Array.from(p.data);
  const min = key === 'padding' ? 0 : 1;
  if (!a.every((x) => Number.isInteger(x) && x >= min && x <= 2 ** 16) || (a.length !== 1 && a.length !== dims))
    throw new UserError(`${n.type} ${key} must hold ${dims} integer(s) from ${min} to 65536`);
  return a.length === 1 ? new Array(dims).fill(a[0]) : a;
}

function conv(n: NirNode, input: number[], fail: (w: string) => never): Mat {
  const dims = n.type === 'Conv1d' ? 1 : 2;
  const W = num(n, 'weight');
  if (W.shape.length !== dims + 2) fail(`${n.type} weight must be ${dims + 2}-D (out, in / groups, kernel...)`);
  const [cout, cinG] = W.shape;
  const ks = W.shape.slice(2);
  const groups = num(n, 'groups').data[0];
  if (!(Number.isInteger(groups) && groups >= 1 && cout % groups === 0))
    fail(`groups = ${groups} must divide the ${cout} output channels`);
  const spatial = Array.from(num(n, 'input_shape').data);
  if (spatial.length !== dims) fail(`input_shape must have ${dims} value(s)`);
  const cin = cinG * groups;
  if (prod(input) !== cin * prod(spatial))
    fail(`its input has shape [${input.join(', ')}], the convolution takes ${cin} x ${spatial.join(' x ')}`);
  const stride = perDim(n, 'stride', dims),
    dil = perDim(n, 'dilation', dims);
  const padP = n.params.padding;
  let pad: number[];
  let outSp: number[];
  if (padP === 'same') {
    pad = ks.map((kk, i) => Math.floor((dil[i] * (kk - 1)) / 2));
    outSp = spatial.slice();
  } else {
    pad = padP === 'valid' ? new Array(dims).fill(0) : perDim(n, 'padding', dims);
    outSp = spatial.map((N, i) => Math.floor((N + 2 * pad[i] - dil[i] * (ks[i] - 1) - 1) / stride[i] + 1));
  }
  if (outSp.some((x) => !(x >= 1))) fail(`${n.type} has no output (output size [${outSp.join(', ')}])`);
  const [H, Wd] = dims === 2 ? spatial : [1, spatial[0]];
  const [OH, OW] = dims === 2 ? outSp : [1, outSp[0]];
  const [KH, KW] = dims === 2 ? ks : [1, ks[0]];
  const [sy, sx] = dims === 2 ? stride : [1, stride[0]];
  const [py, px] = dims === 2 ? pad : [0, pad[0]];
  const [dy, dx] = dims === 2 ? dil : [1, dil[0]];
  const bias = num(n, 'bias').data;
  const rows = cout * OH * OW;
  if (rows * cinG * KH * KW > 2 ** 31) fail(`${n.type} would have more than 2^31 synapses`);
  const b = new Builder(),
    ptr = new Int32Array(rows + 1),
    rowBias = new Float64Array(rows);
  const perG = cout / groups;
  let r = 0;
  for (let co = 0; co < cout; co++) {
    const g = Math.floor(co / perG);
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++, r++) {
        rowBias[r] = bias.length ? bias[co] : 0;
        for (let ci = 0; ci < cinG; ci++) {
          const c = g * cinG + ci;
          for (let ky = 0; ky < KH; ky++) {
            const y = oy * sy - py + ky * dy;
            if (y < 0 || y >= H) continue;
            for (let kx = 0; kx < KW; kx++) {
              const x = ox * sx - px + kx * dx;
              if (x < 0 || x >= Wd) continue;
              const w = W.data[((co * cinG + ci) * KH + ky) * KW + kx];
              if (w !== 0) b.push((c * H + y) * Wd + x, w);
            }
          }
        }
        ptr[r + 1] = b.n;
      }
  }
  return {
    rows,
    cols: prod(input),
    ptr,
    idx: b.idx.slice(0, b.n),
    val: b.val.slice(0, b.n),
    bias: rowBias.some((x) => x !== 0) ? rowBias : undefined,
    shape: [cout, ...outSp],
  };
}

function pool(n: NirNode, input: number[], fail: (w: string) => never): Mat {
  if (input.length !== 3) fail(`${n.type} needs a (channels, height, width) input, gets [${input.join(', ')}]`);
  const [C, H, W] = input;
  if (!input.every((x) => Number.isInteger(x) && x >= 1)) fail(`${n.type} needs a positive input shape`);
  const [KH, KW] = perDim(n, 'kernel_size', 2),
    [sy, sx] = perDim(n, 'stride', 2),
    [py, px] = perDim(n, 'padding', 2);
  const OH = Math.floor((H + 2 * py - KH) / sy + 1),
    OW = Math.floor((W + 2 * px - KW) / sx + 1);
  if (!(OH >= 1 && OW >= 1)) fail(`${n.type} has no output`);
  if (C * OH * OW * KH * KW > 2 ** 31) fail(`${n.type} would have more than 2^31 synapses`);
  const v = n.type === 'AvgPool2d' ? 1 / (KH * KW) : 1;
  const b = new Builder(),
    ptr = new Int32Array(C * OH * OW + 1);
  let r = 0;
  for (let c = 0; c < C; c++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++, r++) {
        for (let ky = 0; ky < KH; ky++) {
          const y = oy * sy - py + ky;
          if (y < 0 || y >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const x = ox * sx - px + kx;
            if (x >= 0 && x < W) b.push((c * H + y) * W + x, v);
          }
        }
        ptr[r + 1] = b.n;
      }
  return {
    rows: C * OH * OW,
    cols: C * H * W,
    ptr,
    idx: b.idx.slice(0, b.n),
    val: b.val.slice(0, b.n),
    shape: [C, OH, OW],
  };
}
