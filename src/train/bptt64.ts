/**
 * Float64 reference of the training loss and its gradient for one input, by hand-written backpropagation
 * through all T inference steps and through both relaxed samples of every step (model-spec section 3):
 *
 *   z_t      = relaxed(u_t)                                    drive sample
 *   du_raw   = eta (Phi^T ((x - Phi z_t) / sigma^2) - b)
 *   u_{t+1}  = sc(max(u_t + sc(max(du_raw, -8), c), -8), c)     sc(y, c) = y - softplus(y - c)
 *   z~_{t+1} = relaxed(u_{t+1})                                loss sample
 *   L_t      = sum_d -log N(x_d; (Phi z~_{t+1})_d, sigma_d^2) + beta sum_k KL(u_{t+1,k}, u_{t,k})
 *   loss     = (1/T) sum_t L_t * 256 / D
 *
 * Gradients flow into Phi, s (log sigma = 3.45 tanh(s / 3.45)), log_bias, log_lr and u0. This is the
 * slow, obviously-correct path the fast training code is checked against; tests check it in turn against
 * finite differences.
 */
import { dFloorSoftclamp, floorSoftclamp, kl, klGrad, logSigmaOf, type KlForm } from '../model/math.js';
import { RATE_EPS } from '../model/poisson.js';
import { relaxedCount } from './relaxed.js';
import type { IpVaeParams } from '../model/params.js';

export interface TrainConfig {
  T: number;
  beta: number;
  tau: number;
  clamp: number;
  /** Exponentials per relaxed sample (n_exp), one per step or one for all. */
  nExp: number | ArrayLike<number>;
  klForm?: KlForm;
}

/** Cumulative Exp(1) noise for (stream 0 = drive / 1 = loss, step, neuron) into out[0..n). */
export type NoiseFn = (stream: 0 | 1, step: number, neuron: number, n: number, out: Float64Array) => void;

export interface Grads {
  phi: Float64Array;
  s: Float64Array;
  logBias: Float64Array;
  logLr: number;
  u0: Float64Array;
}

export function zeroGrads(D: number, K: number): Grads {
  return {
    phi: new Float64Array(D * K),
    s: new Float64Array(D),
    logBias: new Float64Array(K),
    logLr: 0,
    u0: new Float64Array(K),
  };
}

