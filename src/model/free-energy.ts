/**
 * The iP-VAE free energy of one inference step (model-spec section 3), in float64:
 *   L_t = sum_pixels -log N(x; Phi z~, sigma^2)  +  beta * sum_k KL(u_{t+1}, u_t)
 * where z~ is a sample drawn at u_{t+1}; the Gaussian NLL includes log sigma and 0.5 log 2 pi. KL is the
 * authors' coded form by default ('code') or the exact Poisson KL ('exact'). The training loss averages L_t
 * over the batch and over the T steps and scales it by 256 / D.
 */
import { gaussNll, kl, logSigmaOf, type KlForm } from './math.js';
import type { IpVaeParams } from './params.js';

export interface FreeEnergyTerms {
  /** Gaussian negative log likelihood summed over pixels. */
  nll: number;
  /** Sum over neurons of KL(u, uPrev) (unweighted). */
  kl: number;
  /** nll + beta * kl. */
  total: number;
}

export function freeEnergyStep(
  p: IpVaeParams,
  x: ArrayLike<number>,
  uPrev: ArrayLike<number>,
  u: ArrayLike<number>,
  z: ArrayLike<number>,
  beta: number,
  form: KlForm = 'code',
): FreeEnergyTerms {
  const { D, K } = p;
  let nll = 0;
  for (let d = 0; d < D; d++) {
    let mean = 0;
    for (let k = 0; k < K; k++) mean += p.phi[d * K + k] * z[k];
    nll += gaussNll(x[d], mean, logSigmaOf(p.s[d]));
  }
  let klSum = 0;
  for (let k = 0; k < K; k++) klSum += kl(form, u[k], uPrev[k]);
  return { nll, kl: klSum, total: nll + beta * klSum };
}

/** The per-input loss scale of the authors' code: 256 / D (so patches and MNIST losses are comparable). */
export function lossScale(D: number): number {
  return 256 / D;
}

/** Loss = (1/T) sum_t mean_batch(L_t) * 256 / D, from per-step, per-sample totals [T][B]. */
export function trainingLoss(totals: number[][], D: number): number {
  const T = totals.length;
  let s = 0;
  for (const step of totals) s += step.reduce((a, b) => a + b, 0) / step.length;
  return (s / T) * lossScale(D);
}
