/**
 * The linear probe (src/baselines/probe.ts): its objective against a plain float64 re-derivation, its gradient
 * against central finite differences, the fitted solution's optimality (small gradient, no perturbation does
 * better), predictions on a hand-built probe, and the fit against scikit-learn's LogisticRegression (Debian's
 * python3-sklearn, another implementation of the same objective: coefficients and predictions).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { fitProbe, probeAccuracy, probeObjective, probePredict, type Probe } from '../src/baselines/probe.js';
import { threefry2x32, u01f } from '../src/rng/threefry.js';

const tf = new Uint32Array(2);
const uni = (seed: number, a: number, b: number) => u01f(threefry2x32(seed, 0x50524f42, a, b, 20, tf)[0]);

/** N x K features around per-class means (classes overlap, so the optimum is finite), labels n mod classes. */
function gaussianish(N: number, K: number, classes: number, seed: number, spread = 1.5) {
  const F = new Float64Array(N * K),
    y = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    y[n] = (n * 7 + (n >> 3)) % classes;
    for (let k = 0; k < K; k++) {
      const mean = Math.sin(1.3 * (y[n] + 1) * (k + 1)); // a fixed, distinct centre per class
      // sum of 3 uniforms: a bounded, roughly normal noise
      const noise = uni(seed, n, 3 * k) + uni(seed, n, 3 * k + 1) + uni(seed, n, 3 * k + 2) - 1.5;
      F[n * K + k] = mean + spread * noise;
    }
  }
  return { F, y };
}

/** The objective written the plain way: C sum_n -log softmax(W x_n + b)_{y_n} + |W|^2 / 2, in float64. */
function naiveObjective(
  F: ArrayLike<number>,
  N: number,
  K: number,
  y: ArrayLike<number>,
  classes: number,
  C: number,
  W: Float64Array,
  b: Float64Array,
): number {
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const z: number[] = [];
    for (let c = 0; c < classes; c++) {
      let s = b[c];
      for (let k = 0; k < K; k++) s += W[c * K + k] * F[n * K + k];
      z.push(s);
    }
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
    loss += lse - z[y[n]];
  }
  return C * loss + 0.5 * W.reduce((a, v) => a + v * v, 0);
}

describe('probe objective and gradient', () => {
  it('the objective equals the plain float64 formula (blocks of 4 and the remainder alike)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (N, K, classes, seed) => {
          const { F, y } = gaussianish(N, K, classes, seed);
          const W = new Float64Array(classes * K).map((_, i) => 3 * (uni(seed + 1, i, 0) - 0.5));
          const b = new Float64Array(classes).map((_, i) => uni(seed + 1, i, 1) - 0.5);
          const C = 0.3 + 2 * uni(seed, 99, 99);
          const got = probeObjective(F, N, K, y, classes, C, W, b);
          const want = naiveObjective(F, N, K, y, classes, C, W, b);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the gradient equals central finite differences of the objective', () => {
    const N = 13, // 3 blocks of 4 and one remainder input
      K = 6,
      classes = 4,
      C = 0.7;
    const { F, y } = gaussianish(N, K, classes, 11);
    const W = new Float64Array(classes * K).map((_, i) => uni(5, i, 0) - 0.5);
    const b = new Float64Array(classes).map((_, i) => 2 * uni(5, i, 1) - 1);
    const gW = new Float64Array(classes * K),
      gb = new Float64Array(classes);
    probeObjective(F, N, K, y, classes, C, W, b, gW, gb);
    const h = 1e-5;
    const fd = (v: Float64Array, i: number) => {
      const keep = v[i];
      v[i] = keep + h;
      const up = probeObjective(F, N, K, y, classes, C, W, b);
      v[i] = keep - h;
      const down = probeObjective(F, N, K, y, classes, C, W, b);
      v[i] = keep;
      return (up - down) / (2 * h);
    };
    let worst = 0;
    for (let i = 0; i < W.length; i++)
      worst = Math.max(worst, Math.abs(fd(W, i) - gW[i]) / Math.max(1, Math.abs(gW[i])));
    for (let i = 0; i < b.length; i++)
      worst = Math.max(worst, Math.abs(fd(b, i) - gb[i]) / Math.max(1, Math.abs(gb[i])));
    expect(worst).toBeLessThan(1e-7);
    // the intercepts are not penalised: their gradient is C sum_n (p - onehot), which sums to 0 over classes
    expect(Math.abs(gb.reduce((a, v) => a + v, 0))).toBeLessThan(1e-12);
  });
});

