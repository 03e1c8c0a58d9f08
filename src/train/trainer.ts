/**
 * The training loop of the iP-VAE (model-spec section 3): seeded shuffling, the batched BPTT gradient, grad-norm
 * clipping, Adamax with L2 weight decay, the beta / clamp / tau / learning-rate schedules, and the n_exp rule
 * (PoissonPPF(0.999; running max rate) per step t, re-estimated every 200 iterations, capped by an explicit
 * option). Every random draw is keyed by (seed, iteration or epoch, ...), so a run resumed from a checkpoint
 * produces the same bytes as an uninterrupted one.
 */
import { GradientPool } from './pool.js';
import type { GradForm } from './batch.js';
import { zeroGrads, type Grads } from './bptt64.js';
import { Adamax, clipGradNorm } from './optim.js';
import { scheduleAt, type ScheduleAt, type ScheduleConfig } from './schedule.js';
import { poissonPpf, type KlForm } from '../model/math.js';
import { initParams, type IpVaeParams } from '../model/params.js';
import { threefry2x32 } from '../rng/threefry.js';
import { decodeModel, encodeModel, parseSafetensors, type OutTensor } from '../io/safetensors.js';
import { UserError } from '../errors.js';
import { parseJson, shown } from '../io/json-read.js';
import { withDefaults } from '../defaults.js';

export interface TrainOptions {
  K: number;
  tTrain: number;
  beta: number;
  epochs: number;
  batch: number;
  lr: number;
  clip: number;
  seed: number;
  /** Upper bound on n_exp (the authors' rule is uncapped; a rate of 50 asks for 73 terms, 300 for 354). */
  nExpCap: number;
  /** Initial n_exp (the authors: PoissonPPF(0.999; 3) = 10). */
  nExpInit: number;
  /** Iterations between n_exp re-estimates. */
  nExpEvery: number;
  klForm: KlForm;
  /**
   * 'authors': Phi ~ N(0, 1e-4^2); 'data': random centred training inputs as unit-norm atoms x phiScale;
   * 'sparse': the parameters come from sparseInit (src/train/sparse-init.ts), passed as the start model.
   */
  init: 'authors' | 'data' | 'sparse';
  phiScale: number;
  /** Total optimiser steps; overrides epochs x (N / batch) when set (e.g. derived from a time budget). */
  iterations?: number;
  /** Worker threads for the gradient (results are identical for 1 or 2). */
  workers?: number;
  /** Pixel- or latent-space gradient (same mathematics; 'auto' takes the faster for the shape). */
  gradForm?: GradForm;
}

/** What the Trainer applies to every option a run leaves out (K, tTrain, beta and epochs have none). */
export const DEFAULT_TRAIN: Omit<TrainOptions, 'K' | 'tTrain' | 'beta' | 'epochs'> = Object.freeze({
  batch: 200,
  lr: 5e-3,
  clip: 300,
  seed: 0,
  nExpCap: 64,
  nExpInit: 10,
  nExpEvery: 200,
  klForm: 'code',
  init: 'authors',
  phiScale: 0.5,
});

/** The options a Trainer takes: the shape, the unrolled steps, beta and the epochs; the rest from DEFAULT_TRAIN. */
export type TrainInput = Pick<TrainOptions, 'K' | 'tTrain' | 'beta' | 'epochs'> & Partial<TrainOptions>;

export interface StepLog {
  iteration: number;
  loss: number;
  gradNorm: number;
  lr: number;
  beta: number;
  tau: number;
  clamp: number;
  nExpMax: number;
}

const PARAM_NAMES = ['phi', 's', 'logBias', 'logLr', 'u0'] as const;

export class Trainer {
  readonly p: IpVaeParams;
  readonly opt: Adamax;
  readonly grad: GradientPool;
  readonly iterationsPerEpoch: number;
  readonly totalIterations: number;
  iteration = 0;
  readonly nExp: Int32Array;
  /** Running max rate per step since the last n_exp re-estimate. */
  readonly runningMax: Float64Array;
  private readonly logLrBox = new Float32Array(1);
  private perm: Int32Array | undefined;
  private permEpoch = -1;
  /** The options as applied: the given ones over DEFAULT_TRAIN. */
  readonly o: TrainOptions;

