/**
 * LCA, the locally competitive algorithm (Rozell, Johnson, Baraniuk, Olshausen, "Sparse coding via thresholding
 * and local competition in neural circuits", Neural Computation 2008): membranes u, codes a = T_lambda(u),
 *   tau du/dt = Phi^T x - u - (Phi^T Phi - I) a,
 * integrated by Euler steps u += h (Phi^T (x - Phi a) + a - u). Its fixed points are the minima of
 * 1/2 |x - Phi a|^2 + lambda |a|_1; with the non-negative threshold used here, a = max(u - lambda, 0), of the
 * non-negative problem whose optimum is also the fixed point of iP-VAE inference (src/train/sparse-init.ts).
 * The dictionary is learned by the shared variational EM loop (iterative.ts).
 */
import type { Family, TrainContext, Trained } from './family.js';
import { emTrain, freshModel, runIterative, type IterativeRule } from './iterative.js';
import type { Drive } from './decoder.js';

/** Euler step h = dt / tau as a fraction of the largest stable one, 2 / L (L the largest eigenvalue of Phi^T Phi). */
const STEP_OF_STABLE = 0.5;

export const lcaRule: IterativeRule = {
  states: 1,
  start(S, b, K) {
    S[0].fill(0, 0, b * K);
  },
  code(S, Z, b, K, m) {
    const u = S[0],
      lam = m.numbers.lambda;
    for (let i = 0; i < b * K; i++) Z[i] = u[i] > lam ? u[i] - lam : 0;
  },
  update(S, G, Z, b, K, m) {
    const u = S[0],
      h = m.numbers.h;
    for (let i = 0; i < b * K; i++) u[i] += h * (G[i] + Z[i] - u[i]);
  },
  features(_S, Z, F, b, K) {
    F.set(Z.subarray(0, b * K));
  },
};

/** h = 1 / L: half the largest stable Euler step of the linear part (at most 1, a step straight to u = drive). */
export function lcaStep(lmax: number): number {
  return Math.min(1, (2 * STEP_OF_STABLE) / Math.max(lmax, 1e-9));
}

function tune(m: Trained, drive: Drive): void {
  m.numbers.h = lcaStep(drive.lmax);
}

export const lca: Family = {
  name: 'lca',
  label: 'LCA',
  kind: 'iterative',
  knob: {
    name: 'lambda',
    values: { patches: [0.35, 0.5, 0.7], mnist: [0.025, 0.05, 0.1] },
    doc: 'the threshold lambda of a = max(u - lambda, 0) with unit-norm atoms: larger is sparser',
  },
  choices: [
    'non-negative threshold a = max(u - lambda, 0) (Rozell et al. also define the two-sided one), so codes are comparable with spike counts',
    'Euler step h = dt / tau = 1 / L, L the largest eigenvalue of Phi^T Phi (half the largest stable step), u starts at 0 for every input',
    'dictionary by variational EM: 100 LCA steps per mini-batch of 100, one gradient step on Phi from the final codes, unit-norm atoms, step cosine-decayed from 0.5',
  ],
  async train(ctx: TrainContext) {
    const m = freshModel('lca', ctx);
    m.numbers.lambda = ctx.knob;
    return emTrain(ctx, lcaRule, m, { tTrain: 100, batch: 100, lr: 0.5, atomNorm: 1, tune });
  },
  async infer(m, X, N, o) {
    return runIterative(lcaRule, m, X, N, o);
  },
};
