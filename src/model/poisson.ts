/**
 * The evaluation-time (hard) Poisson sampler: z ~ Poisson(lambda), one draw per (seed, sample, neuron, step).
 *
 * - lambda < POISSON_SPLIT: inverse CDF from one uniform U (23 bits of word (neuron & 1) of Threefry with key
 *   (seed, sample) and counter (neuron >> 1, step): two neighbouring neurons share one 64-bit output): the
 *   smallest k with F(k) >= U, in float32 arithmetic (poissonInvertF32), from p(0) = exp(-lambda).
 * - lambda >= POISSON_SPLIT: Hoermann's PTRS transformed rejection ("The transformed rejection method for
 *   generating Poisson random variables", Insurance: Mathematics and Economics 12, 1993), exact for lambda >= 10;
 *   attempt j uses the two words of Threefry with key (drawKey(seed, j), sample), same counter.
 *
 * The JavaScript and the WebAssembly samplers implement this same algorithm. The distribution is tested
 * against the exact Poisson pmf in test/poisson.test.ts.
 */
import { threefry2x32, u01f, drawKey } from '../rng/threefry.js';
import { logGamma } from './math.js';

export const POISSON_SPLIT = 10;
/** The authors add float32 machine epsilon to every rate (torch.finfo(float32).eps). */
export const RATE_EPS = 1.1920928955078125e-7;
const MAX_INVERSION_K = 100;

const tfw = new Uint32Array(2);

/** 1/k rounded to float32 (the WebAssembly kernel's table). */
const INV_K = Float32Array.from({ length: MAX_INVERSION_K + 1 }, (_, k) => (k === 0 ? 0 : 1 / k));

/**
 * Inverse CDF in float32 arithmetic: the smallest k with F(k) >= U, F(k) = F(k-1) + p(k),
 * p(k) = p(k-1) * (lambda * (1/k)), every operation rounded to float32. Counting also stops where F no
 * longer grows (the tail below float32 resolution) and at MAX_INVERSION_K. The WebAssembly kernel does the
 * same operations in four lanes, so both give the same counts for the same (U, lambda, p0).
 */
export function poissonInvertF32(U: number, lambda: number, p0: number): number {
  const f = Math.fround;
  let p = f(p0),
    F = f(p0),
    prevF = -1,
    z = 0;
  for (let k = 1; k <= MAX_INVERSION_K; k++) {
    if (!(U > F && F > prevF)) break;
    z = k;
    prevF = F;
    p = f(p * f(lambda * INV_K[k]));
    F = f(F + p);
  }
  return z;
}

/** The uniform of a Threefry word as the kernels form it: top 23 bits m, (m + 0.5) 2^-23, in [2^-24, 1 - 2^-24]. */
export function uniformOfWord(w: number): number {
  return ((w >>> 9) + 0.5) * 1.1920928955078125e-7;
}

/** PTRS for lambda >= 10. */
export function poissonPtrs(lambda: number, seed: number, sample: number, neuron: number, step: number): number {
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (let j = 1; ; j++) {
    threefry2x32(drawKey(seed, j), sample, neuron, step, 20, tfw);
    const U = u01f(tfw[0]) - 0.5;
    const V = u01f(tfw[1]);
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logGamma(k + 1)) {
      return k;
    }
  }
}

/** One hard Poisson draw for (seed, sample, neuron, step) at rate lambda (already including RATE_EPS). */
export function poissonDraw(lambda: number, seed: number, sample: number, neuron: number, step: number): number {
  if (lambda >= POISSON_SPLIT) return poissonPtrs(lambda, seed, sample, neuron, step);
  threefry2x32(seed, sample, neuron >>> 1, step, 20, tfw);
  return poissonInvertF32(uniformOfWord(tfw[neuron & 1]), lambda, Math.fround(Math.exp(-lambda)));
}

/** The rate of a membrane potential, in float32 as the kernels compute it. */
export function rateOf(u: number): number {
  return Math.fround(Math.fround(Math.exp(u)) + RATE_EPS);
}
