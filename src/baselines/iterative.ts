/**
 * The engine of the iterative families (LCA, predictive coding, iG-VAE, iG_relu-VAE and the hybrid's refinement):
 * a rule says how the state of K neurons per input starts, which code z it shows at step t, and how one step moves
 * it given the likelihood gradient G = Phi^T Sigma^-1 (x - Phi z). Inference runs B inputs at a time with the
 * products as float32 GEMMs (decoder.ts); every draw is keyed by (seed, stream, input, neuron, step), so results
 * do not depend on the batch size. Training is variational EM, the same loop for every rule: T_train inference
 * steps on a mini-batch, then one gradient step on Phi from the final codes (Olshausen & Field 1996; Rozell et
 * al. 2008 learn LCA's dictionary this way), atoms renormalised; the step is cosine-decayed over the iterations.
 */
import { threefry2x32 } from '../rng/threefry.js';
import { poissonDraw } from '../model/poisson.js';
import { Drive, normaliseAtoms, decoderOf, type LinearDecoder } from './decoder.js';
import { RunBudget, type Codes, type InferOptions, type TrainContext, type Trained } from './family.js';

/** How the codes and the state of one batch evolve. S: the rule's state arrays, each B x K. */
export interface IterativeRule {
  /** Number of B x K state arrays. */
  states: number;
  /**
   * Set the state of the first b inputs before step 1. X: the batch's inputs (b x D, row-major), for a rule
   * whose start depends on the input (the hybrid's encoder); the other rules ignore it.
   */
  start(S: Float32Array[], b: number, K: number, m: Trained, X: Float32Array): void;
  /** Write the code the decoder sees at step t (1-based) into Z. `sample0` is the global index of input 0. */
  code(S: Float32Array[], Z: Float32Array, b: number, K: number, m: Trained, t: number, draw: Draw): void;
  /** One step from G = Phi^T Sigma^-1 (x - Phi z) (b x K) and the code Z that produced it. */
  update(S: Float32Array[], G: Float32Array, Z: Float32Array, b: number, K: number, m: Trained, t: number): void;
  /** Features for the linear probe (b x K), from the final state and code. */
  features(S: Float32Array[], Z: Float32Array, F: Float32Array, b: number, K: number, m: Trained): void;
}

/** Keyed draws for one batch (input i of the batch is input sample0 + i of the run). */
export interface Draw {
  /** A uniform in (0, 1) for input i, neuron k, step t and a stream number (24-bit resolution). */
  uniform(i: number, k: number, t: number, stream: number): number;
  /**
   * K standard normals for input i at step t (a view, valid until the next call): Box-Muller pairs from the
   * Threefry words of counter (pair, input) under key (seed, stream x golden + t), made in the WebAssembly
   * kernels (normalPairs).
   */
  normals(i: number, t: number, stream: number): Float32Array;
  /**
   * A hard Poisson count at rate lambda for input i, neuron k, step t: src/model/poisson.ts poissonDraw keyed by
   * (seed, sample0 + i, k, t), the evaluation's sampler.
   */
  poisson(i: number, k: number, t: number, lambda: number): number;
  /**
   * Hard Poisson counts at rates exp(u) + eps for input i's K membranes u at step t, into out: the same counts
   * as poisson(i, k, t, rateOf(u[k])) for every k, drawn in the WebAssembly kernels (sampleAll).
   */
  poissonRow(i: number, t: number, u: Float32Array, out: Float32Array): void;
}

const tf = new Uint32Array(2);
/** The key word of a (stream, step). */
export const drawKey1 = (stream: number, t: number): number => (Math.imul(stream, 0x9e3779b9) + t) >>> 0;

export function makeDraw(drive: Drive, seed: number, sample0: number): Draw {
  const K = drive.K;
  return {
    uniform(i, k, t, stream) {
      return (
        ((threefry2x32(seed, drawKey1(stream, t), (sample0 + i) >>> 0, k >>> 0, 20, tf)[0] >>> 8) + 0.5) *
        5.9604644775390625e-8
      );
    },
    normals(i, t, stream) {
      drive.wk.x.normalPairs(drive.pNoise, (K + 1) & ~1, seed >>> 0, drawKey1(stream, t), (sample0 + i) >>> 0);
      return drive.noise;
    },
    poisson(i, k, t, lambda) {
      return poissonDraw(lambda, seed, sample0 + i, k, t);
    },
    poissonRow(i, t, u, out) {
      drive.poissonCounts(u, seed, sample0 + i, t, out);
    },
  };
}

/** Default inputs per batch. */
export const BATCH = 100;

/** Run `steps` steps of the rule on N inputs; Z is the code at the last step. */
export function runIterative(
  rule: IterativeRule,
  m: Trained,
  X: Float32Array,
  N: number,
  o: InferOptions,
  B = BATCH,
): Codes {
  const { D, K } = m.decoder;
  const drive = new Drive(D, K, Math.min(B, N));
  drive.setDecoder(m.decoder, false);
  const Z = new Float32Array(N * K),
    F = new Float32Array(N * K);
  const S = Array.from({ length: rule.states }, () => new Float32Array(drive.B * K));
  const f = new Float32Array(drive.B * K);
  for (let i0 = 0; i0 < N; i0 += drive.B) {
    const b = Math.min(drive.B, N - i0);
    drive.load(X, i0, b);
    const draw = makeDraw(drive, o.seed, (o.sampleOffset ?? 0) + i0);
    rule.start(S, b, K, m, drive.X.subarray(0, b * D));
    for (let t = 1; t <= o.steps; t++) {
      rule.code(S, drive.Z, b, K, m, t, draw);
      rule.update(S, drive.gradient(), drive.Z, b, K, m, t);
    }
    rule.code(S, drive.Z, b, K, m, o.steps + 1, draw);
    Z.set(drive.Z.subarray(0, b * K), i0 * K);
    rule.features(S, drive.Z, f, b, K, m);
    F.set(f.subarray(0, b * K), i0 * K);
  }
  return { Z, features: F };
}

