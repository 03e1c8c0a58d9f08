/**
 * Fixed-point formats and saturating integer arithmetic. Values are integers held in JS numbers (exact up to
 * 2^53, so a product of two 24-bit registers is exact); every result is clipped to its declared range and every
 * clip is counted. Nothing wraps unless a named compatibility mode (wrapSigned, Lava's 24-bit membrane) asks.
 */

/** A two's-complement (signed) or unsigned integer of `bits` bits whose value is v / 2^frac. */
export interface QFormat {
  bits: number;
  frac: number;
  signed: boolean;
}

export function q(bits: number, frac: number, signed = true): QFormat {
  if (!Number.isInteger(bits) || bits < 1 || bits > 48)
    throw new RangeError(`QFormat: bits ${bits} must be an integer in [1, 48]`);
  if (!Number.isInteger(frac) || frac < -64 || frac > 64)
    throw new RangeError(`QFormat: frac ${frac} must be an integer in [-64, 64]`);
  return { bits, frac, signed };
}

export function qMin(f: QFormat): number {
  return f.signed ? -(2 ** (f.bits - 1)) : 0;
}

export function qMax(f: QFormat): number {
  return f.signed ? 2 ** (f.bits - 1) - 1 : 2 ** f.bits - 1;
}

/** Q notation, e.g. "s8.4" = signed, 8 bits, 4 of them fractional; "u16.16". */
export function qName(f: QFormat): string {
  return `${f.signed ? 's' : 'u'}${f.bits}.${f.frac}`;
}

/** A saturation counter: count[0] += 1 for every clipped result. */
export type SatCounter = Float64Array;
export const satCounter = (): SatCounter => new Float64Array(1);

/** Clip an integer to [lo, hi], counting a clip. */
export function sat(v: number, lo: number, hi: number, c?: SatCounter): number {
  if (v > hi) {
    if (c) c[0]++;
    return hi;
  }
  if (v < lo) {
    if (c) c[0]++;
    return lo;
  }
  return v;
}

/** Saturate to a format's range. */
export function satQ(v: number, f: QFormat, c?: SatCounter): number {
  return sat(v, qMin(f), qMax(f), c);
}

/** Real x to the nearest representable value of f (ties away from zero), saturating. */
export function toQ(x: number, f: QFormat, c?: SatCounter): number {
  if (Number.isNaN(x)) throw new RangeError('toQ: NaN has no fixed-point value');
  const s = x * 2 ** f.frac;
  const r = s < 0 ? -Math.round(-s) : Math.round(s);
  return satQ(r, f, c);
}

export function fromQ(v: number, f: QFormat): number {
  return v / 2 ** f.frac;
}

/** POW2[64 + e] = 2^e for e in [-64, 64]: scaling by a power of two is exact in float64. */
export const POW2 = Float64Array.from({ length: 129 }, (_, i) => 2 ** (i - 64));

/** floor(v / 2^s) for s >= 0 (an arithmetic right shift), or v * 2^-s for s < 0; exact for |v| < 2^53, |s| <= 64. */
export function shiftRight(v: number, s: number): number {
  return s >= 0 ? Math.floor(v * POW2[64 - s]) : v * POW2[64 - s];
}

/** Round to nearest (ties up) of v / 2^s (s <= 0: v * 2^-s); |s| <= 64. */
export function shiftRightRound(v: number, s: number): number {
  return s > 0 ? Math.floor((v + POW2[63 + s]) * POW2[64 - s]) : v * POW2[64 - s];
}

/** Truncation toward zero of v / 2^s (Lava's sign-magnitude shift). */
export function shiftRightTrunc(v: number, s: number): number {
  const m = Math.floor(Math.abs(v) / 2 ** s);
  return v < 0 ? -m : m;
}

/** Saturating a + b in format f. */
export function addSat(a: number, b: number, f: QFormat, c?: SatCounter): number {
  return satQ(a + b, f, c);
}

/** Saturating (a * b) >> shift (floor), in format f. Exact while |a * b| < 2^53. */
export function mulShiftSat(a: number, b: number, shift: number, f: QFormat, c?: SatCounter): number {
  return satQ(shiftRight(a * b, shift), f, c);
}

/** Saturating v << s (s >= 0), in format f. */
export function shlSat(v: number, s: number, f: QFormat, c?: SatCounter): number {
  return satQ(v * 2 ** s, f, c);
}

/** Two's-complement wrap into `bits` bits (compatibility modes only, e.g. Lava's 24-bit u). */
export function wrapSigned(v: number, bits: number): number {
  const m = 2 ** bits,
    h = 2 ** (bits - 1);
  let r = v % m;
  if (r >= h) r -= m;
  else if (r < -h) r += m;
  return r;
}
