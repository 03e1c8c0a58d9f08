import { describe, expect, it } from 'vitest';
import { largestEigenvalue, sparseInit, DEFAULT_SPARSE } from '../src/train/sparse-init.js';
import { encodeModel } from '../src/io/safetensors.js';
import { gauss, uni } from './helpers.js';

describe('largestEigenvalue', () => {
  it('matches the closed form of a 2 x 2 symmetric matrix and a diagonal one', () => {
    // [[2, 1], [1, 2]] has eigenvalues 3 and 1
    expect(largestEigenvalue(Float32Array.of(2, 1, 1, 2), 2)).toBeCloseTo(3, 6);
    const K = 5,
      W = new Float32Array(K * K);
    [0.5, 4, 1, 2, 3.5].forEach((v, i) => {
      W[i * K + i] = v;
    });
    expect(largestEigenvalue(W, K, 400)).toBeCloseTo(4, 4);
  });
});

describe('sparseInit (non-negative sparse coding as a data-dependent initialisation)', () => {
  // inputs built from 8 known non-negative sparse atoms in D = 16: each input uses 2 of them
  const D = 16,
    K = 8,
    N = 1500;
  const truth = new Float64Array(D * K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      const v = Math.max(0, gauss(5, d * K + k));
      truth[d * K + k] = v;
      s += v * v;
    }
    for (let d = 0; d < D; d++) truth[d * K + k] /= Math.sqrt(s);
  }
  const X = new Float32Array(N * D);
  for (let n = 0; n < N; n++) {
    const a = Math.floor(uni(6, 2 * n) * K),
      b = (a + 1 + Math.floor(uni(6, 2 * n + 1) * (K - 1))) % K;
    const ca = 1 + 2 * uni(7, n),
      cb = 1 + 2 * uni(8, n);
    for (let d = 0; d < D; d++)
      X[n * D + d] = ca * truth[d * K + a] + cb * truth[d * K + b] + 0.01 * gauss(9, n * D + d);
  }
  const opts = {
    ...DEFAULT_SPARSE,
    K,
    seed: 3,
    iters: 300,
    batch: 50,
    fista: 80,
    lr: 0.2,
    penalty: 0.05,
    scale: 0.25,
    etas: [0.05, 0.2],
    calibSteps: 200,
    calibInputs: 20,
  };

  it('recovers the generating atoms, scales them, sets b and picks eta from the list', async () => {
    const progress: number[] = [];
    const r = await sparseInit(X, N, D, opts, (p) => progress.push(p.r2));
    const { phi, logBias } = r.params;
    let recovered = 0;
    for (let j = 0; j < K; j++) {
      let best = 0;
      for (let k = 0; k < K; k++) {
        let dot = 0,
          nn = 0;
        for (let d = 0; d < D; d++) {
          dot += truth[d * K + j] * phi[d * K + k];
          nn += phi[d * K + k] ** 2;
        }
        expect(Math.sqrt(nn)).toBeCloseTo(0.25, 5);
        best = Math.max(best, dot / Math.sqrt(nn));
      }
      if (best > 0.95) recovered++;
    }
    expect(recovered).toBeGreaterThanOrEqual(7);
    expect(progress.at(-1)!).toBeGreaterThan(0.95);
    expect(progress.at(-1)!).toBeGreaterThan(progress[0]);
    expect(Math.exp(logBias[0])).toBeCloseTo(0.25 * 0.05, 6);
    expect([0.05, 0.2].map((e) => Math.fround(Math.log(e)))).toContain(r.params.logLr);
    const best = r.calibration.reduce((a, c) => (c.d < a.d ? c : a));
    expect(Math.fround(Math.log(best.eta))).toBe(r.params.logLr);
  });

  it('the same seed gives the same bytes; another seed does not', async () => {
    const small = { ...opts, iters: 20 };
    const bytes = async (seed: number) => encodeModel((await sparseInit(X, N, D, { ...small, seed })).params, {});
    const a = await bytes(3),
      b = await bytes(3),
      c = await bytes(4);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('a time budget cuts the count after the first mini-batch, and that count reproduces the bytes', async () => {
    const small = { ...opts, iters: 20, seed: 3 };
    const bytes = async (o: typeof small & { budgetMs?: number }) => {
      const r = await sparseInit(X, N, D, o);
      return { n: r.iterations, b: Buffer.from(encodeModel(r.params, {})) };
    };
    // no time at all: one mini-batch (at least one is always made), the same as asking for one
    const cut = await bytes({ ...small, budgetMs: 1e-9 });
    expect(cut.n).toBe(1);
    expect(cut.b.equals((await bytes({ ...small, iters: 1 })).b)).toBe(true);
    // time to spare: every mini-batch asked for, the same bytes as without a budget
    const all = await bytes({ ...small, budgetMs: 1e9 });
    expect(all.n).toBe(20);
    expect(all.b.equals((await bytes(small)).b)).toBe(true);
    expect(all.b.equals(cut.b)).toBe(false);
  });
});
