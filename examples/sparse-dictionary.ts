/**
 * An interim dictionary for the iP-VAE, learned without the iP-VAE training code (a later issue): classic
 * non-negative sparse coding (Olshausen & Field 1996; Hoyer 2002), whose solution is what iP-VAE inference
 * converges to. At its fixed point the FOND update solves Phi^T (x - Phi lambda) / sigma^2 = b for rates
 * lambda >= 0: the optimality condition of min_{lambda >= 0} 1/2 ||x - Phi lambda||^2 + b sigma^2 sum(lambda).
 *
 * Per mini-batch: codes by FISTA (Beck & Teboulle 2009) on that non-negative L1 problem with unit-norm atoms,
 * then a gradient step on Phi and column renormalisation. At the end the atoms are scaled to norm `scale`
 * (so one spike of an atom carries a typical code's worth of contrast; codes shrink by the same factor), b is
 * set to scale * penalty, and eta is chosen from a short list by the distance to the ideal corner
 * d = sqrt((1 - R^2)^2 + (1 - PZ)^2) of hard-Poisson iP-VAE inference (this project's evaluator) on a
 * calibration batch of training inputs. sigma = 1 and u0 keep the authors' initialisation.
 *
 * Run (after npm run build):
 *   node dist/examples/sparse-dictionary.js --data patches --out models/patches-k512-interim.safetensors
 */
import { Command } from 'commander';
import { loadData } from '../src/data/datasets.js';
import { evaluate } from '../src/model/evaluate.js';
import { initParams, type IpVaeParams } from '../src/model/params.js';
import { saveModel } from '../src/io/safetensors.js';
import { threefry2x32 } from '../src/rng/threefry.js';

const program = new Command()
  .name('sparse-dictionary')
  .description('learn an interim iP-VAE dictionary by non-negative sparse coding, then calibrate eta')
  .option('--data <name>', 'patches | mnist | idx:PATH', 'patches')
  .option('--k <K>', 'latents', '512')
  .option('--iters <n>', 'mini-batch updates', '300')
  .option('--batch <n>', 'mini-batch size', '100')
  .option('--fista <n>', 'FISTA iterations per mini-batch', '60')
  .option('--lr <x>', 'dictionary learning rate', '0.5')
  .option('--penalty <x>', 'L1 penalty of the sparse code (unit-norm atoms)', '0.5')
  .option('--scale <x>', 'final column norm of Phi', '4')
  .option('--etas <list>', 'candidate inference step sizes', '0.005,0.01,0.02,0.04,0.08')
  .option('--calib-steps <n>', 'inference steps for the eta calibration', '300')
  .option('--seed <n>', 'seed', '0')
  .requiredOption('--out <file>', 'output .safetensors');

