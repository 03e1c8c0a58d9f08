/**
 * Plain-JavaScript kernels: the readable reference for the WebAssembly SIMD kernels (src/kernels/asm/) and a
 * fallback where WebAssembly SIMD is missing. Inputs and state are float32 arrays; sums are accumulated in
 * float64 (JavaScript numbers) and rounded to float32 when stored.
 */
import { poissonDraw, rateOf } from '../model/poisson.js';
import { floorSoftclamp } from '../model/math.js';
import type { Prepared } from '../model/params.js';

let acc64 = new Float64Array(0);

/**
 * out[d] = sum over all k of z[k] * phiT[k, d]: the dense decoder Phi z, every row, zero or not.
 * Row-wise (contiguous) accumulation in float64, rounded to float32 at the end.
 */
export function denseDecode(phiT: Float32Array, K: number, D: number, z: Float32Array, out: Float32Array): void {
  if (acc64.length < D) acc64 = new Float64Array(D);
  const acc = acc64;
  acc.fill(0, 0, D);
  for (let k = 0; k < K; k++) {
    const c = z[k];
    const o = k * D;
    for (let d = 0; d < D; d++) acc[d] += c * phiT[o + d];
  }
  for (let d = 0; d < D; d++) out[d] = acc[d];
}

/** out[k] = sum_d rows[k, d] * v[d] (dense Phi^T e with rows = phiT). */
export function denseProject(rows: Float32Array, K: number, D: number, v: Float32Array, out: Float32Array): void {
  for (let k = 0; k < K; k++) {
    const o = k * D;
    let acc = 0;
    for (let d = 0; d < D; d++) acc += rows[o + d] * v[d];
    out[k] = acc;
  }
}

/**
 * Event-driven product: out[j] = sum over the nActive events i of counts[i] * rows[active[i], j].
 * Only neurons that fired are touched, each weighted by its integer count.
 */
export function eventAccumulate(
  rows: Float32Array,
  width: number,
  active: Int32Array,
  counts: Int32Array,
  nActive: number,
  out: Float32Array,
): void {
  out.fill(0, 0, width);
  for (let i = 0; i < nActive; i++) {
    const o = active[i] * width;
    const c = counts[i];
    for (let j = 0; j < width; j++) out[j] += c * rows[o + j];
  }
}

/** Everything a per-sample inference run reads: the model as prepare() derives it. */
export type RunModel = Prepared;

export type Mode = 'event' | 'dense';

/** Metric slots per record, in this order. */
export const REC_FIELDS = 6; // r2, r2_map, zero fraction, mse, du_norm, total spike count
const EPS32 = 1.1920928955078125e-7;

/** Scratch buffers for one sample's run, reused across samples. */
export class JsScratch {
  u: Float32Array;
  zf: Float32Array;
  counts: Int32Array;
  active: Int32Array;
  acts: Int32Array;
  acc: Float32Array;
  drive: Float32Array;
  xhat: Float32Array;
  e: Float32Array;
  rate: Float32Array;
  constructor(D: number, K: number) {
    this.u = new Float32Array(K);
    this.zf = new Float32Array(K);
    this.counts = new Int32Array(K);
    this.active = new Int32Array(K);
    this.acts = new Int32Array(K);
    this.acc = new Float32Array(K);
    this.drive = new Float32Array(K);
    this.xhat = new Float32Array(D);
    this.e = new Float32Array(D);
    this.rate = new Float32Array(K);
  }
}

/** Draw z_t for every neuron; fills active/acts (index, count) and returns the number of neurons that fired. */
function sampleAll(u: Float32Array, K: number, seed: number, sample: number, step: number, s: JsScratch): number {
  let n = 0;
  for (let k = 0; k < K; k++) {
    const z = poissonDraw(rateOf(u[k]), seed, sample, k, step);
    if (z > 0) {
      s.active[n] = k;
      s.acts[n] = z;
      n++;
    }
  }
  return n;
}

/**
 * Record the evaluation metrics at one step into out[o .. o + REC_FIELDS).
 * r2 via spikes (Phi z), r2_map via rates (Phi exp(u)), the fraction of zero counts, mse, du_norm.
 */
