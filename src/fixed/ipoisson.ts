/**
 * Integer-only Poisson sampler: inverse CDF on 31-bit fixed-point probabilities, fed by the counter-based
 * Threefry generator. A rate lambda (an integer in Q(frac)) is split into chunks of at most CHUNK; each chunk c
 * draws its own 31-bit uniform U and returns the smallest k with U < P(0) + ... + P(k), where
 * P(0) = exp(-c) (integer exp, Q31) and P(k) = floor(P(k-1) * c / k). The sum of the chunks' counts is
 * Poisson(lambda) (sums of independent Poisson variables are Poisson). The sampler's exact output distribution
 * (pmfOf) is within a total-variation distance of about 1e-5 of the true pmf for rates up to 50 (tested); the
 * count saturates at `cap` (counted).
 *
 * Words: chunk j of (seed, sample, neuron, step) uses Threefry-2x32-20 with key (seed, sample) and counter
 * (neuron, step * 65536 + (j >> 1)), word j & 1. One chunk per neuron and step covers rates up to CHUNK.
 */
import { iexp } from './iexp.js';
import { threefry2x32 } from '../rng/threefry.js';
import type { SatCounter } from './q.js';

/** Largest rate one uniform word serves (exp(-8) = 3.4e-4 keeps 20 bits of P(0)). */
export const CHUNK = 8;
/** Per-chunk bound on the count (P(k > 60 | rate 8) < 1e-40). */
const KMAX = 60;

/** floor(a / b) for non-negative integers a < 2^53, b < 2^31, exactly. */
function idiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

/** Count for one chunk of rate cq (Q(frac), cq <= CHUNK * 2^frac) and a 31-bit uniform U. */
export function chunkCount(cq: number, frac: number, U: number): number {
  if (cq <= 0) return 0;
  // P(0) = exp(-c) >= 1 - c, and iexp is within 4e-6 (relative) + 0.5: below this bound U < P(0) for sure, so
  // the count is 0 without evaluating the exponential (most neurons of a sparse code, most steps)
  if (U < (1 - cq / 2 ** frac - 1e-5) * 2 ** 31) return 0;
  let p = iexp(-cq, frac, 31);
  let cdf = p,
    k = 0;
  const den = 2 ** frac;
  while (U >= cdf && k < KMAX) {
    k++;
    p = idiv(p * cq, k * den);
    if (p === 0) break; // no representable mass left: the rounding remainder stays on this k
    cdf += p;
  }
  return k;
}

/** Split lambda (Q(frac)) into n = ceil(lambda / CHUNK) near-equal integer chunks; chunk j's rate. */
export function chunkRate(lq: number, frac: number, j: number): { n: number; rate: number } {
  const cmax = CHUNK * 2 ** frac;
  const n = Math.max(1, Math.ceil(lq / cmax));
  const base = Math.floor(lq / n),
    rem = lq - base * n;
  return { n, rate: base + (j < rem ? 1 : 0) };
}

/**
 * A Poisson(lq / 2^frac) count from the counter-based generator, saturating at cap (counted in c).
 * frac <= 20 keeps every product exact.
 */
export function iPoisson(
  lq: number,
  frac: number,
  seed: number,
  sample: number,
  neuron: number,
  step: number,
  cap: number,
  c?: SatCounter,
  w: Uint32Array = new Uint32Array(2),
): number {
  if (lq <= 0) return 0;
  const cmax = CHUNK * 2 ** frac;
  const n = lq <= cmax ? 1 : Math.ceil(lq / cmax),
    base = Math.floor(lq / n),
    rem = lq - base * n;
  let total = 0;
  for (let j = 0; j < n; j++) {
    if ((j & 1) === 0) threefry2x32(seed, sample, neuron, step * 65536 + (j >> 1), 20, w);
    total += chunkCount(base + (j < rem ? 1 : 0), frac, w[j & 1] >>> 1);
    if (total > cap) {
      if (c) c[0]++;
      return cap;
    }
  }
  return total;
}

/**
 * The exact output distribution of chunkCount for one chunk rate cq: pmf[k] = (CDF_k - CDF_{k-1}) / 2^31, with
 * the mass the rounded CDF does not reach assigned where the sampler puts it (its last k).
 */
export function pmfOf(cq: number, frac: number): Float64Array {
  const TOP = 2 ** 31;
  // the thresholds the sampler compares U against: k is returned for U in [cdf_{k-1}, cdf_k), and the last k
  // reached (p = 0 or KMAX) also for every U above
  const cdfs: number[] = [];
  let p = iexp(-cq, frac, 31),
    cdf = p,
    k = 0;
  cdfs.push(cdf);
  const den = 2 ** frac;
  while (cdf < TOP && k < KMAX) {
    k++;
    p = idiv(p * cq, k * den);
    if (p === 0) {
      cdfs.push(TOP);
      break;
    }
    cdf += p;
    cdfs.push(cdf);
  }
  cdfs[cdfs.length - 1] = TOP;
  let prev = 0;
  return Float64Array.from(cdfs, (v) => {
    const m = Math.min(v, TOP) - Math.min(prev, TOP);
    prev = v;
    return m / TOP;
  });
}
