/**
 * The amortized VAEs and the hybrid (src/baselines/amortized.ts, hybrid.ts) against independent references: the
 * hand-written backpropagation against central finite differences of a float64 forward pass written here from the
 * formulas (relaxed Poisson sample from src/train/relaxed.ts's float64 definition); the Poisson and Gaussian KL
 * against hand values; training replayed from its count gives the same bytes; a short training run lowers the
 * loss.
 */
import { describe, expect, it } from 'vitest';
import {
  AmortizedNet,
  gaussianKl,
  poissonKl,
  C_LOGR,
  C_MU,
  C_LOGSIG,
  amortizedPVae,
  amortizedGVae,
  trainAmortized,
  inferAmortized,
} from '../src/baselines/amortized.js';
import { cumulativeExpNoise, relaxedCount } from '../src/train/relaxed.js';
import { RATE_EPS } from '../src/model/poisson.js';
import type { TrainContext } from '../src/baselines/family.js';
import { gauss } from './helpers.js';
import { hybrid, trainHybrid } from '../src/baselines/hybrid.js';

const silu = (a: number) => a / (1 + Math.exp(-a));

/** Fill every parameter of a net with small keyed values. */
function randomNet(post: 'poisson' | 'gaussian', D: number, H: number, K: number, B: number, seed: number) {
  const net = new AmortizedNet(post, D, H, K, B);
  net.params().forEach((p, t) => {
    for (let i = 0; i < p.length; i++) p[i] = 0.5 * gauss(seed + t, i);
  });
  for (let k = 0; k < K; k++) net.logr0.v[k] = -0.5 + 0.3 * gauss(seed + 9, k);
  return net;
}

/**
 * The mean loss of the batch in float64 from the parameters (as plain arrays), written from the formulas:
 * a = x W1 + b1, h = silu(a), o = h W2 + b2, then the posterior, its sample, 1/2 |x - Phi z|^2 + beta KL.
 */
function refLoss(
  post: 'poisson' | 'gaussian',
  P: number[][],
  X: Float32Array,
  b: number,
  dims: { D: number; H: number; K: number },
  o: { beta: number; tau: number; nExp: number; key0: number; sample0: number; eps?: Float32Array },
): number {
  const { D, H, K } = dims,
    O = post === 'poisson' ? K : 2 * K;
  const [W1, b1, W2, b2, phi, logr0] = P;
  const S = new Float64Array(o.nExp),
    zz = new Float64Array(2);
  let total = 0;
  for (let i = 0; i < b; i++) {
    const h = Array.from({ length: H }, (_, j) => {
      let a = b1[j];
      for (let d = 0; d < D; d++) a += X[i * D + d] * W1[d * H + j];
      return silu(a);
    });
    const out = Array.from({ length: O }, (_, q) => {
      let s = b2[q];
      for (let j = 0; j < H; j++) s += h[j] * W2[j * O + q];
      return s;
    });
    const z = new Array<number>(K);
    let kl = 0;
    for (let k = 0; k < K; k++) {
      if (post === 'poisson') {
        const l = C_LOGR * Math.tanh((logr0[k] + out[k]) / C_LOGR),
          r = Math.exp(l);
        cumulativeExpNoise(o.key0, 0, o.sample0 + i, k, 0, o.nExp, S);
        z[k] = relaxedCount(r + RATE_EPS, o.tau, S, o.nExp, zz)[0];
        // KL(Poisson(r) || Poisson(r0)) = r log(r / r0) - r + r0
        kl += r * (l - logr0[k]) - r + Math.exp(logr0[k]);
      } else {
        const mu = C_MU * Math.tanh(out[k] / C_MU),
          ls = C_LOGSIG * Math.tanh(out[K + k] / C_LOGSIG);
        z[k] = mu + Math.exp(ls) * o.eps![i * K + k];
        kl += 0.5 * (mu * mu + Math.exp(2 * ls) - 1) - ls;
      }
    }
    let sse = 0;
    for (let d = 0; d < D; d++) {
      let xh = 0;
      for (let k = 0; k < K; k++) xh += phi[d * K + k] * z[k];
      sse += (X[i * D + d] - xh) ** 2;
    }
    total += 0.5 * sse + o.beta * kl;
  }
  return total / b;
}

