/**
 * The hybrid iP-VAE, semi-amortized inference (Kim, Wiseman, Miller, Sontag, Rush 2018, "Semi-amortized
 * variational autoencoders"; Marino, Yue, Mandt 2018, "Iterative amortized inference"): the amortized P-VAE's
 * encoder (amortized.ts) gives the starting membrane u_0(x) = log r(x), then the iP-VAE's iterative update
 * (model-spec section 2) refines it with hard Poisson counts:
 *   z_t = Poisson(exp(u_t)),   u_{t+1} = clip(u_t + eta (Phi^T (x - Phi z_t) - |phi_k|^2 / 2 - beta (u_t - log r0)), -8, 5)
 * The drift is the natural gradient (Fisher r in log-rate coordinates) of the loss the encoder is trained on,
 * 1/2 E|x - Phi z|^2 + beta KL(Poisson(r) || Poisson(r0)): |phi_k|^2 / 2 from the Poisson variance of z_k, and
 * beta (u - log r0) from the KL; Phi^T (x - Phi z_t) is the iP-VAE's one-sample estimate of the rest.
 * eta = 1 / L, L the largest eigenvalue of Phi^T Phi. Training: encoder and prior as the amortized P-VAE; the
 * decoder's gradient is taken at the state refined for T_REF steps, without backpropagating through the
 * refinement into the encoder (a stop-gradient, as Kim et al.'s cheaper variant).
 */
import type { Family, TrainContext, Trained } from './family.js';
import { Drive, decoderOf } from './decoder.js';
import { makeDraw, runIterative, type IterativeRule } from './iterative.js';
import { rateOf } from '../model/poisson.js';
import { AmortizedNet, C_LOGR, netOf, trainAmortized, amortizedPVae } from './amortized.js';

/** Refinement steps behind the decoder's training gradient. */
export const T_REF = 16;
/** The membrane's floor (the iP-VAE's) and ceiling (the encoder's range). */
const U_MIN = -8;
/** The decoder's lmax is re-estimated every this many iterations in training (W itself every iteration). */
const EIGEN_EVERY = 10;
const KEY_REFINE = 0x48594252;

/** 1/2 |phi_k|^2 per atom of a D x K dictionary. */
export function halfNorms(phi: Float32Array, D: number, K: number): Float32Array {
  const h = new Float64Array(K);
  for (let d = 0; d < D; d++) for (let k = 0; k < K; k++) h[k] += phi[d * K + k] ** 2;
  return Float32Array.from(h, (v) => v / 2);
}

/** Encoders of Trained models, kept while the model lives (one per batch size). */
const nets = new WeakMap<Trained, AmortizedNet>();

function encoderOf(m: Trained, b: number): AmortizedNet {
  let net = nets.get(m);
  if (!net || net.B < b) {
    net = netOf(m, Math.max(b, 1));
    nets.set(m, net);
  }
  return net;
}

/**
 * The refinement as an IterativeRule: state u (b x K), started by the encoder from the batch's inputs; the code
 * at step t is a hard Poisson count keyed by step t, so with 0 steps the code (drawn at step 1, amortized.ts
 * CODE_STEP) is the amortized P-VAE's. Numbers: eta, beta; tensors: logr0, halfNorm.
 */
export const hybridRule: IterativeRule = {
  states: 1,
  start(S, b, K, m, X) {
    const net = encoderOf(m, b);
    net.load(X, 0, b);
    net.encode();
    S[0].set(net.L.v.subarray(0, b * K));
  },
  code(S, Z, b, K, _m, t, draw) {
    const u = S[0];
    for (let i = 0; i < b; i++) draw.poissonRow(i, t, u.subarray(i * K, (i + 1) * K), Z.subarray(i * K, (i + 1) * K));
  },
  update(S, G, _Z, b, K, m) {
    const u = S[0],
      eta = m.numbers.eta,
      beta = m.numbers.beta,
      lr0 = m.tensors.logr0,
      hn = m.tensors.halfNorm;
    for (let i = 0; i < b; i++)
      for (let k = 0; k < K; k++) {
        const j = i * K + k;
        const v = u[j] + eta * (G[j] - hn[k] - beta * (u[j] - lr0[k]));
        u[j] = v < U_MIN ? U_MIN : v > C_LOGR ? C_LOGR : v;
      }
  },
  features(S, _Z, F, b, K) {
    const u = S[0];
    for (let j = 0; j < b * K; j++) F[j] = rateOf(u[j]);
  },
};

