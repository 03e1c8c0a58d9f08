/** What both forms of the batched gradient (pixel space: batch-pixel.ts; latent space: batch.ts) share. */
import type { WasmKernels } from '../kernels/wasm.js';
import { logSigmaOf } from '../model/math.js';
import { RATE_EPS } from '../model/poisson.js';
import { relaxedCount, NOISE_DRIVE, NOISE_LOSS } from './relaxed.js';
import type { IpVaeParams } from '../model/params.js';
import type { Grads } from './bptt64.js';

/** Cumulative Exp(1) noise for (stream, step, batch row, neuron) into out[0..n). */
export type BatchNoiseFn = (
  stream: 0 | 1,
  step: number,
  row: number,
  neuron: number,
  n: number,
  out: Float64Array,
) => void;

/**
 * Where the relaxed samples' noise comes from: a JavaScript function (tests), or the WebAssembly sampler
 * keyed by seed and each row's global sample index (cumulativeExpNoise's definition, in float32).
 */
export type BatchNoise = BatchNoiseFn | { seed: number; samples: ArrayLike<number> };

/**
 * Per-pixel log sigma and 1 / sigma^2, the Gaussian normaliser sum_d (log sigma_d + 1/2 log 2 pi), eta
 * (float32); writes the thresholds b into pBias and u0 into every row of the B x K block at pU0.
 */
export function stepConstants(
  w: WasmKernels,
  p: IpVaeParams,
  pBias: number,
  pU0: number,
  B: number,
): { logSig: Float64Array; wv: Float64Array; logSigSum: number; eta: number } {
  const { D, K } = p;
  const logSig = new Float64Array(D),
    wv = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    logSig[d] = logSigmaOf(p.s[d]);
    wv[d] = Math.exp(-2 * logSig[d]);
  }
  const biasV = w.f32(pBias, K);
  for (let k = 0; k < K; k++) biasV[k] = Math.exp(p.logBias[k]);
  const U0 = w.f32(pU0, B * K);
  for (let b = 0; b < B; b++) U0.set(p.u0, b * K);
  const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);
  let logSigSum = 0;
  for (let d = 0; d < D; d++) logSigSum += logSig[d] + halfLog2Pi;
  return { logSig, wv, logSigSum, eta: Math.fround(Math.exp(p.logLr)) };
}

/** exp of the largest membrane of a block (the running max rate behind the n_exp rule). */
export function maxRateOf(u: Float32Array): number {
  let m = -Infinity;
  for (let i = 0; i < u.length; i++) if (u[i] > m) m = u[i];
  return Math.exp(m);
}

/**
 * Accumulate the gradients of u0 (summed over the B rows of gU), log_bias, log_lr and s: dLogSig[d] and
 * dW[d] are dL/dlog sigma_d (direct) and dL/d(1/sigma_d^2).
 */
export function addTailGrads(
  grads: Grads,
  p: IpVaeParams,
  B: number,
  gU: Float32Array,
  dLogBias: Float32Array,
  dEta: number,
  eta: number,
  dLogSig: ArrayLike<number>,
  dW: ArrayLike<number>,
  wv: Float64Array,
): void {
  const { D, K } = p;
  for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) grads.u0[k] += gU[b * K + k];
  for (let k = 0; k < K; k++) grads.logBias[k] += dLogBias[k];
  grads.logLr += dEta * eta;
  for (let d = 0; d < D; d++) {
    const th = Math.tanh(p.s[d] / 3.45);
    grads.s[d] += (dLogSig[d] + dW[d] * -2 * wv[d]) * (1 - th * th);
  }
}

const S = new Float64Array(4096),
  zz = new Float64Array(2);

/** Relaxed soft counts z and dz/du of the B x K membranes at pu, for sample stream 0 (drive) or 1 (loss). */
export function relaxedRows(
  w: WasmKernels,
  noise: BatchNoise,
  B: number,
  K: number,
  tau: number,
  n: number,
  stream: 0 | 1,
  step: number,
  pu: number,
  pz: number,
  pdz: number,
): void {
  if (typeof noise !== 'function') {
    const key0 = (noise.seed ^ (stream === 0 ? NOISE_DRIVE : NOISE_LOSS)) >>> 0;
    for (let b = 0; b < B; b++) {
      const o = b * K * 4;
      w.x.relaxedAll(pu + o, K, tau, n, key0, noise.samples[b], step, pz + o, pdz + o);
    }
    return;
  }
  const BK = B * K,
    uu = w.f32(pu, BK),
    Z = w.f32(pz, BK),
    dZ = w.f32(pdz, BK);
  for (let b = 0; b < B; b++)
    for (let k = 0; k < K; k++) {
      const i = b * K + k,
        eu = Math.exp(uu[i]);
      noise(stream, step, b, k, n, S);
      relaxedCount(eu + RATE_EPS, tau, S, n, zz);
      Z[i] = zz[0];
      dZ[i] = zz[1] * eu;
    }
}
