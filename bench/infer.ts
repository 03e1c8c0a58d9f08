/**
 * Evaluation throughput of float iP-VAE inference, in samples x steps per second, for D = 256 (patches) and
 * D = 784 (MNIST), K = 512, batch 200, 1000 hard-Poisson steps per sample, for: plain-JS dense (the authors'
 * form: Phi z and Phi^T e every step), WebAssembly SIMD dense, event-driven (W_rec z over the neurons that
 * fired, weighted by their counts) in JS and in WebAssembly, and WebAssembly event-driven on 2 worker threads.
 *
 * Event-driven work grows with the number of neurons that fire, so the main cases run at the paper's sparsity
 * (PZ ~ 0.77 at t = T): inputs are synthesised from the bundled model's own dictionary, x = Phi z*, with a
 * fraction of atoms active in z* (counts 1 + Poisson(1)), the fraction (and if needed a common factor on the
 * thresholds b) found by bisection on a small batch.
 * A last case per data set runs the bundled model on real held-out data at its own sparsity.
 * The JS paths run on --js-batch samples (default 40): per-sample kernels make throughput independent of batch.
 *
 *   npm run bench -- infer [--batch 200] [--js-batch 40] [--steps 1000] [--target-pz 0.77] [--quick]
 */
import { loadData } from '../src/data/datasets.js';
import { evaluate } from '../src/model/evaluate.js';
import { prepare, type IpVaeParams, type Prepared } from '../src/model/params.js';
import { loadModel } from '../src/io/safetensors.js';
import { bestModel } from '../src/cli/models.js';
import { threefry2x32 } from '../src/rng/threefry.js';
import { poissonDraw } from '../src/model/poisson.js';
import { report, type BenchRecord } from './common.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const quick = args.includes('--quick');
const batch = opt('batch', quick ? 40 : 200);
const jsBatch = opt('js-batch', quick ? 10 : 40);
const steps = opt('steps', 1000);
const targetPz = opt('target-pz', 0.77);

/** x = Phi z*, z*_k = 1 + Poisson(1) for a fraction `active` of atoms (deterministic in n, k). */
function synthesise(m: IpVaeParams, N: number, active: number): Float32Array {
  const { D, K } = m;
  const X = new Float32Array(N * D);
  const z = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const w = threefry2x32(77, n, k, 0)[0] / 4294967296;
      z[k] = w < active ? 1 + poissonDraw(1, 78, n, k, 0) : 0;
    }
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let k = 0; k < K; k++) if (z[k]) s += m.phi[d * K + k] * z[k];
      X[n * D + d] = s;
    }
  }
  return X;
}

/**
 * Find inputs (and, if needed, thresholds) that make the model run at PZ ~ target: bisection on the fraction
 * of active atoms; if even 80 % active leaves the model sparser than the target (a strongly thresholded
 * dictionary finds sparser codes than z*), bisection on a common factor applied to the thresholds b.
 */
async function tune(m: IpVaeParams): Promise<{ active: number; bFactor: number; pz: number }> {
  const pzAt = async (active: number) =>
    (await evaluate(m, synthesise(m, 40, active), 40, { steps, seed: 1, workers: 2, record: [steps] })).metrics[0].pz;
  let lo = 0.01,
    hi = 0.8,
    active = 0.2,
    pz = 0;
  for (let it = 0; it < 12; it++) {
    active = (lo + hi) / 2;
    pz = await pzAt(active);
    if (Math.abs(pz - targetPz) < 0.01) return { active, bFactor: 1, pz };
    if (pz > targetPz) lo = active;
    else hi = active;
  }
  if (pz < targetPz) return { active, bFactor: 1, pz };
  active = 0.8;
  const base = Float32Array.from(m.logBias);
  let flo = -9,
    fhi = 0,
    f = 0;
  for (let it = 0; it < 12; it++) {
    f = (flo + fhi) / 2;
    for (let k = 0; k < m.K; k++) m.logBias[k] = base[k] + f;
    pz = await pzAt(active);
    if (Math.abs(pz - targetPz) < 0.01) break;
    if (pz > targetPz) fhi = f;
    else flo = f;
  }
  return { active, bFactor: Math.exp(f), pz };
}

const rows: BenchRecord[] = [];
const cases = [
  { name: 'js dense', backend: 'js', mode: 'dense', workers: 1 },
  { name: 'wasm dense', backend: 'wasm', mode: 'dense', workers: 1 },
  { name: 'js event', backend: 'js', mode: 'event', workers: 1 },
  { name: 'wasm event', backend: 'wasm', mode: 'event', workers: 1 },
  { name: 'wasm event 2 workers', backend: 'wasm', mode: 'event', workers: 2 },
] as const;

async function run(
  tag: string,
  prep: Prepared,
  X: Float32Array,
  c: { name: string; backend: 'js' | 'wasm'; mode: 'event' | 'dense'; workers: number },
  base: number,
) {
  const n = c.backend === 'js' ? Math.min(jsBatch, batch) : batch;
  const r = await evaluate(prep, X, n, { steps, seed: 0, backend: c.backend, mode: c.mode, workers: c.workers });
  const rate = (n * steps) / r.seconds;
  const last = r.metrics[r.metrics.length - 1];
  console.error(
    `  ${c.name}: ${Math.round(rate)} samples x steps / s over ${n} samples (R2 ${last.r2.toFixed(3)}, PZ ${last.pz.toFixed(3)})`,
  );
  rows.push({ case: `${tag} ${c.name}`, metric: 'throughput', value: rate, unit: 'samples x steps / s' });
  if (base > 0) rows.push({ case: `${tag} ${c.name}`, metric: 'speed-up vs js dense', value: rate / base, unit: 'x' });
  rows.push({ case: `${tag} ${c.name}`, metric: 'PZ at t=T', value: last.pz, unit: 'fraction' });
  return rate;
}

for (const dataName of ['patches', 'mnist'] as const) {
  const choice = bestModel(dataName);
  const model = loadModel(choice.path);
  const nativePrep = prepare(model, true);
  const t = await tune(model);
  const prep = prepare(model, true);
  const X = synthesise(model, batch, t.active);
  const tag = `D=${model.D} K=${model.K} PZ~${targetPz}`;
  console.error(
    `${dataName}: ${choice.label}; synthetic inputs with ${(100 * t.active).toFixed(1)} % of atoms active, ` +
      `b x ${t.bFactor.toPrecision(3)} (tuning PZ ${t.pz.toFixed(3)}); batch ${batch}, ${steps} steps`,
  );
  let base = 0;
  for (const c of cases) {
    const rate = await run(tag, prep, X, c, base || 0);
    if (c.name === 'js dense') {
      base = rate;
      rows.push({ case: `${tag} js dense`, metric: 'speed-up vs js dense', value: 1, unit: 'x' });
    }
  }
  const data = loadData(dataName, 'test');
  console.error(`${dataName}: the bundled model on ${batch} real held-out inputs`);
  await run(`D=${model.D} K=${model.K} real data`, nativePrep, data.X.subarray(0, batch * model.D), cases[4], base);
}
report('infer', rows);
