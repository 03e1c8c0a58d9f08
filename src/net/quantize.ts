/**
 * The generic float-to-integer projection quantiser: a real weight matrix -> integer mantissas of `weightBits`
 * bits with a power-of-two exponent, as the Network IR stores them, and a report of the rounding error. Every
 * front end (the iP-VAE, NIR import) builds its projections with it.
 *
 * The exponent is chosen so the largest magnitude uses the full symmetric range: mantissa = round(w / 2^e),
 * |mantissa| <= 2^(bits-1) - 1, so nothing clips. 'shared': one exponent for the whole matrix. 'per-row': one
 * per target neuron (row of the (target, source) matrix), so a row of small weights keeps its precision; the IR
 * holds one exponent per projection, so the rows are grouped by exponent into one projection each
 * (`name`, `name/e<exponent>`, ...), which together are exactly the quantised matrix.
 */
import { csrFromDense, type Projection } from './network.js';
import { DEFAULTS, withDefaults } from '../defaults.js';

export interface TensorReport {
  name: string;
  bits: number;
  /** The exponent (per-row: the largest), and the smallest one when rows differ. */
  exponent: number;
  exponentMin?: number;
  maxAbs: number;
  /** RMS and max absolute error of the dequantised tensor, and RMS error relative to the tensor's RMS. */
  rmsError: number;
  maxError: number;
  relRmsError: number;
}

/** The exponents a Network can hold (the JSON loader's range). */
export const EXPONENT_MIN = -64,
  EXPONENT_MAX = 64;

/**
 * The exponent that puts maxAbs at the top of a `bits`-bit symmetric range (0 for an all-zero tensor), no
 * lower than EXPONENT_MIN (smaller weights round to 0 there, within half a unit of 2^-64).
 */
export function exponentFor(maxAbs: number, bits: number): number {
  if (!Number.isFinite(maxAbs)) throw new RangeError(`quantize: a weight is ${maxAbs}`);
  const top = 2 ** (bits - 1) - 1;
  const e = maxAbs > 0 ? Math.max(EXPONENT_MIN, Math.ceil(Math.log2(maxAbs / top))) : 0;
  if (e > EXPONENT_MAX)
    throw new RangeError(`quantize: |w| = ${maxAbs} needs an exponent above ${EXPONENT_MAX} at ${bits} bits`);
  return e;
}

/** The largest value of a list (no spread: lists can be long). */
function maxOf(a: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return a.length ? m : 0;
}

/** The smallest value of a list. */
function minOf(a: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] < m) m = a[i];
  return a.length ? m : 0;
}

/** The error report of integer mantissas m (real value m * 2^exponent) against the real tensor w. */
export function errorReport(
  name: string,
  w: ArrayLike<number>,
  m: ArrayLike<number>,
  bits: number,
  exponent: number | ArrayLike<number>,
  rowLength = w.length,
): TensorReport {
  let se = 0,
    sw = 0,
    me = 0,
    ma = 0;
  for (let i = 0; i < w.length; i++) {
    const e = typeof exponent === 'number' ? exponent : exponent[Math.floor(i / rowLength)];
    const err = Math.abs(m[i] * 2 ** e - w[i]);
    se += err * err;
    sw += w[i] * w[i];
    me = Math.max(me, err);
    ma = Math.max(ma, Math.abs(w[i]));
  }
  const n = Math.max(1, w.length);
  return {
    name,
    bits,
    exponent: typeof exponent === 'number' ? exponent : maxOf(exponent),
    ...(typeof exponent !== 'number' && exponent.length && minOf(exponent) !== maxOf(exponent)
      ? { exponentMin: minOf(exponent) }
      : {}),
    maxAbs: ma,
    rmsError: Math.sqrt(se / n),
    maxError: me,
    relRmsError: sw > 0 ? Math.sqrt(se / sw) : 0,
  };
}

/**
 * Integer mantissas and exponent of a real tensor at `bits` bits (symmetric range; default 8, as the CLI's
 * --weight-bits); the exponent is exponentFor(max |w|, bits) unless one is given.
 */
