/**
 * The mini-batch gradient split into fixed chunks (two halves), computed on worker threads or inline, and
 * combined in chunk order with weights B_c / B. Because the split does not depend on the number of workers,
 * 1 or 2 workers give bit-identical losses, gradients and checkpoints.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { makeBatchGradient, type BatchGradient, type GradForm } from './batch.js';
import { zeroGrads, type Grads, type TrainConfig } from './bptt64.js';
import type { IpVaeParams } from '../model/params.js';

export const CHUNKS = 2;

export interface ChunkJob {
  params: {
    D: number;
    K: number;
    phi: Float32Array;
    s: Float32Array;
    logBias: Float32Array;
    logLr: number;
    u0: Float32Array;
  };
  X: Float32Array;
  samples: Int32Array;
  seed: number;
  cfg: TrainConfig;
}

export interface ChunkResult {
  loss: number;
  phi: Float64Array;
  s: Float64Array;
  logBias: Float64Array;
  logLr: number;
  u0: Float64Array;
  maxRate: Float64Array;
}

/** Rows of chunk c of a batch of B. */
export function chunkRange(B: number, c: number): [number, number] {
  return [Math.floor((c * B) / CHUNKS), Math.floor(((c + 1) * B) / CHUNKS)];
}

/** Compute one chunk's loss and gradient (used inline and by the worker). */
export function runChunk(bg: BatchGradient, job: ChunkJob): ChunkResult {
  const g = zeroGrads(job.params.D, job.params.K);
  const loss = bg.lossAndGrad(job.params as IpVaeParams, job.X, { seed: job.seed, samples: job.samples }, job.cfg, g);
  return {
    loss,
    phi: g.phi,
    s: g.s,
    logBias: g.logBias,
    logLr: g.logLr,
    u0: g.u0,
    maxRate: Float64Array.from(bg.maxRate),
  };
}

function workerUrl(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./grad-worker.js', import.meta.url);
  return new URL('../../dist/src/train/grad-worker.js', import.meta.url);
}

export class GradientPool {
  private readonly inline: BatchGradient[] = [];
  private readonly workers: Worker[] = [];
  readonly maxRate: Float64Array;

  constructor(
    readonly D: number,
    readonly K: number,
    readonly B: number,
    readonly T: number,
    readonly nWorkers: number,
    form: GradForm = 'auto',
  ) {
    this.maxRate = new Float64Array(T);
    for (let c = 0; c < CHUNKS; c++) {
      const [a, b] = chunkRange(B, c);
      if (nWorkers <= 1) this.inline.push(makeBatchGradient(D, K, b - a, T, form));
      else this.workers.push(new Worker(workerUrl(), { workerData: { D, K, B: b - a, T, form } }));
    }
  }

  /** Mean loss over the batch; gradient accumulated into grads. */
  async lossAndGrad(
    p: IpVaeParams,
    X: Float32Array,
    samples: Int32Array,
    seed: number,
    cfg: TrainConfig,
    grads: Grads,
  ): Promise<number> {
    const { D, B } = this;
    const params = { D: p.D, K: p.K, phi: p.phi, s: p.s, logBias: p.logBias, logLr: p.logLr, u0: p.u0 };
    const jobs: ChunkJob[] = [];
    for (let c = 0; c < CHUNKS; c++) {
      const [a, b] = chunkRange(B, c);
      jobs.push({ params, X: X.slice(a * D, b * D), samples: samples.slice(a, b), seed, cfg });
    }
    let results: ChunkResult[];
    if (this.workers.length) {
      results = await Promise.all(
        this.workers.map(
          (w, c) =>
            new Promise<ChunkResult>((resolve, reject) => {
              const onMsg = (r: ChunkResult | { error: string }) => {
                w.off('error', onErr);
                if ('error' in r) reject(new Error(r.error));
                else resolve(r);
              };
              const onErr = (e: Error) => {
                w.off('message', onMsg);
                reject(e);
              };
              w.once('message', onMsg);
              w.once('error', onErr);
              w.postMessage(jobs[c]);
            }),
        ),
      );
    } else {
      results = jobs.map((j, c) => runChunk(this.inline[c], j));
    }
    let loss = 0;
    this.maxRate.fill(0);
    results.forEach((r, c) => {
      const [a, b] = chunkRange(B, c);
      const f = (b - a) / B;
      loss += f * r.loss;
      for (let i = 0; i < r.phi.length; i++) grads.phi[i] += f * r.phi[i];
      for (let i = 0; i < r.s.length; i++) grads.s[i] += f * r.s[i];
      for (let i = 0; i < r.logBias.length; i++) grads.logBias[i] += f * r.logBias[i];
      for (let i = 0; i < r.u0.length; i++) grads.u0[i] += f * r.u0[i];
      grads.logLr += f * r.logLr;
      for (let t = 0; t < this.T; t++) this.maxRate[t] = Math.max(this.maxRate[t], r.maxRate[t]);
    });
    return loss;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
