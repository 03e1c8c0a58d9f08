import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  q,
  qMin,
  qMax,
  toQ,
  fromQ,
  satCounter,
  addSat,
  mulShiftSat,
  shlSat,
  shiftRight,
  shiftRightRound,
  shiftRightTrunc,
  wrapSigned,
  qName,
} from '../src/fixed/q.js';
import { iexp, EXP_REL_BOUND } from '../src/fixed/iexp.js';
import { chunkCount, iPoisson, pmfOf, CHUNK } from '../src/fixed/ipoisson.js';
import { poissonPmf } from '../src/model/math.js';

describe('fixed-point formats and saturating arithmetic', () => {
  it('ranges, names and rounding by hand', () => {
    const s8 = q(8, 4),
      u8 = q(8, 0, false);
    expect([qMin(s8), qMax(s8), qMin(u8), qMax(u8)]).toEqual([-128, 127, 0, 255]);
    expect(qName(s8)).toBe('s8.4');
    expect(toQ(1.03125, s8)).toBe(17); // 16.5 -> 17 (ties away from zero)
    expect(toQ(-1.03125, s8)).toBe(-17);
    expect(fromQ(17, s8)).toBe(1.0625);
    const c = satCounter();
    expect(toQ(100, s8, c)).toBe(127);
    expect(toQ(-100, s8, c)).toBe(-128);
    expect(c[0]).toBe(2);
    expect(addSat(120, 10, s8, c)).toBe(127);
    expect(mulShiftSat(100, 100, 4, s8, c)).toBe(127); // 625
    expect(mulShiftSat(-7, 3, 1, s8, c)).toBe(-11); // floor(-10.5)
    expect(shlSat(3, 6, s8, c)).toBe(127);
    expect(c[0]).toBe(5);
    expect([shiftRight(-7, 1), shiftRightRound(-7, 1), shiftRightTrunc(-7, 1), shiftRightRound(5, 1)]).toEqual([
      -4, -3, -3, 3,
    ]);
  });

  it('saturating results always lie in range and equal the exact result when it fits (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 24 }),
        fc.integer({ min: -(2 ** 30), max: 2 ** 30 }),
        fc.integer({ min: -(2 ** 30), max: 2 ** 30 }),
        (bits, a, b) => {
          const f = q(bits, 0),
            c = satCounter();
          const lo = qMin(f),
            hi = qMax(f);
          const A = Math.max(lo, Math.min(hi, a)),
            B = Math.max(lo, Math.min(hi, b));
          const r = addSat(A, B, f, c);
          expect(r).toBeGreaterThanOrEqual(lo);
          expect(r).toBeLessThanOrEqual(hi);
          const exact = A + B;
          expect(c[0]).toBe(exact > hi || exact < lo ? 1 : 0);
          if (c[0] === 0) expect(r).toBe(exact);
        },
      ),
    );
  });

  it("wrapSigned is two's-complement arithmetic modulo 2^bits", () => {
    expect(wrapSigned(2 ** 23, 24)).toBe(-(2 ** 23));
    expect(wrapSigned(2 ** 23 - 1, 24)).toBe(2 ** 23 - 1);
    expect(wrapSigned(-(2 ** 23) - 1, 24)).toBe(2 ** 23 - 1);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (v) => {
        const r = wrapSigned(v, 16);
        expect(r).toBeGreaterThanOrEqual(-32768);
        expect(r).toBeLessThanOrEqual(32767);
        expect((((r - v) % 65536) + 65536) % 65536).toBe(0);
      }),
    );
  });
});

