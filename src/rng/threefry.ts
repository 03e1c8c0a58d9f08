/**
 * Threefry-2x32 counter-based generator (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as
 * 1, 2, 3", SC 2011). A keyed bijection of a 64-bit counter: the same (key, counter) always gives the same
 * 64 output bits, whatever order the draws are made in. That is what makes every result in this project
 * independent of batch composition, engine and thread count.
 *
 * Rotation constants and the key-schedule parity 0x1BD11BDA are those of the Threefish/Skein specification
 * as used by Random123; the known-answer vectors in test/rng.test.ts come from Random123's kat_vectors.
 */

const R0 = 13,
  R1 = 15,
  R2 = 26,
  R3 = 6,
  R4 = 17,
  R5 = 29,
  R6 = 16,
  R7 = 24;

/** Output buffer reused by threefry2x32 (no allocation per draw). */
export const tfOut = new Uint32Array(2);

/**
 * Threefry-2x32 with `rounds` rounds (20 by default, Random123's default; 13 is the smallest count that
 * passes BigCrush). Writes two uint32 words into `out` (default: the shared `tfOut`).
 */
export function threefry2x32(
  k0: number,
  k1: number,
  c0: number,
  c1: number,
  rounds = 20,
  out: Uint32Array = tfOut,
): Uint32Array {
  const ks0 = k0 >>> 0,
    ks1 = k1 >>> 0,
    ks2 = (0x1bd11bda ^ ks0 ^ ks1) >>> 0;
  let x0 = (c0 + ks0) | 0,
    x1 = (c1 + ks1) | 0;
  for (let r = 0; r < rounds; r++) {
    let rot: number;
    switch (r & 7) {
      case 0:
        rot = R0;
        break;
      case 1:
        rot = R1;
        break;
      case 2:
        rot = R2;
        break;
      case 3:
        rot = R3;
        break;
      case 4:
        rot = R4;
        break;
      case 5:
        rot = R5;
        break;
      case 6:
        rot = R6;
        break;
      default:
        rot = R7;
    }
    x0 = (x0 + x1) | 0;
    x1 = (x1 << rot) | (x1 >>> (32 - rot));
    x1 ^= x0;
    if ((r & 3) === 3) {
      const s = (r >>> 2) + 1;
      const a = s % 3,
        b = (s + 1) % 3;
      x0 = (x0 + (a === 0 ? ks0 : a === 1 ? ks1 : ks2)) | 0;
      x1 = (x1 + (b === 0 ? ks0 : b === 1 ? ks1 : ks2) + s) | 0;
    }
  }
  out[0] = x0 >>> 0;
  out[1] = x1 >>> 0;
  return out;
}

/** A uint32 word as a uniform float64 in the open interval (0, 1), 24-bit resolution (used by PTRS). */
export function u01f(word: number): number {
  return ((word >>> 8) + 0.5) * 5.9604644775390625e-8; // 2^-24
}

/** Derive the key word for the j-th extra draw of a (seed, ...) triple: j = 0 is the seed itself. */
export function drawKey(seed: number, j: number): number {
  return (seed + Math.imul(j, 0x9e3779b9)) >>> 0;
}
