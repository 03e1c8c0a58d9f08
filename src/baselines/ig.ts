/**
 * The iterative Gaussian VAEs of the paper (model-spec section 6; the authors' GaussianLayer, notes in the README):
 * a Gaussian posterior N(mu, sigma^2) per latent, xi = log sigma, updated by the same natural-gradient rule as the
 * iP-VAE with the Gaussian's inverse Fisher information:
 *   z = mu + sigma eps (eps ~ N(0, 1), temperature 1),  e = act'(z) * Phi^T Sigma^-1 (x - Phi act(z)),
 *   mu <- c_mu(mu + c_dmu(eta (sigma^2 e - b))),   xi <- c_xi(xi + c_dxi(eta e eps sigma / 2)),
 * with tanh soft clamps c(y) = c tanh(y / c) (c_mu 7, c_xi 2, c_dmu 7, c_dxi 3, the authors' values). The decoder
 * sees act(z): the sample itself (iG-VAE) or g relu(z) (iG_relu-VAE), so the iG-VAE's codes are never exactly
 * zero (PZ = 0) and the relu's are zero wherever the sample is negative.
 */
import type { Family, TrainContext, Trained } from './family.js';
import { emTrain, freshModel, runIterative, type IterativeRule } from './iterative.js';
import type { Drive } from './decoder.js';

const C_MU = 7,
  C_XI = 2,
  C_DMU = 7,
  C_DXI = 3;
const tanhClamp = (y: number, c: number): number => c * Math.tanh(y / c);

/** Draw stream of the posterior noise. */
const STREAM_EPS = 1;

/** The rule; relu: decode g relu(z) (iG_relu-VAE) rather than z (iG-VAE). */
function gaussianRule(relu: boolean): IterativeRule {
  return {
    // mu, xi, and the noise eps and sample z of the last code
    states: 4,
    start(S, b, K, m) {
      S[0].fill(m.numbers.mu0, 0, b * K);
      S[1].fill(m.numbers.xi0, 0, b * K);
    },
    code(S, Z, b, K, m, t, draw) {
      const [mu, xi, eps, z] = S,
        g = m.numbers.gain;
      for (let i = 0; i < b; i++) {
        const noise = draw.normals(i, t, STREAM_EPS);
        for (let k = 0; k < K; k++) {
          const j = i * K + k,
            e = noise[k];
          eps[j] = e;
          z[j] = mu[j] + Math.exp(xi[j]) * e;
          Z[j] = relu ? (z[j] > 0 ? g * z[j] : 0) : z[j];
        }
      }
    },
    update(S, G, _Z, b, K, m) {
      const [mu, xi, eps, z] = S,
        eta = m.numbers.eta,
        bias = m.numbers.b,
        g = m.numbers.gain;
      for (let j = 0; j < b * K; j++) {
        const e = relu ? (z[j] > 0 ? g * G[j] : 0) : G[j];
        const sd = Math.exp(xi[j]);
        mu[j] = tanhClamp(mu[j] + tanhClamp(eta * (sd * sd * e - bias), C_DMU), C_MU);
        xi[j] = tanhClamp(xi[j] + tanhClamp(eta * 0.5 * e * eps[j] * sd, C_DXI), C_XI);
      }
    },
    features(S, _Z, F, b, K, m) {
      const mu = S[0],
        g = m.numbers.gain;
      for (let j = 0; j < b * K; j++) F[j] = relu ? (mu[j] > 0 ? g * mu[j] : 0) : mu[j];
    },
  };
}

export const igRule = gaussianRule(false);
export const igReluRule = gaussianRule(true);

/** eta = 1 / L: half the largest stable step of the mean's linear part at sigma = 1 (the start). */
function tune(m: Trained, drive: Drive): void {
  m.numbers.eta = 1 / Math.max(drive.lmax, 1e-9);
}

const CHOICES = [
  "trained by the shared variational EM loop (T_train 100 steps, then a step on Phi; unit-norm atoms), not by BPTT as in the paper: the drift b, the step eta and the prior's mean and log sigma are not learned but set (mu0 = xi0 = 0, the authors' initial prior N(0, 1); eta = 1 / L)",
  "so the paper's beta, which enters only the training loss, has no role: the trade-off is swept by the drift b (the authors learn b per neuron from e^-3)",
  'codes: the sample at the last step (temperature 1, as the authors validate Gaussian models); probe features: the posterior mean act(mu)',
];

function family(relu: boolean): Family {
  const rule = relu ? igReluRule : igRule;
  const name = relu ? 'ig-relu-vae' : 'ig-vae';
  return {
    name,
    label: relu ? 'iG_relu-VAE' : 'iG-VAE',
    kind: 'iterative',
    knob: {
      name: 'b',
      values: relu
        ? { patches: [0.01, 0.05, 0.25], mnist: [0.005, 0.02, 0.1] }
        : { patches: [0.01, 0.05, 0.25], mnist: [0.005, 0.02, 0.1] },
      doc:
        "the drift b of the mean's update (mu <- mu + eta (sigma^2 e - b)): larger pushes means down" +
        (relu ? ', so more codes are 0' : ''),
    },
    choices: relu ? [...CHOICES, 'the relu gain g is 1 (the authors learn it per neuron from 1)'] : CHOICES,
    async train(ctx: TrainContext) {
      const m = freshModel(name, ctx);
      Object.assign(m.numbers, { b: ctx.knob, mu0: 0, xi0: 0, gain: 1, eta: 0 });
      return emTrain(ctx, rule, m, { tTrain: 100, batch: 100, lr: 0.5, atomNorm: 1, tune });
    },
    async infer(m, X, N, o) {
      return runIterative(rule, m, X, N, o);
    },
  };
}

export const igVae = family(false);
export const igReluVae = family(true);
