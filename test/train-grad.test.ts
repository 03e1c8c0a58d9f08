import { describe, expect, it } from 'vitest';
import { lossAndGrad64, zeroGrads, type NoiseFn, type TrainConfig } from '../src/train/bptt64.js';
import { cumulativeExpNoise, relaxedCount, NOISE_DRIVE, NOISE_LOSS } from '../src/train/relaxed.js';
import { initParams, type IpVaeParams } from '../src/model/params.js';
import { gauss } from './helpers.js';

function tinyModel(): IpVaeParams {
  const D = 3,
    K = 4;
  const p = initParams(D, K, 5);
  for (let i = 0; i < D * K; i++) p.phi[i] = 0.4 * gauss(31, i);
  for (let d = 0; d < D; d++) p.s[d] = 0.3 * gauss(32, d);
  for (let k = 0; k < K; k++) {
    p.logBias[k] = -1 + 0.3 * gauss(33, k);
    p.u0[k] = 0.2 * gauss(34, k);
  }
  p.logLr = Math.log(0.3);
  return p;
}

// float64 copies so that finite differences are not limited by float32 storage
function as64(p: IpVaeParams) {
  return {
    ...p,
    phi: Float64Array.from(p.phi),
    s: Float64Array.from(p.s),
    logBias: Float64Array.from(p.logBias),
    u0: Float64Array.from(p.u0),
  } as unknown as IpVaeParams;
}

const noise: NoiseFn = (stream, step, neuron, n, out) => {
  cumulativeExpNoise(9, stream === 0 ? NOISE_DRIVE : NOISE_LOSS, 0, neuron, step, n, out);
};

describe('BPTT gradient (float64) against central finite differences, T = 3', () => {
  const x = [0.7, -0.4, 1.1];
  for (const [label, cfg] of [
    ['coded KL, c = 10', { T: 3, beta: 2, tau: 0.5, clamp: 10, nExp: 8 }],
    ['exact KL, c = 2 (soft clamp active)', { T: 3, beta: 1.5, tau: 0.7, clamp: 2, nExp: [6, 8, 10], klForm: 'exact' }],
  ] as [string, TrainConfig][]) {
    it(`${label}: every parameter, relative error < 1e-4`, () => {
      const p = as64(tinyModel());
      const g = zeroGrads(p.D, p.K);
      lossAndGrad64(p, x, noise, cfg, g);
      const h = 1e-6;
      const check = (name: string, get: () => number, set: (v: number) => void, analytic: number) => {
        const v0 = get();
        set(v0 + h);
        const lp = lossAndGrad64(p, x, noise, cfg);
        set(v0 - h);
        const lm = lossAndGrad64(p, x, noise, cfg);
        set(v0);
        const fd = (lp - lm) / (2 * h);
        const rel = Math.abs(fd - analytic) / Math.max(Math.abs(fd) + Math.abs(analytic), 1e-7);
        expect(rel, `${name}: finite difference ${fd}, analytic ${analytic}`).toBeLessThan(1e-4);
      };
      for (let i = 0; i < p.D * p.K; i++)
        check(
          `phi[${i}]`,
          () => p.phi[i],
          (v) => {
            p.phi[i] = v;
          },
          g.phi[i],
        );
      for (let d = 0; d < p.D; d++)
        check(
          `s[${d}]`,
          () => p.s[d],
          (v) => {
            p.s[d] = v;
          },
          g.s[d],
        );
      for (let k = 0; k < p.K; k++)
        check(
          `log_bias[${k}]`,
          () => p.logBias[k],
          (v) => {
            p.logBias[k] = v;
          },
          g.logBias[k],
        );
      for (let k = 0; k < p.K; k++)
        check(
          `u0[${k}]`,
          () => p.u0[k],
          (v) => {
            p.u0[k] = v;
          },
          g.u0[k],
        );
      check(
        'log_lr',
        () => p.logLr,
        (v) => {
          p.logLr = v;
        },
        g.logLr,
      );
    });
  }
});

