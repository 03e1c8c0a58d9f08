/**
 * The iP-VAE's portable surrogate: what NIR backends can run in place of its Poisson-exp sampler.
 *
 * NIR has no stochastic neuron and no exp, but every backend runs IF neurons, Affine and Linear. The surrogate
 * keeps the iP-VAE's drive and lateral inhibition and replaces the sampler by an integrate-and-fire unit per
 * latent whose spike stands for `count` Poisson counts:
 *   v_t = v_{t-1} + eta (W_ff x_t - b - count W_rec s_{t-1}),   s_t = [v_t > theta],   v_t = 0 where s_t = 1
 *   xhat_t = count Phi s_t, read as its mean over a window (rate decoding)
 * with W_ff = Phi^T Sigma^-1, W_rec = Phi^T Sigma^-1 Phi and b the model's thresholds, as in the model itself.
 * At a steady rate rho the drive balances the resets, eta (W_ff x - b - count W_rec rho) = theta rho, so for a
 * small theta the expected counts count rho solve the iP-VAE's own stationary condition W_rec lambda = W_ff x - b
 * (E[du] = 0 with lambda = E[z] = exp(u)) on the latents that fire, and the silent ones are those the model
 * drives down. The differences: a rate at most `count` per step (a spike per step), a resolution of count /
 * window, no floor on v (a latent driven far down returns late), no Poisson noise. theta is a small fraction of
 * a spike's self-inhibition, theta_k = thetaFrac eta count W_rec[k, k]: each spike then sets the neuron back by
 * about 1 / thetaFrac thresholds, so the rate is set by the inhibition, not by theta.
 * The run here is event-driven float64 (a spike adds its column of W_rec); the measured errors are in README.
 */
import { logSigmaOf } from './math.js';
import type { IpVaeParams } from './params.js';

export interface PortableOptions {
  /** Poisson counts one spike stands for (default 32). */
  count?: number;
  /** theta as a fraction of one spike's self-inhibition eta count W_rec[k, k] (default 0.01). */
  thetaFrac?: number;
}

export const PORTABLE_DEFAULTS = { count: 32, thetaFrac: 0.01 };

/** The iP-VAE's matrices in float64: W_ff (K x D), W_rec (K x K), b, eta. */
export interface Skeleton {
  D: number;
  K: number;
  wff: Float64Array;
  wrec: Float64Array;
  /** Phi (D x K), as the model stores it. */
  phi: Float64Array;
  b: Float64Array;
  eta: number;
}

export function skeletonOf(p: IpVaeParams): Skeleton {
  const { D, K } = p;
  const iv = Float64Array.from(p.s, (s) => Math.exp(-2 * logSigmaOf(s)));
  const phi = Float64Array.from(p.phi);
  const wff = new Float64Array(K * D),
    wrec = new Float64Array(K * K);
  for (let d = 0; d < D; d++)
    for (let k = 0; k < K; k++) {
      const a = phi[d * K + k] * iv[d];
      wff[k * D + d] = a;
      if (a !== 0) for (let j = 0; j < K; j++) wrec[k * K + j] += a * phi[d * K + j];
    }
  return { D, K, wff, wrec, phi, b: Float64Array.from(p.logBias, (l) => Math.exp(l)), eta: Math.exp(p.logLr) };
}

/** Per-latent thresholds of the surrogate. */
export function portableThresholds(s: Skeleton, o: PortableOptions = {}): Float64Array {
  const { count, thetaFrac } = { ...PORTABLE_DEFAULTS, ...o };
  return Float64Array.from({ length: s.K }, (_, k) => thetaFrac * s.eta * count * s.wrec[k * s.K + k]);
}

/**
 * Run the surrogate on one input for T steps; x(t) gives the input at step t (0-based). onStep receives the
 * spiking latents of each step. Returns the spike count of each latent over steps [from, T).
 */
