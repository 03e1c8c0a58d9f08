import { describe, expect, it } from 'vitest';
import { poissonDraw, rateOf } from '../src/model/poisson.js';
import { poissonPmf } from '../src/model/math.js';
import { instantiate } from '../src/kernels/wasm.js';

/** Wilson-Hilferty approximation of the chi-square quantile. */
function chi2Quantile(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
}

/** Chi-square statistic of observed counts against the exact Poisson pmf, bins merged to expected >= 5. */
function chi2(hist: Map<number, number>, n: number, lambda: number): { stat: number; df: number } {
  const kmax = Math.max(...hist.keys(), Math.ceil(lambda + 20 * Math.sqrt(lambda) + 20));
  const lo = Math.max(0, Math.floor(lambda - 20 * Math.sqrt(lambda) - 20));
  let stat = 0,
    bins = 0,
    oAcc = 0;
  let below = 0;
  for (let k = 0; k < lo; k++) below += poissonPmf(k, lambda);
  let eAcc = below * n;
  for (let k = 0; k < lo; k++) oAcc += hist.get(k) ?? 0;
  for (let k = lo; k <= kmax; k++) {
    eAcc += poissonPmf(k, lambda) * n;
    oAcc += hist.get(k) ?? 0;
    if (eAcc >= 5) {
      stat += (oAcc - eAcc) ** 2 / eAcc;
      bins++;
      eAcc = 0;
      oAcc = 0;
    }
  }
  let tail = 0;
  for (const [k, c] of hist) if (k > kmax) tail += c;
  eAcc += Math.max(0, n - [...Array(kmax + 1).keys()].reduce((s, k) => s + poissonPmf(k, lambda) * n, 0));
  oAcc += tail;
  if (eAcc > 0) {
    stat += (oAcc - eAcc) ** 2 / eAcc;
    bins++;
  }
  return { stat, df: Math.max(1, bins - 1) };
}

const RATES = [0.01, 0.1, 0.5, 1, 3, 9.5, 10, 12, 30, 50, 200, 1000];

describe('hard Poisson sampler against the exact pmf', () => {
  for (const lam of RATES) {
    it(`JavaScript sampler, lambda ${lam}`, () => {
      const u = Math.fround(Math.log(lam));
      const L = rateOf(u);
      const hist = new Map<number, number>();
      const n = 60000;
      let sum = 0,
        sum2 = 0;
      for (let i = 0; i < n; i++) {
        const z = poissonDraw(L, 11, 3, i % 600, Math.floor(i / 600));
        hist.set(z, (hist.get(z) ?? 0) + 1);
        sum += z;
        sum2 += z * z;
      }
      const { stat, df } = chi2(hist, n, L);
      expect(stat).toBeLessThan(chi2Quantile(df, 3.29)); // p = 0.9995
      const mean = sum / n,
        v = sum2 / n - mean * mean;
      expect(Math.abs(mean - L)).toBeLessThan(5 * Math.sqrt(L / n));
      expect(Math.abs(v - L) / L).toBeLessThan(0.05);
    });
  }
  for (const lam of RATES) {
    it(`WebAssembly SIMD sampler, lambda ${lam}`, () => {
      const w = instantiate();
      const K = 1003; // not a multiple of 4: exercises the scalar tail
      const pu = w.putF32(new Float32Array(K).fill(Math.log(lam)));
      const pa = w.alloc(K * 4),
        pc = w.alloc(K * 4);
      const hist = new Map<number, number>();
      const steps = 60;
      let zeros = 0;
      for (let t = 0; t < steps; t++) {
        const nA = w.x.sampleAll(pu, K, 5, 9, t, pa, pc);
        const counts = w.i32(pc, nA);
        zeros += K - nA;
        for (let i = 0; i < nA; i++) hist.set(counts[i], (hist.get(counts[i]) ?? 0) + 1);
      }
      hist.set(0, zeros + (hist.get(0) ?? 0));
      const { stat, df } = chi2(hist, K * steps, rateOf(Math.fround(Math.log(lam))));
      expect(stat).toBeLessThan(chi2Quantile(df, 3.29));
    });
  }
  it('JavaScript and WebAssembly draw the same counts for the same keys (up to rare float32 exp ties)', () => {
    const w = instantiate();
    const K = 512;
    const u = new Float32Array(K);
    for (let k = 0; k < K; k++) u[k] = -8 + (16 * k) / K;
    const pu = w.putF32(u);
    const pa = w.alloc(K * 4),
      pc = w.alloc(K * 4);
    let same = 0,
      total = 0;
    for (let t = 0; t < 20; t++) {
      const js = new Int32Array(K);
      for (let k = 0; k < K; k++) js[k] = poissonDraw(rateOf(u[k]), 2, 7, k, t);
      const ws = new Int32Array(K);
      const nA = w.x.sampleAll(pu, K, 2, 7, t, pa, pc);
      const act = w.i32(pa, nA),
        cnt = w.i32(pc, nA);
      for (let i = 0; i < nA; i++) ws[act[i]] = cnt[i];
      for (let k = 0; k < K; k++) {
        total++;
        if (js[k] === ws[k]) same++;
      }
    }
    expect(same / total).toBeGreaterThan(0.999);
  });
  it('a uniform in the top float32 ulps of 1 gives the Poisson quantile, not a runaway count (both backends)', () => {
    // Threefry word 0 of key (0, 0), counter (0, 3184748) is 0xffffff63: U = 1 - 2^-24
    const w = instantiate();
    const pu = w.alloc(4),
      pa = w.alloc(4),
      pc = w.alloc(4);
    for (const u of [-3, 0, 1, 2]) {
      const lam = rateOf(u);
      let k = 0,
        F = Math.exp(-lam),
        p = F; // float64 quantile at 1 - 2^-24
      while (F < 1 - 2 ** -24) {
        k++;
        p *= lam / k;
        F += p;
      }
      const js = poissonDraw(lam, 0, 0, 0, 3184748);
      expect(Math.abs(js - k)).toBeLessThanOrEqual(2);
      w.f32(pu, 1)[0] = u;
      const n = w.x.sampleAll(pu, 1, 0, 0, 3184748, pa, pc);
      expect(n).toBe(1);
      expect(w.i32(pc, 1)[0]).toBe(js);
    }
  });
  it('a draw depends only on its key, not on the order of draws', () => {
    const fwd: number[] = [],
      rev: number[] = [];
    for (let k = 0; k < 200; k++) fwd.push(poissonDraw(2.5, 1, 2, k, 3));
    for (let k = 199; k >= 0; k--) rev.unshift(poissonDraw(2.5, 1, 2, k, 3));
    expect(rev).toEqual(fwd);
  });
});
