/**
 * The evaluation protocol of model-spec section 5: inference for T steps from u0 on every input (hard Poisson
 * counts), metrics recorded at t = 1, 2, 4, ..., 2^k <= T and T. Runs on one thread or on worker threads;
 * per-sample results are reduced in sample order, so 1 or N workers give identical numbers.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { REC_FIELDS } from '../kernels/js.js';
import { makeRunner, type Backend, type RunConfig } from '../kernels/runner.js';
import type { Mode } from '../kernels/js.js';
import { prepare, U_MAX, type IpVaeParams, type Prepared } from './params.js';
import { DEFAULTS } from '../defaults.js';

export interface MetricRow {
  t: number;
  r2: number;
  r2_map: number;
  pz: number;
  mse: number;
  du_norm: number;
  /** Spike count summed over the K neurons at step t, averaged over samples. */
  spikes: number;
}

/** Options of evaluate; every one has a default, the CLI's (`ipvae infer`, src/defaults.ts). */
export interface EvalOptions {
  /** Inference steps per input (default 1000). */
  steps?: number;
  /** Seed of the Poisson draws (default 0). */
  seed?: number;
  /** Upper soft clamp c (default 10, as at evaluation). */
  clamp?: number;
  /** 'wasm' (default) or 'js': the same numbers. */
  backend?: Backend;
  /** 'event' (default: W_rec z over the neurons that fired) or 'dense' (Phi z, Phi^T e). */
  mode?: Mode;
  /** Worker threads (default 1; the numbers are identical for any number). */
  workers?: number;
  /** Steps to record (default: recordSteps(steps)). */
  record?: number[];
  /** Global index of X's first row: sample i's draws are keyed by sampleOffset + i (default 0). */
  sampleOffset?: number;
  onProgress?: (done: number, total: number) => void;
  /** Also return the final membranes u_T (N x K), e.g. for rates exp(u) or a linear probe. */
  keepFinalU?: boolean;
}

export interface EvalResult {
  metrics: MetricRow[];
  /** N x record x REC_FIELDS (r2, r2_map, zero fraction, mse, du_norm) per sample. */
  perSample: Float64Array;
  seconds: number;
  workers: number;
  /** N x K final membranes, when keepFinalU was set. */
  finalU?: Float32Array;
}

/** t = 1, 2, 4, ... (powers of two up to T) and T itself. */
export function recordSteps(T: number): number[] {
  const out: number[] = [];
  for (let t = 1; t <= T; t *= 2) out.push(t);
  if (out[out.length - 1] !== T) out.push(T);
  return out;
}

/** Reduce per-sample records to the mean metrics, summing in sample order (float64). */
export function reduceMetrics(perSample: Float64Array, N: number, rec: number[]): MetricRow[] {
  const per = rec.length * REC_FIELDS;
  return rec.map((t, r) => {
    const s = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < N; i++) for (let f = 0; f < REC_FIELDS; f++) s[f] += perSample[i * per + r * REC_FIELDS + f];
    return { t, r2: s[0] / N, r2_map: s[1] / N, pz: s[2] / N, mse: s[3] / N, du_norm: s[4] / N, spikes: s[5] / N };
  });
}

export interface WorkerJob extends RunConfig {
  model: Prepared;
  X: Float32Array;
  out: Float64Array;
  i0: number;
  i1: number;
  progress: Int32Array;
  finalU?: Float32Array;
}

/** Path of the compiled worker script (tests run the TypeScript sources; workers always run the build). */
function workerUrl(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./eval-worker.js', import.meta.url);
  return new URL('../../dist/src/model/eval-worker.js', import.meta.url);
}

function shareF32(a: Float32Array): Float32Array {
  const s = new Float32Array(new SharedArrayBuffer(a.length * 4));
  s.set(a);
  return s;
}

/**
 * Hard-Poisson inference from u0 on the first N rows of X (N x D), metrics averaged over the inputs at the
 * recorded steps. Without options: 1000 steps, seed 0, clamp 10, event mode, WebAssembly, one thread.
 */
