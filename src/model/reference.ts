/**
 * The float64 reference of one input's inference run, written as directly as the spec reads (model-spec
 * section 2: the authors' form with Phi z and Phi^T e), with no kernel, no float32 rounding and no shortcut.
 * Tests check the JavaScript and WebAssembly kernels against it; it is far too slow for real work.
 */
import { floorSoftclamp, logSigmaOf } from './math.js';
import { poissonDraw, rateOf } from './poisson.js';
import type { IpVaeParams } from './params.js';

export interface RefStep {
  /** Step index t (the sample z_t drawn from u_t). */
  t: number;
  u: Float64Array;
  z: Int32Array;
  /** ||u_t - u_{t-1}||_2 (0 at t = 0). */
  duNorm: number;
}

/**
 * Run T steps on input x; calls onStep for t = 0..T with u_t and z_t ~ Poisson(exp(u_t) + eps) keyed
 * (seed, sample, neuron, t). The rate is rounded to float32 before drawing, as the kernels do, so that the
 * reference and the kernels see the same counts whenever their membranes agree to float32 precision.
 */
export function referenceRun(
  p: IpVaeParams,
  x: ArrayLike<number>,
  seed: number,
  sample: number,
  T: number,
  c: number,
  onStep: (s: RefStep) => void,
): Float64Array {
  const { D, K } = p;
  const invVar = new Float64Array(D);
  for (let d = 0; d < D; d++) invVar[d] = Math.exp(-2 * logSigmaOf(p.s[d]));
  const b = new Float64Array(K);
  for (let k = 0; k < K; k++) b[k] = Math.exp(p.logBias[k]);
  const eta = Math.exp(p.logLr);
  const u = Float64Array.from(p.u0);
  const z = new Int32Array(K);
  const e = new Float64Array(D);
  let duNorm = 0;
  for (let t = 0; t <= T; t++) {
    for (let k = 0; k < K; k++) z[k] = poissonDraw(rateOf(u[k]), seed, sample, k, t);
    onStep({ t, u, z, duNorm });
    if (t === T) break;
    for (let d = 0; d < D; d++) {
      let xh = 0;
      for (let k = 0; k < K; k++) xh += p.phi[d * K + k] * z[k];
      e[d] = (x[d] - xh) * invVar[d];
    }
    let dn = 0;
    for (let k = 0; k < K; k++) {
      let g = 0;
      for (let d = 0; d < D; d++) g += p.phi[d * K + k] * e[d];
      const du = floorSoftclamp(eta * (g - b[k]), c);
      const un = floorSoftclamp(u[k] + du, c);
      dn += (un - u[k]) ** 2;
      u[k] = un;
    }
    duNorm = Math.sqrt(dn);
  }
  return u;
}

/** Metrics of one sample at one step, in float64, from z and u (model-spec section 5). */
export function referenceMetrics(p: IpVaeParams, x: ArrayLike<number>, u: ArrayLike<number>, z: ArrayLike<number>) {
  const { D, K } = p;
  let mean = 0;
  for (let d = 0; d < D; d++) mean += x[d];
  mean /= D;
  let ssTot = 0,
    res = 0,
    resMap = 0,
    zeros = 0;
  for (let d = 0; d < D; d++) {
    let xh = 0,
      xm = 0;
    for (let k = 0; k < K; k++) {
      xh += p.phi[d * K + k] * z[k];
      xm += p.phi[d * K + k] * Math.exp(u[k]);
    }
    ssTot += (x[d] - mean) ** 2;
    res += (x[d] - xh) ** 2;
    resMap += (x[d] - xm) ** 2;
  }
  for (let k = 0; k < K; k++) if (z[k] === 0) zeros++;
  const eps = 1.1920928955078125e-7;
  return { r2: 1 - res / (ssTot + eps), r2_map: 1 - resMap / (ssTot + eps), pz: zeros / K, mse: res };
}
