import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { softclamp, klCode, klExact, kl, poissonPpf, logGamma, fondUpdate, softplus } from '../src/model/math.js';
import { parameterCount } from '../src/model/params.js';

describe('softclamp (model-spec section 2 reference values)', () => {
  const cases: [number, number, number][] = [
    [-8, 10, -8.0],
    [-5, 10, -5.0000003],
    [0, 10, -4.5399e-5],
    [5, 10, 4.993285],
    [10, 10, 9.306853],
    [12, 10, 9.873072],
    [0, 2, -0.126928],
    [10, 2, 1.999665],
  ];
  for (const [x, c, want] of cases) {
    it(`softclamp(${x}, ${c}) = ${want}`, () => {
      const got = softclamp(x, c);
      const tol = want === 0 ? 1e-9 : Math.max(Math.abs(want) * 1e-6, 5e-10);
      expect(Math.abs(got - want)).toBeLessThan(tol);
    });
  }
  it('equals c - softplus(c - y) and never exceeds c (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: 0.5, max: 20, noNaN: true }),
        (y, c) => {
          const a = softclamp(y, c);
          const b = c - softplus(c - y);
          return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(y), c) && a <= c + 1e-12 * Math.abs(y) && a <= y;
        },
      ),
    );
  });
  it('fondUpdate floors at -8 before the soft clamp', () => {
    const [u, du] = fondUpdate(-7.5, -100, 10);
    expect(du).toBeCloseTo(softclamp(-8, 10), 12);
    expect(u).toBeCloseTo(softclamp(-8, 10), 12);
  });
});

describe('KL forms (model-spec section 3)', () => {
  const cases: [number, number, number, number][] = [
    [1, 0, 2.71828, 1.0],
    [0, 1, 0.26424, 0.71828],
    [-4, -5, 0.018316, 0.0067379],
  ];
  for (const [u, up, code, exact] of cases) {
    it(`KL(u=${u}, u_prev=${up}) = ${code} (code) / ${exact} (exact)`, () => {
      expect(klCode(u, up)).toBeCloseTo(code, 4);
      expect(klExact(u, up)).toBeCloseTo(exact, 4);
    });
  }
  it('the exact form is the Poisson KL summed from the pmfs', () => {
    const lam = 2.3,
      lamPrev = 0.7;
    let s = 0;
    let p = Math.exp(-lam);
    for (let k = 0; k < 80; k++) {
      if (k > 0) p *= lam / k;
      const q = Math.exp(-lamPrev + k * Math.log(lamPrev) - logGamma(k + 1));
      if (p > 0) s += p * Math.log(p / q);
    }
    expect(klExact(Math.log(lam), Math.log(lamPrev))).toBeCloseTo(s, 10);
  });
});

describe('Poisson PPF(0.999) (n_exp rule)', () => {
  const cases: [number, number][] = [
    [1, 5],
    [3, 10],
    [5, 13],
    [10, 21],
    [20, 35],
    [50, 73],
  ];
  for (const [lam, k] of cases) it(`lambda ${lam} -> ${k}`, () => expect(poissonPpf(0.999, lam)).toBe(k));
});

describe('parameter counts D*K + D + 2K + 1', () => {
  it('patches: 132,353', () => expect(parameterCount(256, 512)).toBe(132353));
  it('MNIST: 403,217', () => expect(parameterCount(784, 512)).toBe(403217));
});

describe('logGamma', () => {
  it('matches log((n-1)!) exactly enough', () => {
    let f = 0;
    for (let n = 1; n < 60; n++) {
      if (n > 1) f += Math.log(n - 1);
      expect(Math.abs(logGamma(n) - f)).toBeLessThan(1e-12 * Math.max(1, f));
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
  });
});

describe('free energy (model-spec section 3)', () => {
  it('one pixel, one neuron, by hand', async () => {
    const { freeEnergyStep, trainingLoss } = await import('../src/model/free-energy.js');
    const { initParams } = await import('../src/model/params.js');
    const p = initParams(2, 1, 0);
    p.phi[0] = 0.5;
    p.phi[1] = -1; // phi = [0.5, -1]^T
    p.s[0] = 0;
    p.s[1] = 3.45 * Math.atanh(Math.log(2) / 3.45); // sigma = 1 and 2
    const x = [1.5, 0.5];
    const z = [2];
    // pixel 0: mean 1, sigma 1: 0.5 * 0.25 + 0 + 0.5 log 2pi; pixel 1: mean -2, sigma 2: 0.5 * (2.5/2)^2 + log 2 + 0.5 log 2pi
    const nll = 0.5 * 0.25 + 0.5 * Math.log(2 * Math.PI) + 0.5 * 1.25 ** 2 + Math.log(2) + 0.5 * Math.log(2 * Math.PI);
    const fe = freeEnergyStep(p, x, [0], [1], z, 24);
    expect(fe.nll).toBeCloseTo(nll, 6);
    expect(fe.kl).toBeCloseTo(Math.E, 5); // KL_code(1, 0) = e
    expect(fe.total).toBeCloseTo(nll + 24 * Math.E, 5);
    expect(freeEnergyStep(p, x, [0], [1], z, 24, 'exact').kl).toBeCloseTo(1, 10);
    // (1/T) sum_t mean_batch * 256 / D
    expect(
      trainingLoss(
        [
          [1, 3],
          [5, 7],
        ],
        512,
      ),
    ).toBeCloseTo(((2 + 6) / 2) * 0.5, 12);
  });
});

describe('derivatives used by training', () => {
  it('klGrad matches central differences for both forms', async () => {
    const { klGrad } = await import('../src/model/math.js');
    for (const form of ['code', 'exact'] as const) {
      for (const [u, up] of [
        [1, 0],
        [0, 1],
        [-4, -5],
        [0.3, 0.3],
        [2.5, -1],
      ]) {
        const [gu, gp] = klGrad(form, u, up);
        const h = 1e-6;
        expect(gu).toBeCloseTo((kl(form, u + h, up) - kl(form, u - h, up)) / (2 * h), 6);
        expect(gp).toBeCloseTo((kl(form, u, up + h) - kl(form, u, up - h)) / (2 * h), 6);
      }
    }
  });
  it('dFloorSoftclamp matches central differences and is 0 below the floor', async () => {
    const { dFloorSoftclamp, floorSoftclamp } = await import('../src/model/math.js');
    for (const c of [2, 10])
      for (const y of [-7.5, -3, 0, 1.9, 2.1, 9, 12, 40]) {
        const h = 1e-6;
        expect(dFloorSoftclamp(y, c)).toBeCloseTo((floorSoftclamp(y + h, c) - floorSoftclamp(y - h, c)) / (2 * h), 6);
      }
    expect(dFloorSoftclamp(-9, 10)).toBe(0);
  });
});
