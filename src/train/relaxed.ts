/**
 * The relaxed (reparameterised) Poisson sample used in training (model-spec section 3): n_exp exponential
 * inter-arrival times with rate lambda, arrival times t_j = S_j / lambda (S_j = E_1 + ... + E_j, E ~ Exp(1)),
 * and the soft count z~ = sum_j sigmoid((1 - t_j) / tau). The noise E is fixed, so z~ is a differentiable
 * function of lambda:  dz~/dlambda = sum_j sigmoid'(a_j) S_j / (tau lambda^2),  a_j = (1 - S_j / lambda) / tau.
 * At tau = 0 training uses a hard Poisson draw (no gradient).
 */
import { threefry2x32 } from '../rng/threefry.js';
import { uniformOfWord } from '../model/poisson.js';

/** sigmoid without overflow. */
export function sigmoid(a: number): number {
  if (a >= 0) return 1 / (1 + Math.exp(-a));
  const e = Math.exp(a);
  return e / (1 + e);
}

/**
 * The argument of each sigmoid is clamped to [-30, 30] (sigmoid(-30) = 9.4e-14), which changes a soft count by
 * less than 1e-12 and keeps every float32 value in the training kernels normal (denormals are ~100x slower).
 */
export const A_MAX = 30;

/**
 * Soft count and its derivative with respect to lambda, from cumulative exponential noise S[0..n).
 * Writes [z, dz/dlambda] into out.
 */
export function relaxedCount(
  lambda: number,
  tau: number,
  S: ArrayLike<number>,
  n: number,
  out: Float64Array,
): Float64Array {
  let z = 0,
    dz = 0;
  for (let j = 0; j < n; j++) {
    const a = (1 - S[j] / lambda) / tau;
    // S only grows, so once a < -A_MAX every remaining term is the constant sigmoid(-A_MAX), with no gradient
    if (a < -A_MAX) {
      z += (n - j) * sigmoid(-A_MAX);
      break;
    }
    if (a > A_MAX) {
      z += sigmoid(A_MAX);
      continue;
    } // clamped: no gradient
    const s = sigmoid(a);
    z += s;
    dz += (s * (1 - s) * S[j]) / (tau * lambda * lambda);
  }
  out[0] = z;
  out[1] = dz;
  return out;
}

/** Noise streams: which of the two samples of a training step the exponentials feed. */
export const NOISE_DRIVE = 0x44520001,
  NOISE_LOSS = 0x4c530002;

/**
 * Cumulative Exp(1) noise S_1..S_n for (seed, sample, neuron, step, stream): E_j = -log U_j with U_j the
 * 23-bit uniform of word (j & 1) of Threefry keyed (seed ^ stream, sample), counter
 * (neuron, step * 1024 + (j >> 1)): one call serves two exponentials; up to 2048 per step.
 * Order-free like every draw; the WebAssembly kernel (relaxedAll) computes the same noise in float32.
 */
export function cumulativeExpNoise(
  seed: number,
  stream: number,
  sample: number,
  neuron: number,
  step: number,
  n: number,
  out: Float64Array,
): Float64Array {
  const w = new Uint32Array(2);
  let S = 0;
  for (let j = 0; j < n; j++) {
    if ((j & 1) === 0) threefry2x32((seed ^ stream) >>> 0, sample, neuron, step * 1024 + (j >> 1), 20, w);
    S += -Math.log(uniformOfWord(w[j & 1]));
    out[j] = S;
  }
  return out;
}
