/**
 * Integer exponential: exp(u / 2^fin) * 2^fout from an integer u, with integer operations only (multiply, shift,
 * add, a 257-entry table). exp(x) = 2^(x log2 e): y = u * log2(e) in Q(fin + 16) (log2 e as a 24-bit fraction),
 * split into an integer part i and a fraction f in [0, 1); 2^f from a table of 2^(j/256) in Q30 with linear
 * interpolation between entries; then a rounding shift by i + fout - 30.
 *
 * Error bound (tested over the whole input range): relative error at most EXP_REL_BOUND = 4e-6 (interpolation
 * <= (ln 2 / 256)^2 / 8 = 9.2e-7, the log2(e) constant <= |x| * 2^-25 ln 2 <= 1.4e-6, y's rounding <= 2^-(fin + 17) ln 2) plus half a unit in the last place of the output; results above `maxOut` saturate (and are counted).
 */
import { POW2, shiftRightRound, type SatCounter } from './q.js';

export const LOG2E_Q24 = Math.round(Math.LOG2E * 2 ** 24); // 24204406
const TABLE_Q30 = Float64Array.from({ length: 257 }, (_, j) => Math.round(2 ** (j / 256) * 2 ** 30));

/** Documented relative error bound of iexp for 8 <= fin <= 20 and |u / 2^fin| <= 64 (plus half an output ulp). */
export const EXP_REL_BOUND = 4e-6;

/** The table (Q30 values of 2^(j/256), j = 0..256), e.g. for a hardware lookup or another implementation. */
export function expTable(): Float64Array {
  return TABLE_Q30.slice();
}

/**
 * round(exp(u / 2^fin) * 2^fout), saturating at maxOut. u integer with |u| <= 64 * 2^fin; 8 <= fin <= 20
 * (every intermediate product stays below 2^53, so it is exact); 0 <= fout <= 40.
 */
export function iexp(u: number, fin: number, fout: number, maxOut = 2 ** 31 - 1, c?: SatCounter): number {
  const YF = fin + 16;
  // y = u * log2(e) in Q(YF): u * LOG2E_Q24 is in Q(fin + 24); exact (|u| <= 2^26, LOG2E_Q24 < 2^25)
  const y = shiftRightRound(u * LOG2E_Q24, 8);
  const i = Math.floor(y * POW2[64 - YF]);
  const f = y - i * POW2[64 + YF]; // [0, 2^YF)
  const sh = YF - 8;
  const j = Math.floor(f * POW2[64 - sh]),
    r = f - j * POW2[64 + sh];
  const t0 = TABLE_Q30[j],
    t1 = TABLE_Q30[j + 1];
  const m = t0 + shiftRightRound((t1 - t0) * r, sh); // 2^f in Q30, in [2^30, 2^31]
  const e = i + fout - 30; // result = m * 2^e
  if (e >= 0) {
    const v = m * POW2[64 + Math.min(e, 64)];
    if (v > maxOut) {
      if (c) c[0]++;
      return maxOut;
    }
    return v;
  }
  if (e < -62) return 0;
  const v = shiftRightRound(m, -e);
  if (v > maxOut) {
    if (c) c[0]++;
    return maxOut;
  }
  return v;
}
