/**
 * The metrics of model-spec section 5 for any family's codes, so every family is scored by the same code: per
 * input R^2 = 1 - |x - Phi z|^2 / (|x - mean(x)|^2 + eps) (mean over the pixels, eps = 2^-23 as the kernels),
 * then averaged; PZ = the fraction of
 * codes exactly 0; d = sqrt((1 - R^2)^2 + (1 - PZ)^2), the distance to the ideal corner. Sums in float64.
 */
import type { LinearDecoder } from './decoder.js';

export interface Scores {
  r2: number;
  pz: number;
  d: number;
  /** Per-input R^2 (N), for intervals. */
  r2PerInput: Float64Array;
}

/** The kernels' guard against an all-constant input (src/kernels/js.ts). */
const EPS32 = 1.1920928955078125e-7;

export function distance(r2: number, pz: number): number {
  return Math.hypot(1 - r2, 1 - pz);
}

/** Score N inputs X (N x D) against codes Z (N x K) through the decoder. */
export function score(X: Float32Array, Z: Float32Array, N: number, dec: LinearDecoder): Scores {
  const { D, K, phi } = dec;
  if (X.length < N * D || Z.length < N * K) throw new Error(`score: X or Z shorter than N = ${N} inputs`);
  const r2PerInput = new Float64Array(N);
  const xhat = new Float64Array(D);
  let zeros = 0,
    r2 = 0;
  for (let n = 0; n < N; n++) {
    xhat.fill(0);
    const z = Z.subarray(n * K, (n + 1) * K);
    for (let k = 0; k < K; k++) {
      const c = z[k];
      if (c === 0) {
        zeros++;
        continue;
      }
      for (let d = 0; d < D; d++) xhat[d] += phi[d * K + k] * c;
    }
    let mean = 0;
    for (let d = 0; d < D; d++) mean += X[n * D + d];
    mean /= D;
    let sse = 0,
      sst = 0;
    for (let d = 0; d < D; d++) {
      const x = X[n * D + d];
      sse += (x - xhat[d]) ** 2;
      sst += (x - mean) ** 2;
    }
    r2PerInput[n] = 1 - sse / (sst + EPS32);
    r2 += r2PerInput[n];
  }
  r2 /= N;
  const pz = zeros / (N * K);
  return { r2, pz, d: distance(r2, pz), r2PerInput };
}