describe('integer exp', () => {
  it('is within its documented bound of Math.exp over the whole iP-VAE range (fin 12, fout 16)', () => {
    let worst = 0;
    for (let u = -8 * 4096; u <= 12 * 4096; u += 7) {
      const exact = Math.exp(u / 4096) * 2 ** 16;
      const got = iexp(u, 12, 16, 2 ** 40);
      const err = Math.abs(got - exact);
      expect(err).toBeLessThanOrEqual(EXP_REL_BOUND * exact + 0.5);
      if (exact > 2 ** 12) worst = Math.max(worst, err / exact);
    }
    expect(worst).toBeGreaterThan(1e-8); // the bound is not vacuous: the check sees real rounding
  });

  it('exact at powers of two inputs of log 2 ... and saturates and counts above maxOut', () => {
    expect(iexp(0, 12, 16)).toBe(65536);
    const c = satCounter();
    expect(iexp(20 * 4096, 12, 16, 2 ** 31 - 1, c)).toBe(2 ** 31 - 1);
    expect(c[0]).toBe(1);
    expect(iexp(-64 * 4096, 12, 16)).toBe(0);
  });

  it('random formats (property): bound holds for fin in [8, 20], fout in [0, 31]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 20 }),
        fc.integer({ min: 0, max: 31 }),
        fc.double({ min: -30, max: 15, noNaN: true }),
        (fin, fout, x) => {
          const u = Math.round(x * 2 ** fin);
          const exact = Math.exp(u / 2 ** fin) * 2 ** fout;
          const got = iexp(u, fin, fout, 2 ** 52);
          if (exact * (1 + EXP_REL_BOUND) >= 2 ** 52) expect(got).toBeGreaterThanOrEqual(2 ** 52 * (1 - EXP_REL_BOUND));
          else expect(Math.abs(got - exact)).toBeLessThanOrEqual(EXP_REL_BOUND * exact + 0.5);
        },
      ),
    );
  });
});

/** pmf of the sum of independent chunks: convolution of each chunk's exact sampler pmf. */
function samplerPmf(lam: number, frac: number): Float64Array {
  const lq = Math.round(lam * 2 ** frac),
    cmax = CHUNK * 2 ** frac;
  const n = Math.max(1, Math.ceil(lq / cmax)),
    base = Math.floor(lq / n),
    rem = lq - base * n;
  let acc = Float64Array.of(1);
  for (let j = 0; j < n; j++) {
    const p = pmfOf(base + (j < rem ? 1 : 0), frac);
    const out = new Float64Array(acc.length + p.length - 1);
    for (let a = 0; a < acc.length; a++) for (let b = 0; b < p.length; b++) out[a + b] += acc[a] * p[b];
    acc = out;
  }
  return acc;
}