export function runPortable(
  s: Skeleton,
  x: (t: number) => ArrayLike<number>,
  T: number,
  o: PortableOptions = {},
  from = 0,
  onStep?: (t: number, spiking: Int32Array, n: number) => void,
): Float64Array {
  const { D, K, wff, wrec, b, eta } = s;
  const count = o.count ?? PORTABLE_DEFAULTS.count;
  const theta = portableThresholds(s, o);
  const v = new Float64Array(K),
    inh = new Float64Array(K), // count W_rec s_{t-1}
    drive = new Float64Array(K),
    counts = new Float64Array(K);
  let fired = new Int32Array(K),
    nFired = 0,
    next = new Int32Array(K);
  let lastX: ArrayLike<number> | undefined;
  for (let t = 0; t < T; t++) {
    const xt = x(t);
    if (xt !== lastX) {
      for (let k = 0; k < K; k++) {
        let a = -b[k];
        for (let d = 0; d < D; d++) a += wff[k * D + d] * xt[d];
        drive[k] = a;
      }
      lastX = xt;
    }
    inh.fill(0);
    for (let q = 0; q < nFired; q++) {
      const j = fired[q];
      for (let k = 0; k < K; k++) inh[k] += wrec[k * K + j];
    }
    let n = 0;
    for (let k = 0; k < K; k++) {
      const vk = v[k] + eta * (drive[k] - count * inh[k]);
      if (vk > theta[k]) {
        next[n++] = k;
        v[k] = 0;
        if (t >= from) counts[k]++;
      } else v[k] = vk;
    }
    [fired, next] = [next, fired];
    nFired = n;
    onStep?.(t, fired, n);
  }
  return counts;
}

export interface PortableMetrics {
  /** R^2 of the rate-decoded reconstruction count Phi mean(s) over the window, against the input. */
  r2: number;
  /** Fraction of latents that did not spike in the window. */
  pz: number;
  /** Spikes per inference (all T steps). */
  spikes: number;
  /** The rate-decoded reconstruction against the model's own Phi exp(u_T) (finalU given): R^2 and relative MSE. */
  r2VsModel?: number;
  relMseVsModel?: number;
}

function r2Of(x: ArrayLike<number>, xh: ArrayLike<number>): number {
  let m = 0;
  for (let d = 0; d < x.length; d++) m += x[d];
  m /= x.length;
  let st = 0,
    res = 0;
  for (let d = 0; d < x.length; d++) {
    st += (x[d] - m) ** 2;
    res += (x[d] - xh[d]) ** 2;
  }
  return st > 0 ? 1 - res / st : 0;
}

/**
 * The surrogate on N inputs of X for T steps, rate-decoded over the last half of the steps; with the model's
 * final membranes (N x K, from evaluate keepFinalU), also against the model's reconstruction Phi exp(u_T).
 */
export function measurePortable(
  s: Skeleton,
  X: Float32Array,
  N: number,
  T: number,
  o: PortableOptions = {},
  finalU?: Float32Array,
  onProgress?: (done: number, total: number) => void,
): PortableMetrics {
  const { D, K, phi } = s;
  const count = o.count ?? PORTABLE_DEFAULTS.count;
  const from = Math.floor(T / 2);
  let r2 = 0,
    pz = 0,
    spikes = 0,
    r2m = 0,
    rel = 0;
  const xh = new Float64Array(D),
    xm = new Float64Array(D);
  for (let i = 0; i < N; i++) {
    const x = X.subarray(i * D, (i + 1) * D);
    const c = runPortable(
      s,
      () => x,
      T,
      o,
      from,
      (_t, _f, n) => (spikes += n),
    );
    for (let d = 0; d < D; d++) {
      let a = 0,
        m = 0;
      for (let k = 0; k < K; k++) {
        a += phi[d * K + k] * c[k];
        if (finalU) m += phi[d * K + k] * Math.exp(finalU[i * K + k]);
      }
      xh[d] = (count * a) / (T - from);
      xm[d] = m;
    }
    r2 += r2Of(x, xh);
    pz += c.reduce((z, q) => z + (q === 0 ? 1 : 0), 0) / K;
    if (finalU) {
      r2m += r2Of(xm, xh);
      let num = 0,
        den = 0;
      for (let d = 0; d < D; d++) {
        num += (xh[d] - xm[d]) ** 2;
        den += xm[d] ** 2;
      }
      rel += den > 0 ? num / den : 0;
    }
    onProgress?.(i + 1, N);
  }
  const out: PortableMetrics = { r2: r2 / N, pz: pz / N, spikes: spikes / N };
  if (finalU) {
    out.r2VsModel = r2m / N;
    out.relMseVsModel = rel / N;
  }
  return out;
}