describe('fitProbe', () => {
  it('reaches the optimum: small gradient, and no perturbed solution has a lower objective', () => {
    const N = 90,
      K = 5,
      classes = 3;
    const { F, y } = gaussianish(N, K, classes, 3, 0.8); // nearly separable
    const p = fitProbe(F, N, K, y, { tol: 1e-8, maxIter: 500 });
    expect(p.converged).toBe(true);
    const gW = new Float64Array(classes * K),
      gb = new Float64Array(classes);
    const f = probeObjective(F, N, K, y, classes, 1, p.W, p.b, gW, gb);
    expect(f).toBe(p.objective);
    expect(Math.max(...gW.map(Math.abs), ...gb.map(Math.abs))).toBeLessThan(1e-6);
    for (const scale of [1e-3, 1e-2, 0.1, 1]) {
      for (let t = 0; t < 5; t++) {
        const W = p.W.map((v, i) => v + scale * (uni(100 + t, i, 0) - 0.5));
        const b = p.b.map((v, i) => v + scale * (uni(100 + t, i, 1) - 0.5));
        expect(naiveObjective(F, N, K, y, classes, 1, W, b)).toBeGreaterThan(p.objective);
      }
    }
    // the fit beats the start (W = 0, b = 0: N log classes) by a wide margin and classifies its own data well
    expect(p.objective).toBeLessThan(0.5 * N * Math.log(classes));
    expect(probeAccuracy(p, F, N, y)).toBeGreaterThan(0.9);
  });

  it('stops at maxIter without claiming convergence, and validates its inputs', () => {
    const { F, y } = gaussianish(40, 4, 3, 9);
    const p = fitProbe(F, 40, 4, y, { maxIter: 2, tol: 0 });
    expect(p.iterations).toBe(2);
    expect(p.converged).toBe(false);
    const zero = fitProbe(F, 40, 4, y, { maxIter: 0 });
    expect(zero.objective).toBeCloseTo(40 * Math.log(3), 12); // W = 0, b = 0
    expect(() =>
      fitProbe(
        F,
        40,
        4,
        [...y].map((v, i) => (i === 5 ? 1.5 : v)),
      ),
    ).toThrow(/label 1.5 of input 5/);
    expect(() => fitProbe(F, 40, 4, y, { classes: 2 })).toThrow(RangeError);
    expect(() => fitProbe(F, 41, 4, y)).toThrow(/features/);
  });

  it('predicts the argmax of W x + b, the lowest class on ties (hand-built probe)', () => {
    const p: Probe = {
      K: 2,
      classes: 3,
      W: Float64Array.from([1, 0, 0, 1, -1, -1]),
      b: Float64Array.from([0, 0, 0.5]),
      iterations: 0,
      converged: true,
      objective: 0,
      gradMax: 0,
    };
    // scores: (2,1) -> 2, 1, -2.5; (0,3) -> 0, 3, -2.5; (-1,-1) -> -1, -1, 2.5; (1,1) -> 1, 1, -1.5 (tie: 0)
    const F = [2, 1, 0, 3, -1, -1, 1, 1];
    expect([...probePredict(p, F, 4)]).toEqual([0, 1, 2, 0]);
    expect(probeAccuracy(p, F, 4, [0, 1, 1, 0])).toBe(0.75);
  });
});

describe('fitProbe against scikit-learn (Debian python3-sklearn)', () => {
  it('LogisticRegression(C=1, lbfgs, multinomial): the same coefficients and predictions', () => {
    const N = 400,
      K = 12,
      classes = 5,
      Nt = 200;
    const all = gaussianish(N + Nt, K, classes, 21, 2);
    const F = all.F.subarray(0, N * K),
      y = all.y.subarray(0, N);
    const Ft = all.F.subarray(N * K);
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-probe-'));
    try {
      writeFileSync(join(dir, 'F.bin'), Buffer.from(all.F.buffer));
      writeFileSync(join(dir, 'y.bin'), Buffer.from(Float64Array.from(y).buffer));
      const py = `
import sys, json, numpy as np
from sklearn.linear_model import LogisticRegression
d = sys.argv[1]
F = np.fromfile(d + '/F.bin', dtype='<f8').reshape(-1, ${K})
y = np.fromfile(d + '/y.bin', dtype='<f8').astype(int)
m = LogisticRegression(C=1.0, max_iter=1000, tol=1e-8).fit(F[:${N}], y)
print(json.dumps({'W': m.coef_.ravel().tolist(), 'b': m.intercept_.tolist(),
  'pred': m.predict(F).tolist(), 'n_iter': int(m.n_iter_[0])}))
`;
      const r = spawnSync('python3', ['-c', py, dir], {
        encoding: 'utf8',
        env: { ...process.env, PYENV_VERSION: 'system' },
      });
      expect(r.stderr, 'needs Debian python3-sklearn (.ci/run installs it)').toBe('');
      const sk = JSON.parse(r.stdout) as { W: number[]; b: number[]; pred: number[]; n_iter: number };
      const p = fitProbe(F, N, K, y, { tol: 1e-9, maxIter: 2000 });
      expect(p.converged).toBe(true);
      expect(sk.W.length).toBe(classes * K);
      const wScale = Math.max(...sk.W.map(Math.abs));
      const wErr = Math.max(...sk.W.map((v, i) => Math.abs(v - p.W[i])));
      // intercepts are defined up to a common shift (softmax): compare them centred
      const centre = (v: ArrayLike<number>) => {
        const m = Array.from(v).reduce((a, x) => a + x, 0) / v.length;
        return Array.from(v, (x) => x - m);
      };
      const bs = centre(sk.b),
        bo = centre(p.b);
      const bErr = Math.max(...bs.map((v, i) => Math.abs(v - bo[i])));
      console.log(
        `probe vs scikit-learn: max |dW| = ${wErr.toExponential(2)} (max |W| ${wScale.toFixed(3)}), max |db| = ${bErr.toExponential(2)}; iterations ${p.iterations} (sklearn ${sk.n_iter})`,
      );
      expect(wErr).toBeLessThan(1e-3 * wScale);
      expect(bErr).toBeLessThan(1e-3 * Math.max(1, ...bs.map(Math.abs)));
      // the optimum is a minimum of our objective: scikit-learn's solution is not better under it
      const skObj = probeObjective(F, N, K, y, classes, 1, Float64Array.from(sk.W), Float64Array.from(sk.b));
      expect(p.objective).toBeLessThanOrEqual(skObj + 1e-9 * Math.abs(skObj));
      expect([...probePredict(p, all.F, N + Nt)]).toEqual(sk.pred);
      expect(Ft.length).toBe(Nt * K);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