describe('integer Poisson sampler', () => {
  it("P(0) of a chunk, iexp(-cq, 16, 31), never rises with cq (the WebAssembly draw's early-exit lines rely on it)", () => {
    // a chunk counts 0 exactly when U < iexp(-cq, 16, 31): so U below P(0) of an upper bound of the rate is 0
    let prev = Infinity,
      rises = 0;
    for (let cq = 0; cq <= CHUNK * 2 ** 16; cq++) {
      const p = iexp(-cq, 16, 31);
      if (p > prev) rises++;
      prev = p;
    }
    expect(rises).toBe(0);
    expect(prev).toBeGreaterThan(0);
    for (const [cq, U] of [
      [65536, Math.floor(Math.exp(-1) * 2 ** 31) - 9000],
      [65536, Math.floor(Math.exp(-1) * 2 ** 31) + 9000],
    ])
      expect(chunkCount(cq, 16, U) === 0).toBe(U < iexp(-cq, 16, 31));
  });
  const FRAC = 16;
  it.each([0.01, 0.1, 0.5, 1, 2, 3, 5, 8, 10, 20, 35, 50])(
    'rate %f: its exact output distribution is within TV 2e-5 of Poisson',
    (lam) => {
      const lq = Math.round(lam * 2 ** FRAC),
        l = lq / 2 ** FRAC;
      const pmf = samplerPmf(lam, FRAC);
      let tv = 0,
        tail = 1;
      for (let k = 0; k < pmf.length; k++) {
        const e = poissonPmf(k, l);
        tv += Math.abs(pmf[k] - e);
        tail -= e;
      }
      tv = 0.5 * (tv + Math.max(0, tail));
      expect(tv).toBeLessThan(2e-5);
    },
  );

  it('chunkCount returns exactly the k whose threshold interval holds U (brute force over U)', () => {
    for (const lam of [0.3, 2.5, 7.9]) {
      const cq = Math.round(lam * 2 ** FRAC),
        pmf = pmfOf(cq, FRAC);
      let lo = 0;
      for (let k = 0; k < pmf.length; k++) {
        const hi = lo + Math.round(pmf[k] * 2 ** 31);
        if (hi > lo) {
          expect(chunkCount(cq, FRAC, lo)).toBe(k);
          expect(chunkCount(cq, FRAC, hi - 1)).toBe(k);
        }
        lo = hi;
      }
    }
  });

  it.each([0.05, 1.5, 4, 12, 50])('rate %f: 20,000 draws pass a chi-square test against the Poisson pmf', (lam) => {
    const N = 20000,
      counts = new Map<number, number>();
    const w = new Uint32Array(2);
    for (let i = 0; i < N; i++) {
      const k = iPoisson(Math.round(lam * 2 ** FRAC), FRAC, 11, 3, i, 7, 1000, undefined, w);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    // bins with expected count >= 5, the rest pooled
    let chi = 0,
      df = -1,
      poolE = 0,
      poolO = 0;
    for (let k = 0; k < 400; k++) {
      const e = N * poissonPmf(k, lam),
        o = counts.get(k) ?? 0;
      if (e >= 5) {
        chi += (o - e) ** 2 / e;
        df++;
      } else {
        poolE += e;
        poolO += o;
      }
    }
    if (poolE > 0) {
      chi += (poolO - poolE) ** 2 / Math.max(poolE, 1e-9);
      df++;
    }
    df = Math.max(df, 1);
    // 99.9 % quantile of chi-square (Wilson-Hilferty)
    const z = 3.09,
      crit = df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
    expect(chi).toBeLessThan(crit);
  });

  it('saturates at the cap and counts it; the same counter gives the same count', () => {
    const c = satCounter();
    expect(iPoisson(300 * 2 ** FRAC, FRAC, 1, 2, 3, 4, 255, c)).toBe(255);
    expect(c[0]).toBe(1);
    const a = iPoisson(3 * 2 ** FRAC, FRAC, 5, 6, 7, 8, 255),
      b = iPoisson(3 * 2 ** FRAC, FRAC, 5, 6, 7, 8, 255);
    expect(a).toBe(b);
    expect(iPoisson(0, FRAC, 5, 6, 7, 8, 255)).toBe(0);
  });
});

describe('integer soft clamp', () => {
  it('matches the float64 softclamp within 2e-6 + one unit, and the reference values of model-spec section 2', async () => {
    const { isoftclamp } = await import('../src/fixed/isoftclamp.js');
    const { softclamp } = await import('../src/model/math.js');
    const F = 16,
      c = 10 * 2 ** F;
    for (let y = -12; y <= 14; y += 0.0173) {
      const yq = Math.round(y * 2 ** F),
        x = yq / 2 ** F;
      const got = isoftclamp(yq, c, F) / 2 ** F;
      expect(Math.abs(got - softclamp(x, 10))).toBeLessThanOrEqual(2e-6 + 2 ** -F);
    }
    const ref: [number, number][] = [
      [-8, -8.0],
      [-5, -5.0000003],
      [0, -4.5399e-5],
      [5, 4.993285],
      [10, 9.306853],
      [12, 9.873072],
    ];
    for (const [x, v] of ref) expect(Math.abs(isoftclamp(x * 2 ** F, c, F) / 2 ** F - v)).toBeLessThan(3e-5);
    expect(Math.abs(isoftclamp(0, 2 * 2 ** F, F) / 2 ** F - -0.126928)).toBeLessThan(3e-5);
  });
});
