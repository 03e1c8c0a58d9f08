/**
 * A data-dependent initialisation of the dictionary (`ipvae train --init sparse`): non-negative sparse coding
 * (Olshausen & Field 1996; Hoyer 2002), whose optimum is the fixed point of iP-VAE inference. At that fixed point
 * the FOND update is zero, Phi^T (x - Phi lambda) / sigma^2 = b for the active rates, which is the optimality
 * condition of min_{lambda >= 0} 1/2 ||x - Phi lambda||^2 + b sigma^2 sum(lambda).
 *
 * Per mini-batch: codes by FISTA (Beck & Teboulle 2009) on that non-negative L1 problem with unit-norm atoms
 * (step 1/L, L the largest eigenvalue of Phi^T Phi by power iteration), a gradient step on Phi, column
 * renormalisation. All products are float32 GEMMs in the WebAssembly kernels. At the end the atoms are scaled to
 * norm `scale` (codes shrink by the same factor, so one spike carries `scale` of contrast), b = scale x penalty,
 * sigma = 1, u0 from the authors' initialisation (or a given constant), and eta is chosen from a list by the distance to the ideal corner
 * d = sqrt((1 - R^2)^2 + (1 - PZ)^2) of hard-Poisson inference on a calibration batch of training inputs.
 * Every draw is keyed by the seed; the result is the same bytes for the same seed.
 */
import { instantiate } from '../kernels/wasm.js';
import { evaluate } from '../model/evaluate.js';
import { initParams, type IpVaeParams } from '../model/params.js';
import { threefry2x32 } from '../rng/threefry.js';
import { DEFAULTS, withDefaults } from '../defaults.js';

export interface SparseInitOptions {
  K: number;
  seed: number;
  /** Mini-batch updates of the dictionary. */
  iters: number;
  batch: number;
  /** FISTA iterations per mini-batch. */
  fista: number;
  /** Peak dictionary learning rate (unit-norm atoms), cosine-decayed to 0 over the iterations. */
  lr: number;
  /** L1 penalty of the code with unit-norm atoms. */
  penalty: number;
  /** Final atom norm. */
  scale: number;
  /** Candidate inference step sizes eta. */
  etas: number[];
  /** Inference steps and inputs of the eta calibration. */
  calibSteps: number;
  calibInputs: number;
  /**
   * Initial membrane of every neuron; undefined keeps the authors' U(-6, -4). 0 gives the dense first sweep
   * of the paper's trained model (PZ about 0.37 at t = 1, rising as lateral inhibition sparsifies the code).
   */
  u0?: number;
  workers?: number;
  /**
   * Milliseconds the dictionary learning may take (`train --time-budget`): the first mini-batch is timed (its
   * step is the same whatever the count, cos 0 = 1), and the count is cut to what fits, at least 1. The count
   * used is returned, so `--sparse-iters` with it reproduces the bytes.
   */
  budgetMs?: number;
}

/** What sparseInit applies to every option a call leaves out (the seed's default is 0; K has none). */
export const DEFAULT_SPARSE: Omit<SparseInitOptions, 'K' | 'seed'> = Object.freeze({
  iters: 600,
  batch: 100,
  fista: 60,
  lr: 0.5,
  penalty: 0.5,
  scale: 0.2,
  etas: Object.freeze([0.05, 0.1, 0.2]) as number[],
  calibSteps: 1000,
  calibInputs: 100,
});

/** The options sparseInit takes: K; the rest from DEFAULT_SPARSE (seed 0). */
export type SparseInitInput = Pick<SparseInitOptions, 'K'> & Partial<SparseInitOptions>;

export interface SparseProgress {
  iteration: number;
  iterations: number;
  /** R^2 of the sparse code's reconstruction on this mini-batch (mean over inputs of 1 - SSE / SST). */
  r2: number;
  /** Fraction of zero coefficients. */
  zeros: number;
}

export interface SparseInitResult {
  params: IpVaeParams;
  eta: number;
  /** Calibration result per candidate eta. */
  calibration: { eta: number; r2: number; pz: number; d: number }[];
  /** Mini-batch updates made (o.iters, or fewer to fit budgetMs). */
  iterations: number;
}

