/**
 * The linear probe's fit time (src/baselines/probe.ts, scikit-learn's defaults: C = 1, tol = 1e-4, at most 100
 * L-BFGS iterations) on 8000 x 512 features in 10 classes, the size of an iP-VAE probe on MNIST's train split;
 * the features are synthetic, rate-like (non-negative, sparse class prototypes plus keyed noise, Threefry-keyed
 * so every run fits the same problem). Also the raw MNIST pixels (7,996 x 784, the bundled train split) as a
 * harder-conditioned real case. Reports the fit time, the iterations, whether a stopping test ended the fit, and
 * the train accuracy.
 *
 *   npm run bench -- probe
 */
import { fitProbe, probeAccuracy } from '../src/baselines/probe.js';
import { threefry2x32, u01f } from '../src/rng/threefry.js';
import { loadMnist } from '../src/data/mnist.js';
import { report, type BenchRecord } from './common.js';

const rows: BenchRecord[] = [];
const tf = new Uint32Array(2);

/** N x K rate-like features: class c's prototype is non-zero on ~10 % of the features, plus noise, clipped at 0. */
function synthetic(N: number, K: number, classes: number, seed: number): { F: Float32Array; y: Float32Array } {
  const proto = new Float64Array(classes * K);
  for (let i = 0; i < proto.length; i++) {
    const w = threefry2x32(seed, 1, i, 0, 20, tf);
    proto[i] = u01f(w[0]) < 0.1 ? 2 * u01f(w[1]) : 0;
  }
  const F = new Float32Array(N * K),
    y = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const c = threefry2x32(seed, 2, n, 0, 20, tf)[0] % classes;
    y[n] = c;
    for (let k = 0; k < K; k++) {
      const w = threefry2x32(seed, 3, n, k, 20, tf);
      // Box-Muller normal noise of standard deviation 0.5
      const g = Math.sqrt(-2 * Math.log(u01f(w[0]))) * Math.cos(2 * Math.PI * u01f(w[1]));
      F[n * K + k] = Math.max(0, proto[c * K + k] + 0.5 * g);
    }
  }
  return { F, y };
}

function time(name: string, F: Float32Array, N: number, K: number, y: Float32Array): void {
  const t0 = performance.now();
  const p = fitProbe(F, N, K, y);
  const sec = (performance.now() - t0) / 1000;
  const acc = probeAccuracy(p, F, N, y);
  console.error(
    `${name}: ${sec.toFixed(2)} s, ${p.iterations} iterations, converged ${p.converged}, max|grad| ${p.gradMax.toExponential(2)}, train accuracy ${(100 * acc).toFixed(2)} %`,
  );
  rows.push({ case: name, metric: 'fit time', value: sec, unit: 's' });
  rows.push({ case: name, metric: 'L-BFGS iterations', value: p.iterations, unit: '' });
  rows.push({ case: name, metric: 'converged (tol 1e-4)', value: p.converged ? 1 : 0, unit: 'bool' });
  rows.push({ case: name, metric: 'train accuracy', value: 100 * acc, unit: '%' });
}

const s = synthetic(8000, 512, 10, 7);
time('synthetic rates, 8000 x 512, 10 classes', s.F, 8000, 512, s.y);
const m = loadMnist();
time(`MNIST pixels, ${m.nTrain} x 784, 10 classes`, m.train, m.nTrain, 784, m.trainLabels);
report('probe', rows);