export async function evaluate(
  model: IpVaeParams | Prepared,
  X: Float32Array,
  N: number,
  options: EvalOptions = {},
): Promise<EvalResult> {
  const opts = { ...options, steps: options.steps ?? DEFAULTS.steps, seed: options.seed ?? DEFAULTS.seed };
  const mode = opts.mode ?? 'event';
  const backend = opts.backend ?? DEFAULTS.backend;
  const clamp = opts.clamp ?? DEFAULTS.clamp;
  const rec = opts.record ?? recordSteps(opts.steps);
  const prep: Prepared = 'phiT' in model ? model : prepare(model, mode === 'event');
  if (mode === 'event' && !prep.wrec) throw new Error('evaluate: the event-driven mode needs W_rec');
  if (X.length < N * prep.D) throw new Error(`evaluate: data has ${X.length / prep.D} samples, asked for ${N}`);
  if (!(clamp > 0 && clamp <= U_MAX)) throw new Error(`evaluate: clamp ${clamp} must be in (0, ${U_MAX}]`);
  for (let k = 0; k < prep.K; k++) {
    if (!(prep.u0[k] <= U_MAX)) throw new Error(`evaluate: u0[${k}] = ${prep.u0[k]} exceeds ${U_MAX}`);
  }
  const recSteps = Int32Array.from(rec);
  const per = rec.length * REC_FIELDS;
  const workers = Math.max(1, Math.min(opts.workers ?? 1, N));
  const t0 = performance.now();
  let out: Float64Array;
  let finalU: Float32Array | undefined;
  if (workers === 1) {
    out = new Float64Array(N * per);
    if (opts.keepFinalU) finalU = new Float32Array(N * prep.K);
    const runner = makeRunner(prep, {
      backend,
      mode,
      seed: opts.seed,
      steps: opts.steps,
      clamp,
      recSteps,
      sampleOffset: opts.sampleOffset,
    });
    let done = 0;
    runner.run(
      X,
      0,
      N,
      out,
      () => {
        done++;
        if (opts.onProgress && (done % 8 === 0 || done === N)) opts.onProgress(done, N);
      },
      finalU,
    );
  } else {
    out = new Float64Array(new SharedArrayBuffer(N * per * 8));
    if (opts.keepFinalU) finalU = new Float32Array(new SharedArrayBuffer(N * prep.K * 4));
    const Xs = shareF32(X.subarray(0, N * prep.D));
    const shared: Prepared = {
      D: prep.D,
      K: prep.K,
      eta: prep.eta,
      phiT: shareF32(prep.phiT),
      invVar: shareF32(prep.invVar),
      bias: shareF32(prep.bias),
      u0: shareF32(prep.u0),
      wrec: prep.wrec ? shareF32(prep.wrec) : undefined,
    };
    const progress = new Int32Array(new SharedArrayBuffer(4 * workers));
    const jobs: Promise<void>[] = [];
    const timer = opts.onProgress
      ? setInterval(
          () =>
            opts.onProgress!(
              progress.reduce((a, b) => a + b, 0),
              N,
            ),
          250,
        )
      : undefined;
    for (let w = 0; w < workers; w++) {
      const i0 = Math.floor((w * N) / workers),
        i1 = Math.floor(((w + 1) * N) / workers);
      const job: WorkerJob = {
        model: shared,
        X: Xs,
        out,
        i0,
        i1,
        backend,
        mode,
        seed: opts.seed,
        steps: opts.steps,
        clamp,
        recSteps,
        sampleOffset: opts.sampleOffset,
        progress: progress.subarray(w, w + 1),
        finalU,
      };
      jobs.push(
        new Promise<void>((resolve, reject) => {
          const wk = new Worker(workerUrl(), { workerData: job });
          wk.once('message', () => {
            resolve();
            void wk.terminate();
          });
          wk.once('error', reject);
          wk.once('exit', (code) => {
            if (code !== 0 && code !== 1) reject(new Error(`evaluation worker exited with code ${code}`));
          });
        }),
      );
    }
    try {
      await Promise.all(jobs);
    } finally {
      if (timer) clearInterval(timer);
    }
    opts.onProgress?.(N, N);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { metrics: reduceMetrics(out, N, rec), perSample: out, seconds, workers, finalU };
}