async function main(): Promise<void> {
  const o = program.parse(process.argv).opts();
  const data = loadData(o.data, 'train');
  const { D, X, N } = data;
  const K = Number(o.k), iters = Number(o.iters), B = Number(o.batch), nF = Number(o.fista);
  const lr = Number(o.lr), pen = Number(o.penalty), scale = Number(o.scale), seed = Number(o.seed);
  const tf = new Uint32Array(2);
  const pick = (stream: number, i: number) => threefry2x32(seed, stream, i, 0, 20, tf)[0] % N;
  const phi = new Float64Array(D * K); // [D, K]
  for (let k = 0; k < K; k++) {
    const n = pick(1, k);
    for (let d = 0; d < D; d++) phi[d * K + k] = X[n * D + d] + 0.1 * (((threefry2x32(seed, 9, d, k, 20, tf)[0] >>> 8) / 16777216) - 0.5);
  }
  normalise(phi, D, K, 1);
  const W = new Float64Array(K * K), c = new Float64Array(K), lam = new Float64Array(K), y = new Float64Array(K);
  const prev = new Float64Array(K), codes = new Float64Array(B * K), G = new Float64Array(D * K), e = new Float64Array(D);
  const t0 = performance.now();
  for (let it = 0; it < iters; it++) {
    gram(phi, D, K, W);
    let L = 0; // Gershgorin bound on the largest eigenvalue of W
    for (let i = 0; i < K; i++) { let s = 0; for (let j = 0; j < K; j++) s += Math.abs(W[i * K + j]); L = Math.max(L, s); }
    G.fill(0);
    let res = 0, tot = 0, nz = 0;
    for (let b = 0; b < B; b++) {
      const n = pick(100 + it, b);
      const x = X.subarray(n * D, (n + 1) * D);
      for (let k = 0; k < K; k++) { let s = 0; for (let d = 0; d < D; d++) s += phi[d * K + k] * x[d]; c[k] = s; }
      lam.fill(0); y.fill(0);
      let tk = 1;
      for (let f = 0; f < nF; f++) {
        prev.set(lam);
        for (let i = 0; i < K; i++) {
          let g = -c[i] + pen;
          const row = i * K;
          for (let j = 0; j < K; j++) if (y[j] !== 0) g += W[row + j] * y[j];
          lam[i] = Math.max(0, y[i] - g / L);
        }
        const tn = (1 + Math.sqrt(1 + 4 * tk * tk)) / 2;
        for (let i = 0; i < K; i++) y[i] = Math.max(0, lam[i] + ((tk - 1) / tn) * (lam[i] - prev[i]));
        tk = tn;
      }
      codes.set(lam, b * K);
      let mean = 0;
      for (let d = 0; d < D; d++) mean += x[d];
      mean /= D;
      for (let d = 0; d < D; d++) {
        let s = 0;
        for (let k = 0; k < K; k++) if (lam[k] !== 0) s += phi[d * K + k] * lam[k];
        e[d] = x[d] - s;
        res += e[d] * e[d];
        tot += (x[d] - mean) ** 2;
      }
      for (let k = 0; k < K; k++) if (lam[k] !== 0) { nz++; for (let d = 0; d < D; d++) G[d * K + k] += e[d] * lam[k] / B; }
    }
    for (let i = 0; i < D * K; i++) phi[i] += lr * G[i];
    normalise(phi, D, K, 1);
    if (it % 10 === 0 || it === iters - 1) {
      const el = (performance.now() - t0) / 1000;
      console.log(`iter ${it + 1}/${iters}  sparse-code R2 ${(1 - res / tot).toFixed(3)}  zeros ${(1 - nz / (B * K)).toFixed(3)}  ` +
        `${el.toFixed(0)} s, ETA ${((el / (it + 1)) * (iters - it - 1)).toFixed(0)} s`);
    }
  }
  const p: IpVaeParams = initParams(D, K, seed);
  for (let i = 0; i < D * K; i++) p.phi[i] = scale * phi[i];
  p.logBias.fill(Math.fround(Math.log(scale * pen)));
  const calibN = 100;
  const calib = new Float32Array(calibN * D);
  for (let i = 0; i < calibN; i++) { const n = pick(7, i); calib.set(X.subarray(n * D, (n + 1) * D), i * D); }
  let best = { eta: 0, d: Infinity, r2: 0, pz: 0 };
  for (const eta of String(o.etas).split(',').map(Number)) {
    p.logLr = Math.fround(Math.log(eta));
    const r = await evaluate(p, calib, calibN, { steps: Number(o.calibSteps), seed: 1, workers: 2 });
    const m = r.metrics[r.metrics.length - 1];
    const d = Math.hypot(1 - m.r2, 1 - m.pz);
    console.log(`eta ${eta}: R2 ${m.r2.toFixed(3)} r2_map ${m.r2_map.toFixed(3)} PZ ${m.pz.toFixed(3)} d ${d.toFixed(3)}`);
    if (d < best.d) best = { eta, d, r2: m.r2, pz: m.pz };
  }
  p.logLr = Math.fround(Math.log(best.eta));
  saveModel(o.out, p, {
    ipvae_interim: 'non-negative sparse coding + eta calibration (examples/sparse-dictionary.ts)',
    args: JSON.stringify(o),
    calibration: JSON.stringify(best),
  });
  console.log(`wrote ${o.out} (eta ${best.eta}, calibration R2 ${best.r2.toFixed(3)}, PZ ${best.pz.toFixed(3)})`);
}

function gram(phi: Float64Array, D: number, K: number, W: Float64Array): void {
  W.fill(0);
  for (let d = 0; d < D; d++) {
    const o = d * K;
    for (let i = 0; i < K; i++) {
      const a = phi[o + i];
      if (a === 0) continue;
      const r = i * K;
      for (let j = 0; j < K; j++) W[r + j] += a * phi[o + j];
    }
  }
}

function normalise(phi: Float64Array, D: number, K: number, norm: number): void {
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += phi[d * K + k] ** 2;
    const f = norm / Math.sqrt(s || 1);
    for (let d = 0; d < D; d++) phi[d * K + k] *= f;
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