describe('amortized VAEs', () => {
  it('KL divergences against hand values', () => {
    // Poisson: r0 f(r / r0), f(y) = 1 - y + y log y.  r = 2, r0 = 1: 1 - 2 + 2 log 2 = 0.386294...
    expect(poissonKl(2, Math.log(2), 0)).toBeCloseTo(2 * Math.log(2) - 1, 14);
    // r = 1, r0 = e: e (1 - 1/e + (1/e)(-1)) = e - 2
    expect(poissonKl(1, 0, 1)).toBeCloseTo(Math.E - 2, 14);
    expect(poissonKl(0.3, Math.log(0.3), Math.log(0.3))).toBeCloseTo(0, 14);
    // Gaussian: (mu^2 + sigma^2 - 1) / 2 - log sigma.  mu 1, sigma 1: 0.5;  mu 0, sigma e: (e^2 - 1) / 2 - 1
    expect(gaussianKl(1, 0)).toBeCloseTo(0.5, 14);
    expect(gaussianKl(0, 1)).toBeCloseTo((Math.E ** 2 - 1) / 2 - 1, 14);
    expect(gaussianKl(0, 0)).toBe(0);
  });

  for (const post of ['poisson', 'gaussian'] as const)
    it(`${post}: hand-written gradients = finite differences of a float64 forward pass`, () => {
      const D = 5,
        H = 4,
        K = 3,
        B = 4;
      const net = randomNet(post, D, H, K, B, post === 'poisson' ? 10 : 20);
      const X = Float32Array.from({ length: B * D }, (_, i) => gauss(3, i));
      const o = { beta: 0.7, tau: 0.5, nExp: 12, key0: 12345, sample0: 40 };
      net.load(X, 0, B);
      net.encode();
      if (post === 'poisson') net.sampleRelaxed(o.tau, o.nExp, o.key0, o.sample0);
      else net.sampleNormal(5, 6, 0);
      const sse = net.reconstruct();
      net.backward(o.beta);
      const eps = Float32Array.from(net.Eps.v);
      const P = net.params().map((p) => Array.from(p));
      const ref = (Q: number[][]) => refLoss(post, Q, X, B, { D, H, K }, { ...o, eps });
      // the net's loss agrees with the reference
      expect((0.5 * sse + o.beta * net.kl()) / B).toBeCloseTo(ref(P), 3);
      const grads = net.grads();
      const names = ['W1', 'b1', 'W2', 'b2', 'Phi', 'log r0'];
      let checked = 0;
      for (let t = 0; t < P.length; t++) {
        if (post === 'gaussian' && t === 5) continue; // the G-VAE has no prior parameters
        for (let i = 0; i < P[t].length; i++) {
          const h = 1e-5,
            v = P[t][i];
          P[t][i] = v + h;
          const up = ref(P);
          P[t][i] = v - h;
          const down = ref(P);
          P[t][i] = v;
          const fd = (up - down) / (2 * h);
          expect(Math.abs(grads[t][i] - fd), `${names[t]}[${i}]: ${grads[t][i]} vs ${fd}`).toBeLessThan(
            2e-3 * (1 + Math.abs(fd)),
          );
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(post === 'poisson' ? 57 : 54);
    });
});

/** A tiny data set: sparse non-negative combinations of 6 fixed patterns, D = 12. */
function tinyData(N: number, D = 12) {
  const pat = Array.from({ length: 6 }, (_, p) => Array.from({ length: D }, (_, d) => gauss(70 + p, d)));
  const X = new Float32Array(N * D);
  for (let n = 0; n < N; n++)
    for (let p = 0; p < 6; p++) {
      const c = gauss(80, n * 6 + p) > 0.8 ? 1 + Math.abs(gauss(81, n * 6 + p)) : 0;
      for (let d = 0; d < D; d++) X[n * D + d] += c * pat[p][d];
    }
  return { X, N, D };
}

function ctxOf(iterations: number | undefined, knob = 0.5, seed = 3): TrainContext {
  const { X, N, D } = tinyData(300);
  return {
    data: { X, N, D, name: 'patches' },
    K: 8,
    seed,
    budgetMs: 1e9,
    knob,
    replay: iterations === undefined ? undefined : { iterations },
  };
}

describe('amortized training', () => {
  for (const f of [amortizedPVae, amortizedGVae])
    it(`${f.name}: a replayed count gives the same bytes; codes are keyed by the seed`, async () => {
      const a = await f.train(ctxOf(30)),
        b = await f.train(ctxOf(30));
      expect(a.info.iterations).toBe(30);
      for (const k of Object.keys(a.tensors))
        expect(Buffer.from(b.tensors[k].buffer)).toEqual(Buffer.from(a.tensors[k].buffer));
      expect(Buffer.from(b.decoder.phi.buffer)).toEqual(Buffer.from(a.decoder.phi.buffer));
      const X = ctxOf(1).data.X;
      const ca = await f.infer(a, X, 50, { steps: 7, seed: 9 }),
        cb = await f.infer(b, X, 50, { steps: 1000, seed: 9 });
      expect(Buffer.from(cb.Z.buffer)).toEqual(Buffer.from(ca.Z.buffer)); // one pass: the steps do not matter
      // input n's code does not depend on the batch it is in
      const part = await f.infer(a, X.subarray(10 * 12), 5, { steps: 1, seed: 9, sampleOffset: 10 });
      expect(Array.from(part.Z)).toEqual(Array.from(ca.Z.subarray(10 * 8, 15 * 8)));
    });

  for (const post of ['poisson', 'gaussian'] as const)
    it(`${post}: training lowers the loss on the training inputs`, () => {
      const ctx = ctxOf(400, 0.2);
      const before = trainAmortized(ctxOf(0, 0.2), post, 'x').net;
      const after = trainAmortized(ctx, post, 'x').net;
      const lossOf = (net: AmortizedNet) => {
        let s = 0;
        for (let i0 = 0; i0 < 300; i0 += 100) {
          net.load(ctx.data.X, i0, 100);
          net.encode();
          if (post === 'poisson') net.sampleRelaxed(0.05, 30, 77, i0);
          else net.sampleNormal(77, 1, i0);
          s += 0.5 * net.reconstruct() + 0.2 * net.kl();
        }
        return s / 300;
      };
      const l0 = lossOf(before),
        l1 = lossOf(after);
      expect(l1).toBeLessThan(0.7 * l0);
    });
});

describe('hybrid', () => {
  it('at 0 refinement steps its codes are the amortized codes of its own encoder; refinement follows the rule', async () => {
    const m = trainHybrid(ctxOf(12, 0.5));
    expect(m.numbers.eta).toBeGreaterThan(0);
    const X = ctxOf(1).data.X;
    const h0 = await hybrid.infer(m, X, 30, { steps: 0, seed: 4, sampleOffset: 3 });
    const a = inferAmortized(m, X, 30, { steps: 0, seed: 4, sampleOffset: 3 });
    expect(Array.from(h0.Z)).toEqual(Array.from(a.Z));
    expect(Array.from(h0.features)).toEqual(Array.from(a.features));
    expect(h0.Z.some((z) => z > 0)).toBe(true);
    // one step by hand (float64): u1 = clip(u0 + eta (Phi^T (x - Phi z0) - |phi_k|^2 / 2 - beta (u0 - log r0)), -8, 5)
    const h1 = await hybrid.infer(m, X, 30, { steps: 1, seed: 4, sampleOffset: 3 });
    const D = 12,
      K = 8,
      phi = m.decoder.phi;
    for (let n = 0; n < 30; n++)
      for (let k = 0; k < K; k++) {
        const u0 = Math.log(a.features[n * K + k] - RATE_EPS);
        let g = 0;
        for (let d = 0; d < D; d++) {
          let xh = 0;
          for (let j = 0; j < K; j++) xh += phi[d * K + j] * a.Z[n * K + j];
          g += phi[d * K + k] * (X[n * D + d] - xh);
        }
        let nk = 0;
        for (let d = 0; d < D; d++) nk += phi[d * K + k] ** 2;
        const u1 = Math.min(
          5,
          Math.max(-8, u0 + m.numbers.eta * (g - nk / 2 - m.numbers.beta * (u0 - m.tensors.logr0[k]))),
        );
        expect(Math.log(h1.features[n * K + k] - RATE_EPS)).toBeCloseTo(u1, 3);
      }
  });

  it('a replayed count gives the same bytes', () => {
    const a = trainHybrid(ctxOf(8)),
      b = trainHybrid(ctxOf(8));
    expect(Buffer.from(b.decoder.phi.buffer)).toEqual(Buffer.from(a.decoder.phi.buffer));
    expect(Buffer.from(b.tensors.W1.buffer)).toEqual(Buffer.from(a.tensors.W1.buffer));
    expect(b.numbers).toEqual(a.numbers);
  });
});
