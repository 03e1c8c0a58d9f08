/**
 * The units of work of `ipvae compare`, each run in a worker thread (job-worker.ts) or in this thread: train one
 * family at one sweep value and seed, then score it on held-out inputs; or analyse a trained model (the linear
 * probe, out-of-distribution sets). A job names its data set rather than carrying it, so a worker loads it from
 * the same cache; everything it returns is plain data and typed arrays.
 */
import { loadData, type DataMatrix, type Split } from '../data/datasets.js';
import { findFamily } from './registry.js';
import { score } from './score.js';
import type { Trained } from './family.js';
import { fitProbe, probeAccuracy } from './probe.js';
import { INTEGER_FAMILIES, integerScores } from './integer.js';
import { UserError } from '../errors.js';

/**
 * Features scaled to zero mean and unit variance per latent with the training inputs' statistics (a latent that
 * never varies is left at 0), so the probe's L2 penalty (C = 1) weighs every latent alike whatever its units.
 */
function standardiser(F: Float32Array, N: number, K: number): (G: Float32Array, n: number) => Float32Array {
  const mean = new Float64Array(K),
    sd = new Float64Array(K);
  for (let i = 0; i < N; i++) for (let k = 0; k < K; k++) mean[k] += F[i * K + k] / N;
  for (let i = 0; i < N; i++) for (let k = 0; k < K; k++) sd[k] += (F[i * K + k] - mean[k]) ** 2 / N;
  for (let k = 0; k < K; k++) sd[k] = Math.sqrt(sd[k]);
  return (G, n) => {
    const out = new Float32Array(n * K);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < K; k++) out[i * K + k] = sd[k] > 1e-12 ? (G[i * K + k] - mean[k]) / sd[k] : 0;
    return out;
  };
}

export interface TrainJob {
  kind: 'train';
  family: string;
  data: 'patches' | 'mnist';
  K: number;
  seed: number;
  budgetMs: number;
  knob: number;
  /** The counts of an earlier run (compare --replay): repeat them instead of timing. */
  replay?: Trained['info'];
  /** Held-out inputs scored (spread over the test split: spreadData). */
  evalInputs: number;
  steps: number;
}

export interface TrainResult {
  trained: Trained;
  r2: number;
  pz: number;
  d: number;
  /** R^2 of the reconstruction from the probe features (rates exp(u), posterior means): the paper's r2_map. */
  r2Map: number;
  trainSeconds: number;
  evalSeconds: number;
}

export interface AnalyseJob {
  kind: 'analyse';
  family: string;
  trained: Trained;
  steps: number;
  seed: number;
  /** Out-of-distribution data names (loadData), scored on oodInputs inputs spread over each (spreadData). */
  ood: string[];
  oodInputs: number;
  /** The data set trained on (the probe's training split and the integer check's held-out inputs). */
  data: 'patches' | 'mnist';
  /**
   * Labelled training inputs for the linear probe (spread over the split; 0: no probe). It is scored on
   * probeTestInputs held-out inputs.
   */
  probeInputs: number;
  probeTestInputs: number;
  /** Weight width of the integer check (0: none; only families integer.ts knows), on the evalInputs scored inputs. */
  integerBits: number;
  evalInputs: number;
}

export interface OodScore {
  data: string;
  inputs: number;
  r2: number;
  pz: number;
  /** Per-input R^2 (for intervals over inputs). */
  r2PerInput: Float64Array;
}

export interface AnalyseResult {
  ood: OodScore[];
  /** Held-out accuracy of the linear probe (0..1), when asked for. */
  probe?: number;
  /** R^2 and PZ of the integer network (Network IR, event engine), when asked for and the family has one. */
  integer?: { r2: number; pz: number };
  seconds: number;
}

export type Job = TrainJob | AnalyseJob;

/**
 * n inputs of a split spread evenly over it (input floor(i N / n) for i < n; all of them when n >= N). The
 * bundled MNIST splits are sorted by digit, so the first n inputs would be zeros and ones: every subset compare
 * scores, probes or quantises is taken this way, the same inputs for every family.
 */
