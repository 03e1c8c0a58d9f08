/**
 * Predictive coding (Rao & Ballard, "Predictive coding in the visual cortex", Nature Neuroscience 1999), one
 * layer: causes r with a Gaussian prior, MAP inference by gradient descent on the prediction error,
 *   r <- r + h (Phi^T Sigma^-1 (x - Phi r) - lambda r),
 * the gradient of -log p(x | r) - log p(r) with p(r) = N(0, 1 / lambda). The code shown to the decoder is r
 * itself (real-valued, so PZ = 0). The dictionary is learned by the shared variational EM loop (iterative.ts),
 * as Rao & Ballard learn U by a Hebbian step on the settled error.
 */
import type { Family, TrainContext, Trained } from './family.js';
import { emTrain, freshModel, runIterative, type IterativeRule } from './iterative.js';
import type { Drive } from './decoder.js';

export const pcRule: IterativeRule = {
  states: 1,
  start(S, b, K) {
    S[0].fill(0, 0, b * K);
  },
  code(S, Z, b, K) {
    Z.set(S[0].subarray(0, b * K));
  },
  update(S, G, _Z, b, K, m) {
    const r = S[0],
      h = m.numbers.h,
      lam = m.numbers.lambda;
    for (let i = 0; i < b * K; i++) r[i] += h * (G[i] - lam * r[i]);
  },
  features(_S, Z, F, b, K) {
    F.set(Z.subarray(0, b * K));
  },
};

/** h = 1 / (L + lambda): half the largest stable step of the (linear) gradient descent. */
function tune(m: Trained, drive: Drive): void {
  m.numbers.h = 1 / (drive.lmax + m.numbers.lambda);
}

export const pc: Family = {
  name: 'pc',
  label: 'PC',
  kind: 'iterative',
  knob: {
    name: 'lambda',
    values: { patches: [0.1, 1, 10], mnist: [0.1, 1, 10] },
    doc: 'the precision lambda of the Gaussian prior N(0, 1 / lambda) on the causes (an L2 penalty): larger shrinks them',
  },
  choices: [
    'one layer with a Gaussian prior N(0, 1 / lambda) on the causes (Rao & Ballard also use a sparse prior; the paper groups PC with the Gaussian, PZ = 0 families)',
    'MAP inference by gradient descent with step h = 1 / (L + lambda), L the largest eigenvalue of Phi^T Phi; r starts at 0 for every input',
    'dictionary by the shared variational EM loop, atoms kept at unit norm (Rao & Ballard use weight decay; a fixed norm stops the scale of Phi and r from drifting)',
  ],
  async train(ctx: TrainContext) {
    const m = freshModel('pc', ctx);
    m.numbers.lambda = ctx.knob;
    return emTrain(ctx, pcRule, m, { tTrain: 100, batch: 100, lr: 0.5, atomNorm: 1, tune });
  },
  async infer(m, X, N, o) {
    return runIterative(pcRule, m, X, N, o);
  },
};