/** Largest eigenvalue of the symmetric PSD matrix W (K x K, float32) by power iteration from a fixed start. */
export function largestEigenvalue(W: Float32Array, K: number, iters = 50): number {
  let v = new Float64Array(K).fill(1 / Math.sqrt(K)),
    lam = 0;
  const w = new Float64Array(K);
  for (let it = 0; it < iters; it++) {
    let n = 0;
    for (let i = 0; i < K; i++) {
      let s = 0;
      const r = i * K;
      for (let j = 0; j < K; j++) s += W[r + j] * v[j];
      w[i] = s;
      n += s * s;
    }
    n = Math.sqrt(n);
    if (n === 0) return 0;
    lam = n;
    for (let i = 0; i < K; i++) w[i] /= n;
    v = Float64Array.from(w);
  }
  return lam;
}

/**
 * Learn the dictionary and return iP-VAE parameters ready for BPTT (or for inference as they are). Options left
 * out take DEFAULT_SPARSE's values and seed 0.
 */
export async function sparseInit(
  X: Float32Array,
  N: number,
  D: number,
  options: SparseInitInput,
  progress?: (p: SparseProgress) => void,
): Promise<SparseInitResult> {
  const o = withDefaults({ ...DEFAULT_SPARSE, seed: DEFAULTS.seed } as SparseInitOptions, options);
  const { K, batch: B, seed } = o;
  for (const k of ['K', 'batch', 'iters', 'fista', 'calibSteps', 'calibInputs'] as const)
    if (!(Number.isInteger(o[k]) && o[k] >= 1))
      throw new Error(`sparseInit: ${k} = ${o[k]}, expected a positive integer`);
  if (o.etas.length === 0) throw new Error('sparseInit: etas is empty, expected at least one candidate eta');
  const wk = instantiate();
  const tf = new Uint32Array(2);
  const pick = (stream: number, i: number) => threefry2x32(seed, 0x53504152 + stream, i, 0, 20, tf)[0] % N;
  const pPhi = wk.alloc(D * K * 4),
    pW = wk.alloc(K * K * 4),
    pX = wk.alloc(B * D * 4),
    pC = wk.alloc(B * K * 4);
  const pY = wk.alloc(B * K * 4),
    pG = wk.alloc(B * K * 4),
    pE = wk.alloc(B * D * 4),
    pGphi = wk.alloc(D * K * 4);
  const lam = new Float32Array(B * K),
    prev = new Float32Array(B * K);
  const view = () => ({
    phi: wk.f32(pPhi, D * K),
    W: wk.f32(pW, K * K),
    X: wk.f32(pX, B * D),
    C: wk.f32(pC, B * K),
    Y: wk.f32(pY, B * K),
    G: wk.f32(pG, B * K),
    E: wk.f32(pE, B * D),
    Gphi: wk.f32(pGphi, D * K),
  });
  // atoms start as centred random training inputs plus a little keyed noise, unit norm
  let v = view();
  for (let k = 0; k < K; k++) {
    const n = pick(1, k);
    for (let d = 0; d < D; d++) {
      const noise = (threefry2x32(seed, 0x53504152, d, k, 20, tf)[0] >>> 8) / 16777216 - 0.5;
      v.phi[d * K + k] = X[n * D + d] + 0.1 * noise;
    }
  }
  normalise(v.phi, D, K, 1);
  let total = o.iters;
  const t0 = performance.now();
  for (let it = 0; it < total; it++) {
    v = view();
    v.W.fill(0);
    wk.x.gemmTN(K, K, D, pPhi, pPhi, pW); // W = Phi^T Phi
    const L = largestEigenvalue(v.W, K) * 1.01 + 1e-6;
    for (let b = 0; b < B; b++) {
      const n = pick(100 + it, b);
      v.X.set(X.subarray(n * D, (n + 1) * D), b * D);
    }
    v.C.fill(0);
    wk.x.gemmNN(B, K, D, pX, pPhi, pC); // C = X Phi
    lam.fill(0);
    v.Y.fill(0);
    let tk = 1;
    for (let f = 0; f < o.fista; f++) {
      v.G.fill(0);
      wk.x.gemmNN(B, K, K, pY, pW, pG); // G = Y W (W symmetric)
      prev.set(lam);
      const tn = (1 + Math.sqrt(1 + 4 * tk * tk)) / 2,
        mom = (tk - 1) / tn;
      for (let i = 0; i < B * K; i++) lam[i] = Math.max(0, v.Y[i] - (v.G[i] - v.C[i] + o.penalty) / L);
      for (let i = 0; i < B * K; i++) v.Y[i] = Math.max(0, lam[i] + mom * (lam[i] - prev[i]));
      tk = tn;
    }
    // residual E = X - Lambda Phi^T, then Phi += lr / B * E^T Lambda
    v.Y.set(lam);
    v.E.fill(0);
    wk.x.gemmNT(B, D, K, pY, pPhi, pE);
    let r2 = 0,
      nz = 0;
    for (let b = 0; b < B; b++) {
      let mean = 0,
        sse = 0,
        sst = 0;
      for (let d = 0; d < D; d++) mean += v.X[b * D + d];
      mean /= D;
      for (let d = 0; d < D; d++) {
        const x = v.X[b * D + d],
          e = x - v.E[b * D + d];
        v.E[b * D + d] = e;
        sse += e * e;
        sst += (x - mean) ** 2;
      }
      r2 += sst > 0 ? 1 - sse / sst : 0;
    }
    for (let i = 0; i < B * K; i++) if (lam[i] !== 0) nz++;
    v.Gphi.fill(0);
    wk.x.gemmTN(D, K, B, pE, pY, pGphi);
    // cosine decay of the dictionary step (a large early step moves the atoms away from the data patches they
    // start from; the small late steps average the noise of the mini-batches out)
    const step = (o.lr * 0.5 * (1 + Math.cos((Math.PI * it) / total))) / B;
    for (let i = 0; i < D * K; i++) v.phi[i] += step * v.Gphi[i];
    normalise(v.phi, D, K, 1);
    if (it === 0 && o.budgetMs !== undefined)
      total = Math.max(1, Math.min(o.iters, Math.floor(o.budgetMs / Math.max(1e-3, performance.now() - t0))));
    progress?.({ iteration: it + 1, iterations: total, r2: r2 / B, zeros: 1 - nz / (B * K) });
  }
  const p = initParams(D, K, seed);
  v = view();
  for (let i = 0; i < D * K; i++) p.phi[i] = o.scale * v.phi[i];
  if (o.u0 !== undefined) p.u0.fill(Math.fround(o.u0));
  p.logBias.fill(Math.fround(Math.log(o.scale * o.penalty)));
  const cN = Math.min(o.calibInputs, N),
    calib = new Float32Array(cN * D);
  for (let i = 0; i < cN; i++) {
    const n = pick(7, i);
    calib.set(X.subarray(n * D, (n + 1) * D), i * D);
  }
  const calibration: SparseInitResult['calibration'] = [];
  let best = { eta: o.etas[0], d: Infinity };
  for (const eta of o.etas) {
    p.logLr = Math.fround(Math.log(eta));
    const r = await evaluate(p, calib, cN, { steps: o.calibSteps, seed, workers: o.workers ?? 1 });
    const m = r.metrics[r.metrics.length - 1];
    const d = Math.hypot(1 - m.r2, 1 - m.pz);
    calibration.push({ eta, r2: m.r2, pz: m.pz, d });
    if (d < best.d) best = { eta, d };
  }
  p.logLr = Math.fround(Math.log(best.eta));
  return { params: p, eta: best.eta, calibration, iterations: total };
}

function normalise(phi: Float32Array, D: number, K: number, norm: number): void {
  const s = new Float64Array(K);
  for (let d = 0; d < D; d++) for (let k = 0; k < K; k++) s[k] += phi[d * K + k] ** 2;
  for (let k = 0; k < K; k++) s[k] = norm / Math.sqrt(s[k] || 1);
  for (let d = 0; d < D; d++) for (let k = 0; k < K; k++) phi[d * K + k] *= s[k];
}