export function spreadData(name: string, split: Split, n: number): DataMatrix {
  const d = loadData(name, split);
  if (n >= d.N) return d;
  const { D } = d;
  const X = new Float32Array(n * D);
  const labels = d.labels ? new Float32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const r = Math.floor((i * d.N) / n);
    X.set(d.X.subarray(r * D, (r + 1) * D), i * D);
    if (labels) labels[i] = d.labels![r];
  }
  return { ...d, X, N: n, ...(labels ? { labels } : {}) };
}

function familyOf(name: string) {
  const f = findFamily(name);
  if (!f) throw new Error(`compare: no family "${name}"`);
  return f;
}

export async function runTrainJob(
  j: TrainJob,
  onProgress?: (fraction: number, status: string) => void,
): Promise<TrainResult> {
  const f = familyOf(j.family);
  const tr = loadData(j.data, 'train');
  const t0 = performance.now();
  const trained = await f.train({
    data: { X: tr.X, N: tr.N, D: tr.D, name: j.data },
    K: j.K,
    seed: j.seed,
    budgetMs: j.budgetMs,
    knob: j.knob,
    replay: j.replay,
    onProgress,
  });
  const t1 = performance.now();
  const te = spreadData(j.data, 'test', j.evalInputs);
  const codes = await f.infer(trained, te.X, te.N, { steps: j.steps, seed: j.seed });
  const s = score(te.X, codes.Z, te.N, trained.decoder);
  return {
    trained,
    r2: s.r2,
    pz: s.pz,
    d: s.d,
    r2Map: score(te.X, codes.features, te.N, trained.decoder).r2,
    trainSeconds: (t1 - t0) / 1000,
    evalSeconds: (performance.now() - t1) / 1000,
  };
}

export async function runAnalyseJob(j: AnalyseJob): Promise<AnalyseResult> {
  const f = familyOf(j.family);
  const t0 = performance.now();
  const ood: OodScore[] = [];
  for (const name of j.ood) {
    const d = spreadData(name, 'test', j.oodInputs);
    if (d.D !== j.trained.decoder.D)
      throw new Error(`compare: ${name} has ${d.D} pixels per input, the models ${j.trained.decoder.D}`);
    const codes = await f.infer(j.trained, d.X, d.N, { steps: j.steps, seed: j.seed });
    const s = score(d.X, codes.Z, d.N, j.trained.decoder);
    ood.push({ data: name, inputs: d.N, r2: s.r2, pz: s.pz, r2PerInput: s.r2PerInput });
  }
  const out: AnalyseResult = { ood, seconds: 0 };
  if (j.probeInputs > 0) {
    const tr = spreadData(j.data, 'train', j.probeInputs),
      te = spreadData(j.data, 'test', j.probeTestInputs);
    if (!tr.labels || !te.labels) throw new UserError(`--probe: ${j.data} has no labels`);
    // the training inputs' draws are keyed apart from the held-out ones (sample offsets past the test split)
    const ftr = await f.infer(j.trained, tr.X, tr.N, { steps: j.steps, seed: j.seed, sampleOffset: 1 << 24 });
    const fte = await f.infer(j.trained, te.X, te.N, { steps: j.steps, seed: j.seed });
    const K = j.trained.decoder.K;
    const st = standardiser(ftr.features, tr.N, K);
    const p = fitProbe(st(ftr.features, tr.N), tr.N, K, tr.labels);
    out.probe = probeAccuracy(p, st(fte.features, te.N), te.N, te.labels);
  }
  if (j.integerBits > 0 && INTEGER_FAMILIES.includes(j.family)) {
    const te = spreadData(j.data, 'test', j.evalInputs);
    const s = await integerScores(j.family, j.trained, te.X, te.N, {
      bits: j.integerBits,
      steps: j.steps,
      seed: j.seed,
    });
    out.integer = { r2: s.r2, pz: s.pz };
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
