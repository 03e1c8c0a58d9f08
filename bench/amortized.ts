/**
 * Training speed of the amortized VAEs and the hybrid (src/baselines/amortized.ts, hybrid.ts) at the compare
 * shapes: mini-batch 100, hidden 512, K 512, D 256 (patches) and 784 (MNIST), on random inputs, in mini-batches
 * per second (a fixed count, so the timing covers whole iterations).
 *
 *   npm run bench -- amortized
 */
import { trainAmortized } from '../src/baselines/amortized.js';
import { trainHybrid } from '../src/baselines/hybrid.js';
import type { TrainContext } from '../src/baselines/family.js';
import { report, type BenchRecord } from './common.js';

const rows: BenchRecord[] = [];
for (const D of [256, 784]) {
  const N = 1000;
  const X = Float32Array.from({ length: N * D }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 1.1));
  const ctx = (iterations: number): TrainContext => ({
    data: { X, N, D, name: D === 256 ? 'patches' : 'mnist' },
    K: 512,
    seed: 1,
    budgetMs: 1e9,
    knob: 0.3,
    replay: { iterations },
  });
  for (const [name, run, n] of [
    ['amortized P-VAE', (it: number) => trainAmortized(ctx(it), 'poisson', 'p'), 30],
    ['amortized G-VAE', (it: number) => trainAmortized(ctx(it), 'gaussian', 'g'), 30],
    ['hybrid (T_ref 16)', (it: number) => trainHybrid(ctx(it)), 6],
  ] as const) {
    run(2); // compile and warm up
    const t0 = performance.now();
    run(n);
    const sec = (performance.now() - t0) / 1000;
    rows.push({ case: `${name} D ${D}`, metric: 'speed', value: n / sec, unit: 'iterations/s' });
  }
}
report('amortized', rows);