  /**
   * resume: checkpoint bytes to continue from; start: a model whose parameters replace the initialisation
   * (e.g. a sparse-coding dictionary as a data-dependent start). Options left out take DEFAULT_TRAIN's values.
   */
  constructor(
    readonly X: Float32Array,
    readonly N: number,
    readonly D: number,
    options: TrainInput,
    resume?: Uint8Array,
    start?: IpVaeParams,
    /** The checkpoint's file name, for messages. */
    readonly resumeFile = 'checkpoint',
  ) {
    const o = (this.o = withDefaults(DEFAULT_TRAIN as TrainOptions, options));
    for (const k of ['K', 'tTrain', 'batch'] as const)
      if (!(Number.isInteger(o[k]) && o[k] >= 1))
        throw new Error(`Trainer: ${k} = ${o[k]}, expected a positive integer`);
    if (!(o.beta >= 0)) throw new Error(`Trainer: beta = ${o.beta}, expected a number >= 0`);
    if (o.iterations === undefined && !(Number.isInteger(o.epochs) && o.epochs >= 1))
      throw new Error(`Trainer: epochs = ${o.epochs}, expected a positive integer (or give iterations)`);
    this.iterationsPerEpoch = Math.floor(N / o.batch);
    if (this.iterationsPerEpoch < 1)
      throw new UserError(`--batch ${o.batch} is larger than the training set (${N} inputs)`);
    this.totalIterations = o.iterations ?? this.iterationsPerEpoch * o.epochs;
    this.p = initParams(D, o.K, o.seed);
    if (o.init === 'data') this.dataInit();
    if (o.init === 'sparse' && !start && !resume)
      throw new Error('Trainer: init "sparse" needs the sparse-coding start model');
    if (start) {
      if (start.D !== D || start.K !== o.K)
        throw new UserError(`--init-from: model has D=${start.D}, K=${start.K}; the run has D=${D}, K=${o.K}`);
      this.p.phi.set(start.phi);
      this.p.s.set(start.s);
      this.p.logBias.set(start.logBias);
      this.p.logLr = start.logLr;
      this.p.u0.set(start.u0);
    }
    this.nExp = new Int32Array(o.tTrain).fill(o.nExpInit);
    this.runningMax = new Float64Array(o.tTrain);
    this.opt = new Adamax([D * o.K, D, o.K, 1, o.K]);
    this.grad = new GradientPool(D, o.K, o.batch, o.tTrain, o.workers ?? 1, o.gradForm ?? 'auto');
    if (resume) this.restore(resume);
  }

  /** Centred random training inputs as atoms of norm phiScale (keyed by seed). */
  private dataInit(): void {
    const { D } = this,
      K = this.o.K,
      w = new Uint32Array(2);
    for (let k = 0; k < K; k++) {
      const n = threefry2x32(this.o.seed, 0x44415441, k, 0, 20, w)[0] % this.N;
      let m = 0,
        s = 0;
      for (let d = 0; d < D; d++) m += this.X[n * D + d];
      m /= D;
      for (let d = 0; d < D; d++) s += (this.X[n * D + d] - m) ** 2;
      const f = this.o.phiScale / Math.sqrt(s || 1);
      for (let d = 0; d < D; d++) this.p.phi[d * K + k] = (this.X[n * D + d] - m) * f;
    }
  }

  schedule(i = this.iteration): ScheduleAt {
    const c: ScheduleConfig = { iterations: this.totalIterations, lr: this.o.lr, beta: this.o.beta, clip: this.o.clip };
    return scheduleAt(i, c);
  }

  /** The sample indices of iteration i: a seeded permutation per epoch (Fisher-Yates on Threefry draws). */
  batchIndices(i: number): Int32Array {
    const epoch = Math.floor(i / this.iterationsPerEpoch);
    if (this.permEpoch !== epoch || !this.perm) {
      const perm = Int32Array.from({ length: this.N }, (_, j) => j);
      const w = new Uint32Array(2);
      for (let j = this.N - 1; j > 0; j--) {
        threefry2x32(this.o.seed, 0x53485546, epoch, j, 20, w);
        const r = Math.floor(((w[0] * 4294967296 + w[1]) / 18446744073709551616) * (j + 1));
        const t = perm[j];
        perm[j] = perm[r];
        perm[r] = t;
      }
      this.perm = perm;
      this.permEpoch = epoch;
    }
    const start = (i % this.iterationsPerEpoch) * this.o.batch;
    return this.perm.subarray(start, start + this.o.batch);
  }

  /** Stop the gradient workers. */
  close(): Promise<void> {
    return this.grad.close();
  }

