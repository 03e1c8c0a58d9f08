/**
 * Training speed: seconds per iteration at the paper's settings (patches: batch 200, T 16, K 512; MNIST:
 * batch 100, T 16, K 512; n_exp 10, data-initialised atoms) on 1 and 2 worker threads, the pixel- and the
 * latent-space gradient side by side (the same run, 2 workers), and the relaxed
 * sampler's cost per input and step (K = 512, most membranes low, every tenth high) at n_exp 10 and 64.
 *
 *   npm run bench -- train [--iters 5]   (after 2 warm-up iterations)
 */
import { Trainer, DEFAULT_TRAIN } from '../src/train/trainer.js';
import { loadData } from '../src/data/datasets.js';
import { instantiate } from '../src/kernels/wasm.js';
import { report, type BenchRecord } from './common.js';

const args = process.argv.slice(2);
const iters = args.includes('--iters') ? Number(args[args.indexOf('--iters') + 1]) : 5;
const rows: BenchRecord[] = [];

for (const [name, batch] of [
  ['patches', 200],
  ['mnist', 100],
] as const) {
  const d = loadData(name, 'train');
  for (const [workers, gradForm] of [
    [1, 'auto'],
    [2, 'auto'],
    [2, 'pixel'],
    [2, 'latent'],
  ] as const) {
    const tr = new Trainer(d.X, d.N, d.D, {
      ...DEFAULT_TRAIN,
      K: 512,
      tTrain: 16,
      beta: 24,
      epochs: 1,
      batch,
      init: 'data',
      workers,
      gradForm,
    });
    await tr.step(); // warm-up: first touches of the WebAssembly memories, compilation tiers
    await tr.step();
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) await tr.step();
    const sec = (performance.now() - t0) / 1000 / iters;
    await tr.close();
    const label = `${name} batch ${batch} T 16 K 512, ${workers} worker(s), ${gradForm === 'auto' ? `auto (${d.D > 512 ? 'latent' : 'pixel'})` : gradForm} space`;
    console.error(`${label}: ${sec.toFixed(2)} s per iteration`);
    rows.push({ case: label, metric: 'iteration', value: sec, unit: 's' });
  }
}

const w = instantiate();
const K = 512;
const u = new Float32Array(K).map((_, k) => (k % 10 === 0 ? 1.5 : -5 + (k % 7) * 0.3));
const pu = w.putF32(u),
  pz = w.alloc(K * 4),
  pd = w.alloc(K * 4);
for (const n of [10, 64]) {
  w.x.relaxedAll(pu, K, 0.3, n, 123, 0, 0, pz, pd);
  const R = 200;
  const t0 = performance.now();
  for (let r = 0; r < R; r++) w.x.relaxedAll(pu, K, 0.3, n, 123, r, 0, pz, pd);
  rows.push({
    case: `relaxed sampler K 512, n_exp ${n}`,
    metric: 'per input and step',
    value: ((performance.now() - t0) * 1000) / R,
    unit: 'us',
  });
}
report('train', rows);