/** Loss of one input and its gradient (accumulated into grads if given). */
export function lossAndGrad64(
  p: IpVaeParams,
  x: ArrayLike<number>,
  noise: NoiseFn,
  cfg: TrainConfig,
  grads?: Grads,
): number {
  const { D, K } = p;
  const { T, beta, tau, clamp: c } = cfg;
  const form = cfg.klForm ?? 'code';
  const nAt = (t: number) => (typeof cfg.nExp === 'number' ? cfg.nExp : cfg.nExp[t]);
  const logSig = new Float64Array(D),
    w = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    logSig[d] = logSigmaOf(p.s[d]);
    w[d] = Math.exp(-2 * logSig[d]);
  }
  const b = new Float64Array(K);
  for (let k = 0; k < K; k++) b[k] = Math.exp(p.logBias[k]);
  const eta = Math.exp(p.logLr);
  const phi = p.phi;
  const scale = 256 / D / T;

  // forward, keeping what the backward pass needs
  const U = Array.from({ length: T + 1 }, () => new Float64Array(K));
  const Z = Array.from({ length: T }, () => new Float64Array(K)); // drive samples z_t
  const dZ = Array.from({ length: T }, () => new Float64Array(K)); // dz_t/du_t
  const Zl = Array.from({ length: T }, () => new Float64Array(K)); // loss samples z~_{t+1}
  const dZl = Array.from({ length: T }, () => new Float64Array(K));
  const R = Array.from({ length: T }, () => new Float64Array(D)); // (x - Phi z_t)
  const G = Array.from({ length: T }, () => new Float64Array(K)); // Phi^T ((x - Phi z_t) w)
  const DuRaw = Array.from({ length: T }, () => new Float64Array(K));
  const Y = Array.from({ length: T }, () => new Float64Array(K)); // u_t + du_c
  const Rl = Array.from({ length: T }, () => new Float64Array(D)); // x - Phi z~_{t+1}
  const S = new Float64Array(4096),
    zz = new Float64Array(2);
  const sample = (t: number, stream: 0 | 1, u: Float64Array, z: Float64Array, dz: Float64Array, step: number) => {
    const n = nAt(t);
    for (let k = 0; k < K; k++) {
      const eu = Math.exp(u[k]);
      noise(stream, step, k, n, S);
      relaxedCount(eu + RATE_EPS, tau, S, n, zz);
      z[k] = zz[0];
      dz[k] = zz[1] * eu;
    }
  };
  U[0].set(p.u0);
  let loss = 0;
  for (let t = 0; t < T; t++) {
    const u = U[t];
    sample(t, 0, u, Z[t], dZ[t], t);
    for (let d = 0; d < D; d++) {
      let m = 0;
      for (let k = 0; k < K; k++) m += phi[d * K + k] * Z[t][k];
      R[t][d] = x[d] - m;
    }
    for (let k = 0; k < K; k++) {
      let g = 0;
      for (let d = 0; d < D; d++) g += phi[d * K + k] * R[t][d] * w[d];
      G[t][k] = g;
      DuRaw[t][k] = eta * (g - b[k]);
      const duc = floorSoftclamp(DuRaw[t][k], c);
      Y[t][k] = u[k] + duc;
      U[t + 1][k] = floorSoftclamp(Y[t][k], c);
    }
    sample(t, 1, U[t + 1], Zl[t], dZl[t], t + 1);
    let Lt = 0;
    for (let d = 0; d < D; d++) {
      let m = 0;
      for (let k = 0; k < K; k++) m += phi[d * K + k] * Zl[t][k];
      Rl[t][d] = x[d] - m;
      Lt += 0.5 * Rl[t][d] * Rl[t][d] * w[d] + logSig[d] + 0.5 * Math.log(2 * Math.PI);
    }
    for (let k = 0; k < K; k++) Lt += beta * kl(form, U[t + 1][k], u[k]);
    loss += Lt * scale;
  }
  if (!grads) return loss;

  // backward
  const gU = new Float64Array(K); // dLoss/du_{t+1}, carried backwards
  const gUprev = new Float64Array(K);
  const dLogSig = new Float64Array(D);
  const dW = new Float64Array(D);
  let dEta = 0;
  for (let t = T - 1; t >= 0; t--) {
    gUprev.fill(0);
    // L_t: NLL through the loss sample z~_{t+1}
    for (let d = 0; d < D; d++) {
      const dm = -Rl[t][d] * w[d] * scale; // d/dm of 0.5 (x - m)^2 w
      dW[d] += 0.5 * Rl[t][d] * Rl[t][d] * scale;
      dLogSig[d] += scale;
      for (let k = 0; k < K; k++) {
        grads.phi[d * K + k] += dm * Zl[t][k];
        gU[k] += phi[d * K + k] * dm * dZl[t][k];
      }
    }
    // L_t: beta KL(u_{t+1}, u_t)
    for (let k = 0; k < K; k++) {
      const [du, dup] = klGrad(form, U[t + 1][k], U[t][k]);
      gU[k] += beta * scale * du;
      gUprev[k] += beta * scale * dup;
    }
    // u_{t+1} = sc(max(y, -8)), y = u_t + sc(max(du_raw, -8))
    const dDuRaw = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      const dy = gU[k] * dFloorSoftclamp(Y[t][k], c);
      gUprev[k] += dy;
      dDuRaw[k] = dy * dFloorSoftclamp(DuRaw[t][k], c);
    }
    // du_raw = eta (g - b)
    const dG = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      dEta += dDuRaw[k] * (G[t][k] - b[k]);
      grads.logBias[k] += -eta * dDuRaw[k] * b[k];
      dG[k] = eta * dDuRaw[k];
    }
    // g = Phi^T (r w), r = x - Phi z_t
    for (let d = 0; d < D; d++) {
      let dq = 0; // d/d(r_d w_d)
      for (let k = 0; k < K; k++) {
        grads.phi[d * K + k] += R[t][d] * w[d] * dG[k];
        dq += phi[d * K + k] * dG[k];
      }
      dW[d] += dq * R[t][d];
      const dr = dq * w[d];
      // r = x - Phi z_t: d/dPhi = -dr z, d/dz = -Phi^T dr
      for (let k = 0; k < K; k++) {
        grads.phi[d * K + k] += -dr * Z[t][k];
        gUprev[k] += -phi[d * K + k] * dr * dZ[t][k];
      }
    }
    gU.set(gUprev);
  }
  for (let k = 0; k < K; k++) grads.u0[k] += gU[k];
  grads.logLr += dEta * eta;
  for (let d = 0; d < D; d++) {
    // w = exp(-2 log sigma); log sigma = 3.45 tanh(s / 3.45)
    const dls = dLogSig[d] + dW[d] * -2 * w[d];
    const th = Math.tanh(p.s[d] / 3.45);
    grads.s[d] += dls * (1 - th * th);
  }
  return loss;
}