  /** One optimiser step. */
  async step(): Promise<StepLog> {
    const { D } = this,
      B = this.o.batch,
      i = this.iteration;
    const sch = this.schedule(i);
    const idx = this.batchIndices(i);
    const xb = new Float32Array(B * D);
    for (let b = 0; b < B; b++) xb.set(this.X.subarray(idx[b] * D, (idx[b] + 1) * D), b * D);
    const g: Grads = zeroGrads(D, this.o.K);
    // draws keyed by iteration: sample index = i * B + b
    const samples = Int32Array.from({ length: B }, (_, b) => i * B + b);
    const loss = await this.grad.lossAndGrad(
      this.p,
      xb,
      samples,
      this.o.seed,
      {
        T: this.o.tTrain,
        beta: sch.beta,
        tau: sch.tau,
        clamp: sch.clamp,
        nExp: Int32Array.from(this.nExp),
        klForm: this.o.klForm,
      },
      g,
    );
    if (!Number.isFinite(loss)) throw new Error(`training diverged at iteration ${i} (loss ${loss})`);
    const grads = [g.phi, g.s, g.logBias, Float64Array.of(g.logLr), g.u0];
    const gradNorm = clipGradNorm(grads, sch.clip);
    this.logLrBox[0] = this.p.logLr;
    this.opt.update([this.p.phi, this.p.s, this.p.logBias, this.logLrBox, this.p.u0], grads, sch.lr);
    this.p.logLr = this.logLrBox[0];
    for (let t = 0; t < this.o.tTrain; t++) this.runningMax[t] = Math.max(this.runningMax[t], this.grad.maxRate[t]);
    this.iteration++;
    if (this.iteration % this.o.nExpEvery === 0) {
      for (let t = 0; t < this.o.tTrain; t++) {
        // PPF(0.999; lambda) >= lambda, so a rate at or above the cap asks for at least the cap
        this.nExp[t] = Math.min(
          this.o.nExpCap,
          Math.max(1, poissonPpf(0.999, Math.min(this.runningMax[t], this.o.nExpCap))),
        );
      }
      this.runningMax.fill(0);
    }
    let nExpMax = 0;
    for (const n of this.nExp) nExpMax = Math.max(nExpMax, n);
    return { iteration: i, loss, gradNorm, lr: sch.lr, beta: sch.beta, tau: sch.tau, clamp: sch.clamp, nExpMax };
  }

  /** Checkpoint bytes: the model (authors' names, n_exp included) plus optimiser and loop state. */
  checkpoint(extraMeta: Record<string, string> = {}): Uint8Array {
    const extra: [string, OutTensor][] = [];
    PARAM_NAMES.forEach((n, j) => {
      extra.push([`ipvae.adamax.m.${n}`, { dtype: 'F64', shape: [this.opt.m[j].length], data: this.opt.m[j] }]);
      extra.push([`ipvae.adamax.u.${n}`, { dtype: 'F64', shape: [this.opt.u[j].length], data: this.opt.u[j] }]);
    });
    extra.push(['ipvae.running_max', { dtype: 'F64', shape: [this.runningMax.length], data: this.runningMax }]);
    const { workers: _w, gradForm: _g, ...options } = this.o; // neither changes the mathematics
    const state = { iteration: this.iteration, adamax_step: this.opt.step, options, D: this.D, N: this.N };
    return encodeModel(
      { ...this.p, nExp: this.nExp },
      { ...extraMeta, ipvae_train_state: JSON.stringify(state) },
      extra,
    );
  }