describe('relaxed Poisson sampler (model-spec section 3 moments, n_exp = 10)', () => {
  const cases: [number, number, number, number][] = [
    [1, 1, 1.31, 0.58],
    [1, 0.01, 0.997, 0.99],
    [3, 1, 3.53, 1.03],
    [3, 0.01, 3.0, 2.97],
  ];
  for (const [lam, tau, mean, v] of cases) {
    it(`lambda ${lam}, tau ${tau}: mean ${mean}, variance ${v}`, () => {
      const n = 200000;
      const S = new Float64Array(10),
        out = new Float64Array(2);
      let s1 = 0,
        s2 = 0;
      for (let i = 0; i < n; i++) {
        cumulativeExpNoise(1, NOISE_DRIVE, i, 0, 0, 10, S);
        const z = relaxedCount(lam, tau, S, 10, out)[0];
        s1 += z;
        s2 += z * z;
      }
      const m = s1 / n,
        varr = s2 / n - m * m;
      expect(Math.abs(m - mean)).toBeLessThan(0.015);
      expect(Math.abs(varr - v)).toBeLessThan(0.03);
    });
  }
  it('dz/dlambda matches a finite difference', () => {
    const S = new Float64Array(10),
      a = new Float64Array(2),
      b = new Float64Array(2),
      c = new Float64Array(2);
    cumulativeExpNoise(3, NOISE_LOSS, 0, 0, 0, 10, S);
    relaxedCount(2.5, 0.3, S, 10, a);
    relaxedCount(2.5 + 1e-6, 0.3, S, 10, b);
    relaxedCount(2.5 - 1e-6, 0.3, S, 10, c);
    expect(a[1]).toBeCloseTo((b[0] - c[0]) / 2e-6, 6);
  });
});

describe('batched float32 gradient (WebAssembly products) against the float64 reference', () => {
  it.each([
    [7, 9, 'latent'],
    [13, 6, 'latent'],
    [7, 9, 'pixel'],
    [13, 6, 'pixel'],
  ] as const)('mean loss and every gradient over a batch of 5, D = %i, K = %i, T = 4, %s space', async (D, K, form) => {
    const { makeBatchGradient } = await import('../src/train/batch.js');
    const B = 5;
    const p = initParams(D, K, 3);
    for (let i = 0; i < D * K; i++) p.phi[i] = 0.3 * gauss(41, i);
    for (let d = 0; d < D; d++) p.s[d] = 0.2 * gauss(42, d);
    for (let k = 0; k < K; k++) {
      p.logBias[k] = -1.5 + 0.3 * gauss(43, k);
      p.u0[k] = -0.5 + 0.3 * gauss(44, k);
    }
    p.logLr = Math.fround(Math.log(0.2));
    const X = Float32Array.from({ length: B * D }, (_, i) => gauss(45, i));
    const cfg: TrainConfig = { T: 4, beta: 3, tau: 0.4, clamp: 10, nExp: 9 };
    const rowNoise =
      (row: number): NoiseFn =>
      (stream, step, neuron, n, out) => {
        cumulativeExpNoise(5, stream === 0 ? NOISE_DRIVE : NOISE_LOSS, row, neuron, step, n, out);
      };
    const ref = zeroGrads(D, K);
    let refLoss = 0;
    for (let b = 0; b < B; b++) refLoss += lossAndGrad64(p, X.subarray(b * D, (b + 1) * D), rowNoise(b), cfg, ref) / B;
    for (const arr of [ref.phi, ref.s, ref.logBias, ref.u0]) for (let i = 0; i < arr.length; i++) arr[i] /= B;
    ref.logLr /= B;
    const got = zeroGrads(D, K);
    const bg = makeBatchGradient(D, K, B, cfg.T, form);
    const loss = bg.lossAndGrad(
      p,
      X,
      (stream, step, row, neuron, n, out) => rowNoise(row)(stream, step, neuron, n, out),
      cfg,
      got,
    );
    expect(Math.abs(loss - refLoss) / Math.abs(refLoss)).toBeLessThan(1e-5);
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, name: string) => {
      let scale = 0;
      for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
      for (let i = 0; i < b.length; i++)
        expect(Math.abs(a[i] - b[i]), `${name}[${i}]: ${a[i]} vs ${b[i]}`).toBeLessThan(1e-4 * scale + 1e-6);
    };
    close(got.phi, ref.phi, 'phi');
    close(got.s, ref.s, 's');
    close(got.logBias, ref.logBias, 'log_bias');
    close(got.u0, ref.u0, 'u0');
    close([got.logLr], [ref.logLr], 'log_lr');
  });
});

