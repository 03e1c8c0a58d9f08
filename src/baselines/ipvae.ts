/**
 * The iP-VAE itself as a compare family: trained by the project's own recipe (src/train/recipes.ts: the
 * non-negative sparse-coding start, then BPTT through T = 64 steps), evaluated by the project's own inference
 * (src/model/evaluate.ts, hard Poisson counts, event-driven). The codes are the counts drawn at t = T, redrawn
 * from the final membranes with the same keyed draw, so score.ts gives exactly evaluate's R^2 and PZ at T.
 */
import { RunBudget, type Family, type TrainContext, type Trained } from './family.js';
import { decoderOf } from './decoder.js';
import { sparseInit, DEFAULT_SPARSE } from '../train/sparse-init.js';
import { Trainer } from '../train/trainer.js';
import { recipe } from '../train/recipes.js';
import { evaluate } from '../model/evaluate.js';
import { prepare, type IpVaeParams } from '../model/params.js';
import { poissonDraw, rateOf } from '../model/poisson.js';

/** Share of the budget the sparse-coding start may take (as `ipvae train --time-budget`). */
const SPARSE_SHARE = 0.5;
/** BPTT's KL weight (the `ipvae train` default; the recipes leave it). */
const BETA = 24;

/** The iP-VAE parameters of a Trained made by this family. */
export function ipvaeParams(m: Trained): IpVaeParams {
  const { D, K } = m.decoder;
  return {
    D,
    K,
    phi: m.tensors.phi,
    s: m.tensors.s,
    logBias: m.tensors.logBias,
    logLr: m.numbers.logLr,
    u0: m.tensors.u0,
  };
}

/** Wrap iP-VAE parameters as a Trained (the decoder: Phi and sigma from s). */
export function trainedOf(p: IpVaeParams, knob: number, info: Trained['info'] = {}): Trained {
  const prep = prepare(p, false);
  return {
    family: 'ip-vae',
    knob,
    decoder: decoderOf(p.phi, p.D, p.K, prep.invVar),
    tensors: { phi: p.phi, s: p.s, logBias: p.logBias, u0: p.u0 },
    numbers: { logLr: p.logLr },
    info,
  };
}

export const ipvae: Family = {
  name: 'ip-vae',
  label: 'iP-VAE',
  kind: 'iterative',
  knob: {
    name: 'lambda',
    values: { patches: [0.35, 0.5, 0.7], mnist: [0.025, 0.05, 0.1] },
    doc: "the L1 penalty of the sparse-coding start (the threshold b = atom norm x lambda; BPTT's beta stays 24): larger is sparser",
  },
  choices: [
    "trained by the project's recipe for the data (ipvae train --recipe auto): the sparse-coding start gets half the budget, BPTT (T 64, beta 24) the rest",
    "the trade-off is swept by the start's penalty lambda, which sets the threshold b: BPTT at the recipe's small learning rate moves b little, so a beta sweep would not move along the curve within minutes",
    'codes: the hard Poisson counts at t = T; probe features: the rates exp(u_T)',
  ],
  async train(ctx: TrainContext) {
    const replayed = (k: string) => (ctx.replay?.[k] === undefined ? undefined : Number(ctx.replay[k]));
    const { X, N, D, name } = ctx.data;
    const t0 = performance.now();
    const r = recipe(name === 'patches' ? 'patches' : 'mnist').options;
    const num = (k: string) => Number(r[k]);
    const sparse = await sparseInit(X, N, D, {
      ...DEFAULT_SPARSE,
      K: ctx.K,
      seed: ctx.seed,
      workers: 1,
      iters: replayed('sparseIterations') ?? num('sparseIters'),
      lr: num('sparseLr'),
      penalty: ctx.knob,
      scale: num('sparseScale'),
      u0: r.sparseU0 === undefined ? undefined : num('sparseU0'),
      etas: r.sparseEtas.split(',').map(Number),
      budgetMs: replayed('sparseIterations') === undefined ? SPARSE_SHARE * ctx.budgetMs : undefined,
    });
    ctx.onProgress?.(0.5, `sparse start: ${sparse.iterations} mini-batches, eta ${sparse.eta}`);
    const opts = {
      K: ctx.K,
      tTrain: num('tTrain'),
      beta: BETA,
      epochs: 1,
      batch: num('batch'),
      lr: num('lr'),
      seed: ctx.seed,
      workers: 1,
      iterations: 1,
    };
    // the whole run (sparse start included) has one budget and deadline, as every family's; a replay runs the
    // recorded count of the recorded BPTT schedule
    const budget = new RunBudget(ctx, 1e9, t0);
    if (!budget.replaying) {
      // time three iterations after a first (compiling) one, then fit the count into what is left
      const probe = new Trainer(X, N, D, { ...opts, iterations: 10 }, undefined, sparse.params);
      await probe.step();
      const p0 = performance.now();
      for (let i = 0; i < 3; i++) await probe.step();
      const per = (performance.now() - p0) / 3;
      await probe.close();
      budget.fit(Math.floor((ctx.budgetMs - (performance.now() - t0)) / per), 1);
    }
    opts.iterations = Math.max(1, budget.total);
    const tr = new Trainer(X, N, D, opts, undefined, sparse.params);
    while (budget.runs(tr.iteration, 0)) {
      await tr.step();
      if (tr.iteration % 10 === 0)
        ctx.onProgress?.(0.5 + (0.5 * tr.iteration) / tr.totalIterations, `BPTT ${tr.iteration}/${tr.totalIterations}`);
    }
    await tr.close();
    const info: Trained['info'] = { sparseIterations: sparse.iterations };
    budget.record(info, tr.iteration);
    return trainedOf(tr.p, ctx.knob, {
      ...info,
      eta: sparse.eta,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    });
  },
  async infer(m, X, N, o) {
    const p = ipvaeParams(m),
      K = p.K;
    const r = await evaluate(p, X, N, {
      steps: o.steps,
      seed: o.seed,
      sampleOffset: o.sampleOffset ?? 0,
      record: [o.steps],
      keepFinalU: true,
    });
    const U = r.finalU!;
    const Z = new Float32Array(N * K),
      F = new Float32Array(N * K);
    const off = o.sampleOffset ?? 0;
    for (let n = 0; n < N; n++)
      for (let k = 0; k < K; k++) {
        const lam = rateOf(U[n * K + k]);
        Z[n * K + k] = poissonDraw(lam, o.seed, off + n, k, o.steps);
        F[n * K + k] = lam;
      }
    return { Z, features: F };
  },
};
