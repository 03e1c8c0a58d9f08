/**
 * Integer soft clamp of the iP-VAE update, softclamp(y, c) = c - softplus(c - y), on values in Q(f):
 * softplus(d) = max(d, 0) + log1p(exp(-|d|)), with exp(-|d|) from the integer exp (Q16) and log1p on [0, 1]
 * from a 257-entry table (Q24) with linear interpolation. Error: at most 2e-6 plus one unit of Q(f) (tested
 * against the float64 softclamp).
 */
import { iexp } from './iexp.js';
import { shiftRightRound } from './q.js';

const LOG1P_Q24 = Float64Array.from({ length: 257 }, (_, j) => Math.round(Math.log1p(j / 256) * 2 ** 24));

/** The table (Q24 values of log1p(j/256), j = 0..256), e.g. for another implementation. */
export function log1pTable(): Float64Array {
  return LOG1P_Q24.slice();
}

/** softplus(d / 2^f) in Q(f), for 8 <= f <= 20. */
export function isoftplus(d: number, f: number): number {
  const a = Math.abs(d);
  const pos = d > 0 ? d : 0;
  // exp(-|d|) * 2^16 < 0.5 rounds to 0 for |d| > ln(2^17) = 11.8, and log1p(0) = 0: the same result, sooner
  if (a >= 12 * 2 ** f) return pos;
  const e = iexp(-a, f, 16); // exp(-|d|) in Q16, in [0, 65536]
  const j = e >> 8,
    r = e & 255; // table index over [0, 1] in steps of 1/256
  const t0 = LOG1P_Q24[j],
    t1 = LOG1P_Q24[Math.min(256, j + 1)];
  const l = t0 + shiftRightRound((t1 - t0) * r, 8); // log1p(e) in Q24
  return pos + shiftRightRound(l, 24 - f);
}

/** softclamp(y, c) = c - softplus(c - y), y and c in Q(f). */
export function isoftclamp(y: number, c: number, f: number): number {
  return c - isoftplus(c - y, f);
}
