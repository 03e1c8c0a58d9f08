/**
 * Evaluation throughput of float iP-VAE inference, in samples x steps per second, for D = 256 (whitened patches)
 * and D = 784 (MNIST), K = 512, batch 200, 1000 hard-Poisson steps per sample: plain-JS dense (the authors'
 * form: Phi z and Phi^T e every step), WebAssembly SIMD dense, event-driven (W_rec z over the neurons that
 * fired, weighted by their counts) in JS and WebAssembly, and WebAssembly event-driven on 2 worker threads.
 * Uses the best bundled model for each data set. Event-driven work grows with the number of neurons that fire,
 * so the model's thresholds b are first scaled (one common factor, found by bisection on a small batch) until
 * PZ at t = T is about 0.77, the paper's sparsity on patches; --native skips that and runs the model as is.
 * Every case reports the PZ it actually ran at.
 *
 *   npm run bench -- infer [--batch 200] [--steps 1000] [--target-pz 0.77] [--native] [--quick]
 */
import { loadData } from '../src/data/datasets.js';
import { evaluate } from '../src/model/evaluate.js';
import { prepare, type IpVaeParams } from '../src/model/params.js';
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
const targetPz = opt('target-pz', 0.77);
const native = args.includes('--native');

/** Scale b by a common factor until PZ(T) on a small batch is within 0.01 of the target. */
async function tuneSparsity(model: IpVaeParams, X: Float32Array): Promise<{ factor: number; pz: number }> {
  const base = Float32Array.from(model.logBias);
  let lo = -6, hi = 3, pz = 0, f = 0; // log factor
  for (let it = 0; it < 14; it++) {
    f = (lo + hi) / 2;
    for (let k = 0; k < model.K; k++) model.logBias[k] = base[k] + f;
    const r = await evaluate(model, X, 40, { steps, seed: 1, workers: 2, record: [steps] });
    pz = r.metrics[0].pz;
    if (Math.abs(pz - targetPz) < 0.01) break;
    if (pz > targetPz) hi = f; else lo = f;
  }
  return { factor: Math.exp(f), pz };
}

const rows: BenchRecord[] = [];
for (const dataName of ['patches', 'mnist'] as const) {
  const choice = bestModel(dataName);
  const model = loadModel(choice.path);
  const data = loadData(dataName, 'test');
  const X = data.X.subarray(0, batch * data.D);
  let note = 'native thresholds';
  if (!native) {
    const t = await tuneSparsity(model, X);
    note = `b scaled by ${t.factor.toPrecision(3)} for PZ ~ ${targetPz} (tuning batch: ${t.pz.toFixed(3)})`;
  }
  const prep = prepare(model, true);
  const tag = `D=${model.D} K=${model.K}`;
  console.error(`${dataName}: ${choice.label}, ${note}, batch ${batch}, ${steps} steps`);
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
