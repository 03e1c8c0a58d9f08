/** ipvae infer: float iP-VAE inference on a data set, the convergence table of model-spec section 5. */
import { Command } from 'commander';
import { loadModel } from '../io/safetensors.js';
import { loadData, type Split } from '../data/datasets.js';
import { evaluate, type MetricRow } from '../model/evaluate.js';
import { UserError } from '../errors.js';
import { fmt, oneOf, parseFloatOpt, parseIntOpt, progressBar, table } from './common.js';
import { U_MAX, type IpVaeParams } from '../model/params.js';
import type { Backend } from '../kernels/runner.js';
import type { Mode } from '../kernels/js.js';
import { defaultWorkers, shared } from './options.js';

export interface InferArgs {
  model: string;
  data: string;
  split: Split;
  samples?: number;
  steps: number;
  seed: number;
  clamp: number;
  backend: Backend;
  mode: Mode;
  workers: number;
  json: boolean;
}

export { defaultWorkers };

export async function runInfer(a: InferArgs, params?: IpVaeParams, label?: string): Promise<void> {
  const model = params ?? loadModel(a.model);
  const data = loadData(a.data, a.split, a.samples);
  if (data.D !== model.D) {
    throw new UserError(
      `${a.model}: model has D=${model.D} inputs but data ${a.data} has D=${data.D} (${data.width}x${data.height}); use a model trained on this data`,
    );
  }
  const N = Math.min(a.samples ?? data.N, data.N);
  if (N < 1) throw new UserError(`--data ${a.data}: no samples in the ${data.split} split`);
  const bar = progressBar('infer');
  const res = await evaluate(model, data.X, N, {
    steps: a.steps,
    seed: a.seed,
    clamp: a.clamp,
    backend: a.backend,
    mode: a.mode,
    workers: a.workers,
    onProgress: a.json ? undefined : (d, t) => bar.update(d, t),
  });
  bar.end();
  const rate = (N * a.steps) / res.seconds;
  if (a.json) {
    process.stdout.write(
      JSON.stringify({
        command: 'infer',
        model: label ?? a.model,
        data: a.data,
        split: data.split,
        D: model.D,
        K: model.K,
        samples: N,
        steps: a.steps,
        seed: a.seed,
        clamp: a.clamp,
        backend: a.backend,
        mode: a.mode,
        workers: res.workers,
        metrics: res.metrics,
        seconds: res.seconds,
        samples_steps_per_second: rate,
      }) + '\n',
    );
    return;
  }
  console.log(
    `model ${label ?? a.model} (D=${model.D}, K=${model.K}); data ${a.data} (${data.split} split, ${N} samples); ` +
      `${a.steps} steps, hard Poisson counts, seed ${a.seed}`,
  );
  console.log(convergenceTable(res.metrics));
  const last = res.metrics[res.metrics.length - 1];
  console.log(`distance to the ideal corner at t=${last.t}: d = ${fmt(Math.hypot(1 - last.r2, 1 - last.pz))}`);
  console.log(
    `time: ${res.seconds.toFixed(2)} s (${a.backend} ${a.mode}, ${res.workers} worker${res.workers > 1 ? 's' : ''}), ` +
      `${Math.round(rate).toLocaleString('en-US')} samples x steps per second`,
  );
}

export function convergenceTable(m: MetricRow[]): string {
  return table(
    ['t', 'R2', 'r2_map', 'PZ', 'MSE', 'du_norm'],
    m.map((r) => [r.t, fmt(r.r2), fmt(r.r2_map), fmt(r.pz), fmt(r.mse, 2), fmt(r.du_norm)]),
  );
}

export function addInferOptions(c: Command): Command {
  c.option('--split <split>', 'which part of the data: test (held out) or train', 'test');
  for (const name of ['samples', 'steps', 'seed'] as const) shared(c, name);
  c.option('--clamp <c>', 'upper soft clamp c of du and u', '10');
  shared(c, 'backend');
  c.option(
    '--mode <m>',
    "event (W_rec z over the neurons that fired) or dense (Phi z, Phi^T e as in the authors' code)",
    'event',
  );
  shared(c, 'workers');
  return c.option(
    '--json',
    'print one JSON object ({..., metrics: [{t, r2, r2_map, pz, mse, du_norm, spikes}]})',
    false,
  );
}

export function inferArgs(o: Record<string, string | boolean | undefined>, model: string, data: string): InferArgs {
  return {
    model,
    data,
    split: oneOf('--split', String(o.split), ['test', 'train'] as const),
    samples: String(o.samples) === 'all' ? undefined : parseIntOpt('--samples', String(o.samples), 1),
    steps: parseIntOpt('--steps', String(o.steps), 1, 1e7),
    seed: parseIntOpt('--seed', String(o.seed), 0, 0xffffffff),
    clamp: parseFloatOpt('--clamp', String(o.clamp), 0.1, U_MAX),
    backend: oneOf('--backend', String(o.backend), ['wasm', 'js'] as const),
    mode: oneOf('--mode', String(o.mode), ['event', 'dense'] as const),
    workers: parseIntOpt('--workers', String(o.workers), 1, 64),
    json: Boolean(o.json),
  };
}
