/**
 * Evaluation throughput of float iP-VAE inference, in samples x steps per second, for D = 256 (whitened patches)
 * and D = 784 (MNIST), K = 512, batch 200, 1000 hard-Poisson steps per sample: plain-JS dense (the authors'
 * form: Phi z and Phi^T e every step), WebAssembly SIMD dense, event-driven (W_rec z over the neurons that
 * fired, weighted by their counts) in JS and WebAssembly, and WebAssembly event-driven on 2 worker threads.
 * Uses the best bundled model for each data set and reports the sparsity it runs at (PZ at t = T).
 *
 *   npm run bench -- infer [--batch 200] [--steps 1000] [--quick]
 */
import { loadData } from '../src/data/datasets.js';
import { evaluate } from '../src/model/evaluate.js';
import { prepare } from '../src/model/params.js';
import { loadModel } from '../src/io/safetensors.js';
import { bestModel } from '../src/cli/models.js';
import { report, type BenchRecord } from './common.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const quick = args.includes('--quick');
const batch = opt('batch', quick ? 40 : 200);
const steps = opt('steps', 1000);

const rows: BenchRecord[] = [];
for (const dataName of ['patches', 'mnist'] as const) {
  const choice = bestModel(dataName);
  const model = loadModel(choice.path);
  const data = loadData(dataName, 'test');
  const X = data.X.subarray(0, batch * data.D);
  const prep = prepare(model, true);
  const tag = `D=${model.D} K=${model.K}`;
  console.error(`${dataName}: ${choice.label}, batch ${batch}, ${steps} steps`);
  const cases = [
    { name: 'js dense', backend: 'js', mode: 'dense', workers: 1 },
    { name: 'wasm dense', backend: 'wasm', mode: 'dense', workers: 1 },
    { name: 'js event', backend: 'js', mode: 'event', workers: 1 },
    { name: 'wasm event', backend: 'wasm', mode: 'event', workers: 1 },
    { name: 'wasm event 2 workers', backend: 'wasm', mode: 'event', workers: 2 },
  ] as const;
  let base = 0;
  for (const c of cases) {
    const r = await evaluate(prep, X, batch, { steps, seed: 0, backend: c.backend, mode: c.mode, workers: c.workers });
    const rate = (batch * steps) / r.seconds;
    if (c.name === 'js dense') base = rate;
    const last = r.metrics[r.metrics.length - 1];
    console.error(`  ${c.name}: ${Math.round(rate)} samples x steps / s (R2 ${last.r2.toFixed(3)}, PZ ${last.pz.toFixed(3)})`);
    rows.push({ case: `${tag} ${c.name}`, metric: 'throughput', value: rate, unit: 'samples x steps / s' });
    rows.push({ case: `${tag} ${c.name}`, metric: 'speed-up vs js dense', value: rate / base, unit: 'x' });
    rows.push({ case: `${tag} ${c.name}`, metric: 'PZ at t=T', value: last.pz, unit: 'fraction' });
  }
}
report('infer', rows);