function record(
  m: RunModel,
  x: Float32Array,
  xo: number,
  ssTot: number,
  nActive: number,
  s: JsScratch,
  duNorm: number,
  out: Float64Array,
  o: number,
): void {
  const { D, K, phiT } = m;
  eventAccumulate(phiT, D, s.active, s.acts, nActive, s.xhat);
  let res = 0;
  for (let d = 0; d < D; d++) {
    const r = x[xo + d] - s.xhat[d];
    res += r * r;
  }
  for (let k = 0; k < K; k++) s.rate[k] = Math.exp(s.u[k]);
  denseDecode(phiT, K, D, s.rate, s.xhat);
  let resMap = 0;
  for (let d = 0; d < D; d++) {
    const r = x[xo + d] - s.xhat[d];
    resMap += r * r;
  }
  out[o] = 1 - res / (ssTot + EPS32);
  out[o + 1] = 1 - resMap / (ssTot + EPS32);
  out[o + 2] = (K - nActive) / K;
  out[o + 3] = res;
  out[o + 4] = duNorm;
  let spikes = 0;
  for (let i = 0; i < nActive; i++) spikes += s.acts[i];
  out[o + 5] = spikes;
}

/**
 * Run T steps of iP-VAE inference on one input x (at offset xo) and write the metrics at every step listed in
 * recSteps (ascending, within 0..T) into out (REC_FIELDS per record, from offset oo).
 * z_t ~ Poisson(exp(u_t)) keyed (seed, sample, neuron, t) drives u_t -> u_{t+1} and is the sample reported at t.
 */
export function runSampleJs(
  m: RunModel,
  mode: Mode,
  x: Float32Array,
  xo: number,
  sample: number,
  seed: number,
  T: number,
  c: number,
  recSteps: Int32Array,
  out: Float64Array,
  oo: number,
  s: JsScratch,
): void {
  const { D, K, phiT, invVar, bias, eta } = m;
  const u = s.u;
  u.set(m.u0);
  let mean = 0;
  for (let d = 0; d < D; d++) mean += x[xo + d];
  mean /= D;
  let ssTot = 0;
  for (let d = 0; d < D; d++) {
    const r = x[xo + d] - mean;
    ssTot += r * r;
  }
  if (mode === 'event') {
    if (!m.wrec) throw new Error('runSampleJs: the event-driven mode needs W_rec (prepare(model, true))');
    for (let d = 0; d < D; d++) s.e[d] = x[xo + d] * invVar[d];
    denseProject(phiT, K, D, s.e, s.drive);
    for (let k = 0; k < K; k++) s.drive[k] = s.drive[k] - bias[k];
  }
  let duNorm = 0;
  let ri = 0;
  for (let t = 0; t <= T; t++) {
    const needRecord = ri < recSteps.length && recSteps[ri] === t;
    if (t === T && !needRecord) break;
    const nActive = sampleAll(u, K, seed, sample, t, s);
    if (needRecord) {
      record(m, x, xo, ssTot, nActive, s, duNorm, out, oo + ri * REC_FIELDS);
      ri++;
    }
    if (t === T) break;
    const g = s.acc;
    if (mode === 'event') {
      eventAccumulate(m.wrec!, K, s.active, s.acts, nActive, g);
      for (let k = 0; k < K; k++) g[k] = s.drive[k] - g[k];
    } else {
      s.zf.fill(0);
      for (let i = 0; i < nActive; i++) s.zf[s.active[i]] = s.acts[i];
      denseDecode(phiT, K, D, s.zf, s.xhat);
      for (let d = 0; d < D; d++) s.e[d] = (x[xo + d] - s.xhat[d]) * invVar[d];
      denseProject(phiT, K, D, s.e, g);
      for (let k = 0; k < K; k++) g[k] = g[k] - bias[k];
    }
    let dn = 0;
    for (let k = 0; k < K; k++) {
      const duRaw = Math.fround(eta * g[k]);
      const du = Math.fround(floorSoftclamp(duRaw, c));
      const y = Math.fround(u[k] + du);
      const un = Math.fround(floorSoftclamp(y, c));
      const diff = un - u[k];
      dn += diff * diff;
      u[k] = un;
    }
    duNorm = Math.sqrt(dn);
  }
}