describe('WebAssembly relaxed sampler', () => {
  it('logf matches Math.log to float32 precision over many decades', async () => {
    const { instantiate } = await import('../src/kernels/wasm.js');
    const w = instantiate();
    for (let e = -30; e <= 30; e += 0.37) {
      const x = Math.fround(Math.exp(e));
      expect(Math.abs(w.x.logf1(x) - Math.log(x))).toBeLessThan(4e-7 * Math.max(1, Math.abs(Math.log(x))));
    }
  });
  it('soft counts and dz/du equal the JavaScript sampler on the same noise (K = 13, with a tail)', async () => {
    const { instantiate } = await import('../src/kernels/wasm.js');
    const w = instantiate();
    const K = 13,
      n = 10,
      tau = 0.3,
      seed = 7,
      sample = 4,
      step = 2;
    const u = Float32Array.from({ length: K }, (_, k) => -3 + 0.45 * k);
    const pu = w.putF32(u),
      pz = w.alloc(K * 4),
      pd = w.alloc(K * 4);
    w.x.relaxedAll(pu, K, tau, n, (seed ^ NOISE_DRIVE) >>> 0, sample, step, pz, pd);
    const S = new Float64Array(n),
      out = new Float64Array(2);
    for (let k = 0; k < K; k++) {
      cumulativeExpNoise(seed, NOISE_DRIVE, sample, k, step, n, S);
      const eu = Math.exp(u[k]);
      relaxedCount(eu + 1.1920928955078125e-7, tau, S, n, out);
      expect(Math.abs(w.f32(pz, K)[k] - out[0])).toBeLessThan(2e-5 * (1 + out[0]));
      expect(Math.abs(w.f32(pd, K)[k] - out[1] * eu)).toBeLessThan(2e-5 * (1 + Math.abs(out[1] * eu)));
    }
  });
});

describe('batched gradient with the WebAssembly noise', () => {
  it('equals the run with the same noise generated in JavaScript (to float32 noise rounding)', async () => {
    const { makeBatchGradient } = await import('../src/train/batch.js');
    const D = 6,
      K = 11,
      B = 3;
    const p = initParams(D, K, 8);
    for (let i = 0; i < D * K; i++) p.phi[i] = 0.3 * gauss(51, i);
    for (let k = 0; k < K; k++) p.u0[k] = -0.5 + 0.3 * gauss(52, k);
    p.logLr = Math.fround(Math.log(0.2));
    const X = Float32Array.from({ length: B * D }, (_, i) => gauss(53, i));
    const cfg: TrainConfig = { T: 3, beta: 2, tau: 0.5, clamp: 10, nExp: 10 };
    const samples = [10, 11, 12];
    const a = zeroGrads(D, K),
      b = zeroGrads(D, K);
    const bg = makeBatchGradient(D, K, B, cfg.T);
    const la = bg.lossAndGrad(p, X, { seed: 3, samples }, cfg, a);
    const lb = bg.lossAndGrad(
      p,
      X,
      (stream, step, row, neuron, n, out) => {
        cumulativeExpNoise(3, stream === 0 ? NOISE_DRIVE : NOISE_LOSS, samples[row], neuron, step, n, out);
      },
      cfg,
      b,
    );
    expect(Math.abs(la - lb) / Math.abs(lb)).toBeLessThan(1e-4);
    let scale = 0;
    for (const v of b.phi) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < D * K; i++) expect(Math.abs(a.phi[i] - b.phi[i])).toBeLessThan(1e-3 * scale);
  });
});
