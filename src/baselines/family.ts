/**
 * What every model family of `ipvae compare` provides (issue 16; model-spec section 6). A family is one file in
 * src/baselines/ that exports a Family and is listed in registry.ts: adding a family touches that file and the
 * registry line, nothing else. Every family has the same linear Gaussian decoder x ~ N(Phi z, sigma^2), so the
 * reconstruction R^2 and the sparsity PZ of every family are computed by one function (score.ts) from the codes z
 * a family returns; only how z is inferred (iteratively or in one pass) and how the parameters are learned differ.
 */
import type { LinearDecoder } from './decoder.js';

/** The data a family trains on (training split, row-major N x D float32). */
export interface TrainData {
  X: Float32Array;
  N: number;
  D: number;
  /** The data set's name (patches, mnist): a family may pick its settings from it. */
  name: string;
}

/** One training run of a family at one sweep point. */
export interface TrainContext {
  data: TrainData;
  K: number;
  seed: number;
  /** Wall-clock milliseconds the run may take (the family times itself and stops in time). */
  budgetMs: number;
  /** The sweep value of this run (the family's knob). */
  knob: number;
  /**
   * The counts a previous run reported in its info (iterations, ...): given, the run repeats them instead of
   * timing itself against budgetMs, and produces the same bytes.
   */
  replay?: Trained['info'];
  /** Called now and then with the fraction done (0..1) and a short status. */
  onProgress?: (fraction: number, status: string) => void;
}

/** A trained model: the shared decoder and the family's own parameters (flat float32 tensors and numbers). */
export interface Trained {
  family: string;
  knob: number;
  decoder: LinearDecoder;
  /** The family's other parameters (an encoder's weights, a bias, an inference step size, ...). */
  tensors: Record<string, Float32Array>;
  numbers: Record<string, number>;
  /** What the run did (iterations, seconds, ...), for compare.json. */
  info: Record<string, number | string>;
}

/** What inference returns for N inputs. */
export interface Codes {
  /** N x K codes the reconstruction Phi z uses (a hard Poisson count, a sample, a MAP or LCA code). */
  Z: Float32Array;
  /** N x K features for the linear probe (rates exp(u), posterior means, or the codes themselves). */
  features: Float32Array;
}

export interface InferOptions {
  /** Inference steps of an iterative family (an amortized family ignores it: one pass). */
  steps: number;
  /** Seed of the draws (sample i's draws are keyed by sampleOffset + i). */
  seed: number;
  sampleOffset?: number;
}

export interface Family {
  /** Command-line name (lca, ig-vae, ...). */
  name: string;
  /** Name in tables and plots (LCA, iG-VAE, ...). */
  label: string;
  /** iterative: inference by a recurrent update from a fixed start; amortized: one encoder pass; hybrid: both. */
  kind: 'iterative' | 'amortized' | 'hybrid';
  /**
   * The swept quantity (beta for the VAEs trained on the free energy, lambda for LCA and PC, or what the family
   * documents), its values per data set, and a sentence on what it does.
   */
  knob: { name: string; values: Record<'patches' | 'mnist', readonly number[]>; doc: string };
  /** The choices the paper leaves open that this implementation made (one sentence each, for the README). */
  choices: readonly string[];
  train(ctx: TrainContext): Promise<Trained>;
  infer(m: Trained, X: Float32Array, N: number, o: InferOptions): Promise<Codes>;
}

/**
 * The wall-clock budget of one training loop, shared by every family: the schedules (learning-rate decay,
 * annealing) span `total` iterations, fitted to the budget after the first ones are timed (fit), and the loop
 * also stops at the deadline, t0 + budgetMs, so a slow machine cannot give one family more time than another.
 * What ran is recorded (record): info.iterations, and info.schedule when the deadline cut the schedule short;
 * a replay (ctx.replay) runs exactly that many iterations of that schedule, without a clock, and so gives the
 * same bytes.
 */
export class RunBudget {
  readonly replaying: boolean;
  /** Iterations the schedules span. */
  total: number;
  private readonly stopAt: number;
  private readonly deadline: number;

  constructor(ctx: TrainContext, cap = 1e9, t0 = performance.now()) {
    const r = ctx.replay;
    this.replaying = r?.iterations !== undefined;
    this.total = this.replaying ? Number(r!.schedule ?? r!.iterations) : cap;
    this.stopAt = this.replaying ? Number(r!.iterations) : Infinity;
    this.deadline = this.replaying ? Infinity : t0 + ctx.budgetMs;
  }

  /** Set the schedules' length from the time per iteration (not when replaying): at least `min`, at most the cap. */
  fit(total: number, min: number): void {
    if (!this.replaying) this.total = Math.max(min, Math.min(this.total, total));
  }

  /** Whether iteration `it` (0-based) runs; the deadline is not checked before iteration `timed`. */
  runs(it: number, timed: number): boolean {
    return it < this.total && it < this.stopAt && (it < timed || performance.now() < this.deadline);
  }

  /** Record `done` iterations (and the schedule's length when they are fewer) in info. */
  record(info: Trained['info'], done: number): void {
    info.iterations = done;
    if (done !== this.total) info.schedule = this.total;
  }
}