  private restore(bytes: Uint8Array): void {
    const file = this.resumeFile;
    const m = decodeModel(bytes, file);
    const st = readTrainState(m.metadata, file);
    if (m.D !== this.D || m.K !== this.o.K)
      throw new UserError(`${file}: D=${m.D}, K=${m.K} but the run has D=${this.D}, K=${this.o.K}`);
    for (const key of ['tTrain', 'batch', 'epochs', 'iterations', 'seed', 'lr', 'beta'] as const) {
      if (st.options[key] !== this.o[key])
        throw new UserError(
          `${file}: was trained with ${key}=${shown(st.options[key])}, this run asks for ${this.o[key]}`,
        );
    }
    if (st.D !== this.D || st.N !== this.N)
      throw new UserError(
        `${file}: its training state is for D=${st.D}, N=${st.N}; this run has D=${this.D}, N=${this.N}`,
      );
    // every optimiser tensor present, exactly as long as its parameter, finite (a shorter one used to be accepted)
    const f = parseSafetensors(bytes, file);
    const tensor = (name: string, length: number): Float64Array => {
      const t = f.tensors.get(name);
      if (!t) throw new UserError(`${file}: tensor ${name} is missing (not a complete training checkpoint)`);
      if (t.data.length !== length)
        throw new UserError(`${file}: tensor ${name} has ${t.data.length} values, expected ${length}`);
      if (!t.data.every(Number.isFinite)) throw new UserError(`${file}: tensor ${name} holds NaN or infinite values`);
      return t.data;
    };
    const moments = PARAM_NAMES.map((n, j) => [
      tensor(`ipvae.adamax.m.${n}`, this.opt.m[j].length),
      tensor(`ipvae.adamax.u.${n}`, this.opt.u[j].length),
    ]);
    const runningMax = tensor('ipvae.running_max', this.runningMax.length);
    if (m.nExp && m.nExp.length !== this.nExp.length)
      throw new UserError(`${file}: n_exp has ${m.nExp.length} values, expected ${this.nExp.length} (t_train)`);
    this.p.phi.set(m.phi);
    this.p.s.set(m.s);
    this.p.logBias.set(m.logBias);
    this.p.logLr = m.logLr;
    this.p.u0.set(m.u0);
    if (m.nExp) this.nExp.set(m.nExp);
    moments.forEach(([mm, uu], j) => {
      this.opt.m[j].set(mm);
      this.opt.u[j].set(uu);
    });
    this.runningMax.set(runningMax);
    this.opt.step = st.adamax_step;
    this.iteration = st.iteration;
  }
}

/** The training state a checkpoint carries (metadata ipvae_train_state), checked field by field. */
export interface TrainState {
  iteration: number;
  adamax_step: number;
  options: Partial<TrainOptions> & Record<string, unknown>;
  D: number;
  N: number;
}

/**
 * A checkpoint's training state, validated like a network file: every field present, of its type and range;
 * any problem is one UserError naming the file and the field.
 */
export function readTrainState(metadata: Record<string, string>, file: string): TrainState {
  const text = metadata.ipvae_train_state;
  if (text === undefined)
    throw new UserError(
      `${file}: no training state (ipvae_train_state metadata); it is a model, not a training checkpoint`,
    );
  const st = parseJson(text, file, 'training state (ipvae_train_state) is not JSON');
  const bad = (field: string, what: string): never => {
    throw new UserError(`${file}: training state ${field} ${what}`);
  };
  if (!st || typeof st !== 'object' || Array.isArray(st)) bad('', 'must be a JSON object');
  const o = st as Record<string, unknown>;
  const int = (k: string, lo: number, hi: number): number => {
    const v = o[k];
    return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi
      ? v
      : bad(k, `= ${shown(v)}, expected an integer in [${lo}, ${hi}]`);
  };
  const iteration = int('iteration', 0, 2 ** 31 - 1);
  const adamax_step = int('adamax_step', 0, 2 ** 31 - 1);
  const D = int('D', 1, 2 ** 26),
    N = int('N', 1, 2 ** 31 - 1);
  const opts = o.options;
  if (!opts || typeof opts !== 'object' || Array.isArray(opts)) bad('options', 'must be an object');
  const op = opts as Record<string, unknown>;
  for (const k of ['tTrain', 'batch', 'epochs', 'seed', 'lr', 'beta', 'K'])
    if (typeof op[k] !== 'number' || !Number.isFinite(op[k]))
      bad(`options.${k}`, `= ${shown(op[k])}, expected a number`);
  if (op.iterations !== undefined && !(Number.isInteger(op.iterations) && (op.iterations as number) >= 1))
    bad('options.iterations', `= ${shown(op.iterations)}, expected a positive integer`);
  return { iteration, adamax_step, options: op as TrainState['options'], D, N };
}

/** A training log (OUT.log.json): a JSON array of per-iteration records; anything else is refused. */
export function readTrainLog(text: string, file: string): Record<string, unknown>[] {
  const v = parseJson(text, file, 'training log is not JSON');
  if (!Array.isArray(v) || !v.every((r) => r && typeof r === 'object' && !Array.isArray(r)))
    throw new UserError(`${file}: a training log must be a JSON array of records (delete it to start a new log)`);
  return v as Record<string, unknown>[];
}