export function quantizeTensor(
  w: ArrayLike<number>,
  bits: number = DEFAULTS.weightBits,
  exponent?: number,
): { m: Int32Array; exponent: number; report: Omit<TensorReport, 'name'> } {
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) maxAbs = Math.max(maxAbs, Math.abs(w[i]));
  const top = 2 ** (bits - 1) - 1;
  const e = exponent ?? exponentFor(maxAbs, bits);
  const f = 2 ** e,
    m = new Int32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    let v = Math.round(w[i] / f);
    if (v > top) v = top;
    else if (v < -top) v = -top; // only reachable through floating rounding at the edge (or a forced exponent)
    m[i] = v;
  }
  const { name: _n, ...report } = errorReport('', w, m, bits, e);
  return { m, exponent: e, report };
}

/** Everything of a Projection but its weights, which the quantiser supplies. */
export type ProjectionShape = Omit<Projection, 'indptr' | 'indices' | 'weights' | 'weightBits' | 'exponent'>;

export interface ProjectionQuantOptions {
  /** Signed weight width in bits (default 8, as the CLI's --weight-bits). */
  weightBits?: number;
  /** One exponent for the matrix ('shared', default, as the CLI's --exponent) or one per target row ('per-row'). */
  exponent?: 'shared' | 'per-row';
}

/** ProjectionQuantOptions with the defaults applied and checked. */
function projectionQuant(o: ProjectionQuantOptions, where: string): Required<ProjectionQuantOptions> {
  const r = withDefaults<Required<ProjectionQuantOptions>>(
    { weightBits: DEFAULTS.weightBits, exponent: DEFAULTS.exponent },
    o,
  );
  if (!(Number.isInteger(r.weightBits) && r.weightBits >= 2 && r.weightBits <= 32))
    throw new RangeError(`${where}: weightBits = ${r.weightBits}, expected an integer from 2 to 32`);
  if (r.exponent !== 'shared' && r.exponent !== 'per-row')
    throw new RangeError(`${where}: exponent = ${JSON.stringify(r.exponent)}, expected 'shared' or 'per-row'`);
  return r;
}

/**
 * Quantise a real (target x source) matrix W, row-major nT x nS, into one or more IR projections (see the
 * module note for 'per-row'). Zero mantissas are dropped from the CSR. Returns the projections and one report
 * for the whole matrix.
 */
export function quantizeProjection(
  shape: ProjectionShape,
  W: ArrayLike<number>,
  nT: number,
  nS: number,
  options: ProjectionQuantOptions = {},
): { projections: Projection[]; report: TensorReport } {
  const o = projectionQuant(options, 'quantizeProjection');
  if (W.length !== nT * nS) throw new Error(`quantizeProjection: ${W.length} weights for ${nT} x ${nS}`);
  const bits = o.weightBits;
  if (o.exponent === 'shared') {
    const qt = quantizeTensor(W, bits);
    return {
      projections: [{ ...shape, ...csrFromDense(qt.m, nT, nS), weightBits: bits, exponent: qt.exponent }],
      report: { name: shape.name, ...qt.report },
    };
  }
  const rowExp = new Int32Array(nT),
    m = new Int32Array(nT * nS);
  for (let t = 0; t < nT; t++) {
    const row = Array.prototype.slice.call(W, t * nS, (t + 1) * nS) as number[];
    const qt = quantizeTensor(row, bits);
    rowExp[t] = qt.exponent;
    m.set(qt.m, t * nS);
  }
  const exps = [...new Set(rowExp)].sort((a, b) => b - a);
  const projections = exps.map((e, i) => {
    const part = new Int32Array(nT * nS);
    for (let t = 0; t < nT; t++) if (rowExp[t] === e) part.set(m.subarray(t * nS, (t + 1) * nS), t * nS);
    return {
      ...shape,
      name: i === 0 ? shape.name : `${shape.name}/e${e}`,
      ...csrFromDense(part, nT, nS),
      weightBits: bits,
      exponent: e,
    };
  });
  return { projections, report: errorReport(shape.name, W, m, bits, rowExp, nS) };
}