/** Train the hybrid: the amortized P-VAE's loop with the decoder's gradient at the refined state. */
export function trainHybrid(ctx: TrainContext, hidden?: number): Trained {
  const { X, D } = ctx.data,
    K = ctx.K;
  let drive: Drive | undefined;
  let S: Float32Array[] = [];
  const ones = new Float32Array(D).fill(1);
  // the rule reads its constants from a Trained: this one carries the current ones during training
  const state: Trained = {
    family: 'hybrid',
    knob: ctx.knob,
    decoder: decoderOf(new Float32Array(D * K), D, K),
    tensors: {},
    numbers: {},
    info: {},
  };
  const { m } = trainAmortized(
    ctx,
    'poisson',
    'hybrid',
    (net, it, rows, beta) => {
      const B = net.B;
      if (!drive) {
        drive = new Drive(D, K, B);
        S = [new Float32Array(B * K)];
      }
      const dec = { D, K, phi: net.phi.v, invVar: ones };
      drive.setDecoder(dec, it % EIGEN_EVERY === 0);
      drive.loadRows(X, rows);
      state.numbers.eta = 1 / Math.max(drive.lmax, 1e-9);
      state.numbers.beta = beta;
      state.tensors.logr0 = net.logr0.v;
      state.tensors.halfNorm = halfNorms(net.phi.v, D, K);
      S[0].set(net.L.v.subarray(0, B * K));
      const draw = makeDraw(drive, ctx.seed ^ KEY_REFINE, it * B);
      for (let t = 1; t <= T_REF; t++) {
        hybridRule.code(S, drive.Z, B, K, state, t, draw);
        hybridRule.update(S, drive.gradient(), drive.Z, B, K, state, t);
      }
      hybridRule.code(S, drive.Z, B, K, state, T_REF + 1, draw);
      net.Z.v.set(drive.Z.subarray(0, B * K));
      net.reconstruct();
      net.decoderGradient();
    },
    hidden,
  );
  // the refinement's constants for the final decoder
  const d = new Drive(D, K, 1);
  d.setDecoder(m.decoder);
  m.numbers.eta = 1 / Math.max(d.lmax, 1e-9);
  m.numbers.beta = ctx.knob;
  m.tensors.halfNorm = halfNorms(m.decoder.phi, D, K);
  return m;
}

export const hybrid: Family = {
  name: 'hybrid',
  label: 'hybrid iP-VAE',
  kind: 'hybrid',
  knob: { ...amortizedPVae.knob },
  choices: [
    'semi-amortized (Kim et al. 2018; Marino et al. 2018): the amortized P-VAE encoder gives the start u_0(x) = log r(x), the iP-VAE update refines it with hard Poisson counts for the given number of steps',
    "the refinement drift is the natural gradient of the encoder's own loss: |phi_k|^2 / 2 (the Poisson variance term) + beta (u - log r0) (the KL to the learned prior), with eta = 1 / L, L the largest eigenvalue of Phi^T Phi",
    "membranes clipped to [-8, 5]: the iP-VAE's floor, the encoder's ceiling",
    `training: encoder and prior exactly as the amortized P-VAE; the decoder's gradient is taken at the hard counts after ${T_REF} refinement steps, with a stop-gradient between refinement and encoder (no backpropagation through the refinement)`,
    `in training L is re-estimated every ${EIGEN_EVERY} iterations (Phi^T Phi itself every iteration)`,
    ...amortizedPVae.choices.filter((c) => !c.startsWith('codes')),
    'codes: hard Poisson counts at the refined membranes (drawn at step T + 1); probe features: the rates exp(u_T)',
  ],
  async train(ctx: TrainContext) {
    return trainHybrid(ctx);
  },
  async infer(m, X, N, o) {
    return runIterative(hybridRule, m, X, N, o);
  },
};