/** Settings of variational-EM training. */
export interface EmSettings {
  /** Inference steps per mini-batch. */
  tTrain: number;
  /** Inputs per mini-batch. */
  batch: number;
  /** Peak dictionary step (per input, unit-norm atoms), cosine-decayed to 0. */
  lr: number;
  /** Atom norm after every step. */
  atomNorm: number;
  /** Fill the rule's own numbers (step size, threshold, ...) from the decoder's drive (called after every step). */
  tune(m: Trained, drive: Drive): void;
  /** Iterations cap (when the budget would allow more). */
  maxIterations?: number;
}

/** Atoms start as centred random training inputs plus a little keyed noise, at norm atomNorm. */
export function dataAtoms(ctx: TrainContext, norm: number): Float32Array {
  const { X, N, D } = ctx.data,
    K = ctx.K;
  const phi = new Float32Array(D * K);
  for (let k = 0; k < K; k++) {
    const n = threefry2x32(ctx.seed, 0x41544f4d, k, 0, 20, tf)[0] % N;
    let mean = 0;
    for (let d = 0; d < D; d++) mean += X[n * D + d];
    mean /= D;
    for (let d = 0; d < D; d++) {
      const noise = (threefry2x32(ctx.seed, 0x41544f4e, d, k, 20, tf)[0] >>> 8) / 16777216 - 0.5;
      phi[d * K + k] = X[n * D + d] - mean + 0.1 * noise;
    }
  }
  normaliseAtoms(phi, D, K, norm);
  return phi;
}

/**
 * Variational EM within ctx.budgetMs (or the count in ctx.replay): the first TIMED iterations are timed and the
 * count cut to what fits, the loop stops at the deadline too (RunBudget), so a run is reproducible from the
 * counts it reports (info.iterations, info.schedule).
 */
export function emTrain(ctx: TrainContext, rule: IterativeRule, m: Trained, s: EmSettings): Trained {
  const { X, N, D } = ctx.data,
    K = ctx.K,
    B = Math.min(s.batch, N);
  const drive = new Drive(D, K, B);
  const S = Array.from({ length: rule.states }, () => new Float32Array(B * K));
  const rows = new Int32Array(B);
  const t0 = performance.now();
  const budget = new RunBudget(ctx, s.maxIterations ?? 1e9, t0);
  let sse = 0;
  drive.setDecoder(m.decoder);
  s.tune(m, drive);
  let it = 0;
  for (; budget.runs(it, TIMED); it++) {
    const total = budget.total;
    for (let i = 0; i < B; i++)
      rows[i] = threefry2x32(ctx.seed, 0x454d0000 + (it >>> 16), it & 0xffff, i, 20, tf)[0] % N;
    drive.loadRows(X, rows);
    const draw = makeDraw(drive, ctx.seed ^ 0x5eed, it * B);
    rule.start(S, B, K, m, drive.X);
    for (let t = 1; t <= s.tTrain; t++) {
      rule.code(S, drive.Z, B, K, m, t, draw);
      rule.update(S, drive.gradient(), drive.Z, B, K, m, t);
    }
    rule.code(S, drive.Z, B, K, m, s.tTrain + 1, draw);
    sse = drive.decoderGradient(m.decoder.invVar);
    // the first TIMED steps are at the peak (the count is not known yet), then a cosine decay to 0
    const step =
      (s.lr * (it < TIMED ? 1 : 0.5 * (1 + Math.cos((Math.PI * (it - TIMED)) / Math.max(1, total - TIMED))))) / B;
    const phi = m.decoder.phi;
    for (let i = 0; i < D * K; i++) phi[i] += step * drive.dPhi[i];
    normaliseAtoms(phi, D, K, s.atomNorm);
    drive.setDecoder(m.decoder);
    s.tune(m, drive);
    if (it === TIMED - 1)
      budget.fit(Math.floor(ctx.budgetMs / Math.max((performance.now() - t0) / TIMED, 1e-3)), TIMED);
    if ((it + 1) % 10 === 0 || it + 1 === budget.total)
      ctx.onProgress?.((it + 1) / budget.total, `${it + 1}/${budget.total} mse ${(sse / (B * D)).toFixed(4)}`);
  }
  budget.record(m.info, it);
  m.info.seconds = Math.round((performance.now() - t0) / 100) / 10;
  m.info.trainMse = sse / (B * D);
  return m;
}

/** Iterations timed to fit the budget (and run at the peak step). */
const TIMED = 3;

/** A fresh Trained with data atoms (unit norm by default) and sigma = 1. */
export function freshModel(family: string, ctx: TrainContext, atomNorm = 1): Trained {
  return {
    family,
    knob: ctx.knob,
    decoder: decoderOf(dataAtoms(ctx, atomNorm), ctx.data.D, ctx.K),
    tensors: {},
    numbers: {},
    info: {},
  };
}

export type { LinearDecoder };