/**
 * Re-quantise an integer projection (real weights mantissa x 2^exponent) to `weightBits` bits, sparse: its
 * synapses keep their order, synapses whose new mantissa is 0 are dropped. With 'per-row' each target neuron
 * gets its own exponent and the synapses are grouped by exponent as in quantizeProjection. The report's errors
 * are over the stored synapses.
 */
export function requantizeProjection(
  p: Projection,
  nT: number,
  options: ProjectionQuantOptions = {},
): { projections: Projection[]; report: TensorReport } {
  const o = projectionQuant(options, 'requantizeProjection');
  const nnz = p.indices.length,
    nS = p.indptr.length - 1,
    bits = o.weightBits,
    top = 2 ** (bits - 1) - 1;
  const real = Float64Array.from(p.weights, (w) => w * 2 ** p.exponent);
  const rowMax = new Float64Array(o.exponent === 'per-row' ? nT : 1);
  for (let j = 0; j < nnz; j++) {
    const r = o.exponent === 'per-row' ? p.indices[j] : 0;
    rowMax[r] = Math.max(rowMax[r], Math.abs(real[j]));
  }
  const rowExp = Int32Array.from(rowMax, (m) => exponentFor(m, bits));
  const synExp = new Int32Array(nnz),
    m = new Int32Array(nnz);
  for (let j = 0; j < nnz; j++) {
    const e = rowExp[o.exponent === 'per-row' ? p.indices[j] : 0];
    synExp[j] = e;
    m[j] = Math.max(-top, Math.min(top, Math.round(real[j] / 2 ** e)));
  }
  const report = errorReport(p.name, real, m, bits, synExp, 1);
  if (o.exponent === 'shared') report.exponent = rowExp[0];
  const exps = [...new Set(rowExp)].sort((a, b) => b - a);
  const projections = exps.map((e, i) => {
    const indptr = new Int32Array(nS + 1),
      indices: number[] = [],
      weights: number[] = [];
    for (let s = 0; s < nS; s++) {
      for (let j = p.indptr[s]; j < p.indptr[s + 1]; j++)
        if (synExp[j] === e && m[j] !== 0) {
          indices.push(p.indices[j]);
          weights.push(m[j]);
        }
      indptr[s + 1] = indices.length;
    }
    const base = p.name.replace(/\/e-?\d+$/, ''); // a group of an earlier per-row split is renamed to its new exponent
    return {
      ...p,
      name: i === 0 ? (base === p.name ? p.name : `${base}/e${e}`) : `${base}/e${e}`,
      indptr,
      indices: Int32Array.from(indices),
      weights: Int32Array.from(weights),
      weightBits: bits,
      exponent: e,
    };
  });
  return { projections, report };
}

/**
 * Quantise a sparse real matrix given by target rows (ptr over targets, source indices, values) into one IR
 * projection (CSR by source) with a shared exponent; zero mantissas are dropped. The report's errors are over
 * the stored entries. For matrices too large to hold densely (convolutions).
 */
export function quantizeSparse(
  shape: ProjectionShape,
  ptr: Int32Array,
  idx: Int32Array,
  val: Float64Array,
  nT: number,
  nS: number,
  bits: number,
  exponent?: number,
): { projections: Projection[]; report: TensorReport } {
  const qt = quantizeTensor(val, bits, exponent);
  const count = new Int32Array(nS + 1);
  for (let j = 0; j < idx.length; j++) if (qt.m[j] !== 0) count[idx[j] + 1]++;
  for (let s = 0; s < nS; s++) count[s + 1] += count[s];
  const at = count.slice(0, nS),
    indices = new Int32Array(count[nS]),
    weights = new Int32Array(count[nS]);
  for (let t = 0; t < nT; t++)
    for (let j = ptr[t]; j < ptr[t + 1]; j++) {
      if (qt.m[j] === 0) continue;
      const k = at[idx[j]]++;
      indices[k] = t;
      weights[k] = qt.m[j];
    }
  return {
    projections: [{ ...shape, indptr: count, indices, weights, weightBits: bits, exponent: qt.exponent }],
    report: { name: shape.name, ...qt.report },
  };
}
