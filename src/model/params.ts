/**
 * Parameters of the iP-VAE (model-spec sections 1 and 3) and what inference derives from them.
 * Tensors are float32, as in the authors' PyTorch model. Layouts follow the authors' state_dict:
 * phi is [D, K] row-major (row = pixel, column = feature).
 */
import { threefry2x32 } from '../rng/threefry.js';
import { logSigmaOf } from './math.js';
import { UserError } from '../errors.js';
import { DEFAULTS } from '../defaults.js';

export interface IpVaeParams {
  D: number;
  K: number;
  /** layer.phi.weight, [D, K] row-major. */
  phi: Float32Array;
  /** layer.dec_log_sigma, [D]: log sigma = 3.45 tanh(s / 3.45). */
  s: Float32Array;
  /** layer.log_bias, [K]: b = exp(log_bias). */
  logBias: Float32Array;
  /** layer.log_lr.0, scalar: eta = exp(log_lr). */
  logLr: number;
  /** layer.u_init.0, [K]: the prior's log rates and the initial membranes. */
  u0: Float32Array;
  /** layer.n_exp, [T_train] (training buffer; optional). */
  nExp?: Int32Array;
}

/** D*K + D + 2K + 1 (model-spec section 3). */
export function parameterCount(D: number, K: number): number {
  return D * K + D + 2 * K + 1;
}

/** Standard normal from two Threefry words (Box-Muller, float64). */
function normalFromWords(w0: number, w1: number): number {
  const u1 = (w0 + 0.5) / 4294967296;
  const u2 = (w1 + 0.5) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Stream ids so each initialised tensor draws from its own counter space. */
const STREAM_PHI = 0x50480001,
  STREAM_U0 = 0x55300002;

/**
 * The authors' initialisation: Phi ~ N(0, phiScale^2) (1e-4), u0 ~ U(-6, -4), log_bias = -3, log_lr = 0, s = 0.
 * Deterministic in `seed` (default 0, as `ipvae init`; counter-based draws keyed by tensor and element).
 */
export function initParams(D: number, K: number, seed: number = DEFAULTS.seed, phiScale = 1e-4): IpVaeParams {
  if (!Number.isInteger(D) || D < 1 || !Number.isInteger(K) || K < 1) {
    throw new Error(`initParams: D and K must be positive integers (got D=${D}, K=${K})`);
  }
  const phi = new Float32Array(D * K);
  const out = new Uint32Array(2);
  for (let i = 0; i < D * K; i++) {
    threefry2x32(seed, STREAM_PHI, i, 0, 20, out);
    phi[i] = phiScale * normalFromWords(out[0], out[1]);
  }
  const u0 = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    threefry2x32(seed, STREAM_U0, k, 0, 20, out);
    u0[k] = -6 + 2 * ((out[0] + 0.5) / 4294967296);
  }
  return { D, K, phi, s: new Float32Array(D), logBias: new Float32Array(K).fill(-3), logLr: 0, u0 };
}

/** What the inference dynamics need, derived once per model (float32, as the kernels use it). */
export interface Prepared {
  D: number;
  K: number;
  /** Phi^T, [K, D] row-major: row k is feature k (contiguous for event-driven accumulation). */
  phiT: Float32Array;
  /** 1 / sigma^2 per pixel, [D]. */
  invVar: Float32Array;
  /** b = exp(log_bias), [K]. */
  bias: Float32Array;
  /** eta = exp(log_lr). */
  eta: number;
  u0: Float32Array;
  /** W_rec = Phi^T Sigma^-1 Phi, [K, K] symmetric (computed lazily for the event-driven path). */
  wrec?: Float32Array;
}

export function prepare(p: IpVaeParams, withWrec = true): Prepared {
  const { D, K } = p;
  const phiT = new Float32Array(K * D);
  for (let d = 0; d < D; d++) for (let k = 0; k < K; k++) phiT[k * D + d] = p.phi[d * K + k];
  const invVar = new Float32Array(D);
  for (let d = 0; d < D; d++) invVar[d] = Math.exp(-2 * logSigmaOf(p.s[d]));
  const bias = new Float32Array(K);
  for (let k = 0; k < K; k++) bias[k] = Math.exp(p.logBias[k]);
  const prep: Prepared = { D, K, phiT, invVar, bias, eta: Math.fround(Math.exp(p.logLr)), u0: p.u0 };
  if (withWrec) {
    if (K * K * 4 > 2 ** 32) {
      throw new UserError(
        `K = ${K}: W_rec (K x K float32) would need ${((K * K * 4) / 2 ** 30).toFixed(1)} GiB; use --mode dense`,
      );
    }
    prep.wrec = recurrentWeights(phiT, invVar, K, D);
  }
  return prep;
}

/** W_rec[i, j] = sum_d phi[d, i] phi[d, j] / sigma_d^2, accumulated in float64 then rounded to float32. */
export function recurrentWeights(phiT: Float32Array, invVar: Float32Array, K: number, D: number): Float32Array {
  const w = new Float32Array(K * K);
  const scaled = new Float64Array(D);
  for (let i = 0; i < K; i++) {
    const oi = i * D;
    for (let d = 0; d < D; d++) scaled[d] = phiT[oi + d] * invVar[d];
    for (let j = i; j < K; j++) {
      const oj = j * D;
      let acc = 0;
      for (let d = 0; d < D; d++) acc += scaled[d] * phiT[oj + d];
      w[i * K + j] = acc;
      w[j * K + i] = acc;
    }
  }
  return w;
}

/**
 * Largest membrane the toolkit accepts: rates exp(u) up to e^20 = 4.9e8 keep every spike count inside int32.
 * The soft clamp keeps u below c after the first update; u0 and c are checked against this bound.
 */
export const U_MAX = 20;

/** Throws a clear error naming the tensor if any parameter is not finite, or u0 is above U_MAX. */
export function checkFinite(p: IpVaeParams, where: string): void {
  const tensors: [string, ArrayLike<number>][] = [
    ['layer.phi.weight', p.phi],
    ['layer.dec_log_sigma', p.s],
    ['layer.log_bias', p.logBias],
    ['layer.log_lr.0', [p.logLr]],
    ['layer.u_init.0', p.u0],
  ];
  for (const [name, arr] of tensors) {
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i])) {
        throw new Error(
          `${where}: tensor ${name} has a non-finite value (${arr[i]}) at element ${i}; expected finite numbers`,
        );
      }
    }
  }
  for (let k = 0; k < p.K; k++) {
    if (p.u0[k] > U_MAX) {
      throw new Error(
        `${where}: tensor layer.u_init.0 has ${p.u0[k]} at element ${k}; expected at most ${U_MAX} (rate e^u must stay countable)`,
      );
    }
  }
}
