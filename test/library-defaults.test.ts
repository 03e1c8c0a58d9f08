/**
 * The library as a user imports it (the built package entry, dist/src/index.js): every exported function called
 * with only the arguments its type requires, and a real property of what it returns, or that the result equals
 * the call with the defaults spelled out as documented (the CLI's shared defaults, src/cli/options.ts). Every
 * runtime export must have a check here: a new function fails the coverage test until it gets one; constants are
 * listed and must be primitives or deeply frozen (a caller cannot change the library's defaults by mutating one).
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ipvae from '../dist/src/index.js';
import type { IpVaeParams, Network, ProbeSpec, NeuronSpec } from '../dist/src/index.js';
import { SHARED } from '../src/cli/options.js';

/** The CLI's shared defaults, as numbers where they are numbers. */
const CLI = {
  steps: Number(SHARED.steps.default),
  seed: Number(SHARED.seed.default),
  weightBits: Number(SHARED.weightBits.default),
  exponent: SHARED.exponent.default,
  profile: SHARED.profile.default,
  engine: SHARED.engine.default,
  backend: SHARED.backend.default,
};

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'ipvae-libdefaults-'));

/** A value computed once, on first use. */
function once<T>(f: () => T): () => T {
  let v: { x: T } | undefined;
  return () => (v ??= { x: f() }).x;
}

const model = once(() => ipvae.loadModel('patches-k512'));
const data5 = once(() => ipvae.loadData('patches', 'test', 5));
const qnet = once(() => ipvae.quantize(model()).net);
const mapping = once(() => ipvae.mapNetwork(qnet()));
const deployment = once(() => ipvae.deploymentObject(qnet(), mapping()));
const deployBytes = once(() => ipvae.encodeDeployment(deployment()));
/** A small float model with weights large enough to spike: D = 16, K = 8. */
const small = once((): IpVaeParams => {
  const p = ipvae.initParams(16, 8, 3, 0.3);
  p.u0.fill(-1);
  return p;
});
const DRIVEN = { inputs: 8, neurons: 20, fanInInput: 3, fanInRecurrent: 2, steps: 30, pSpike: 0.3, vth: 10 };
const driven = once(() => ipvae.randomDrivenNetwork(DRIVEN));
/** Smooth training-like data: N x D. */
const wave = (N: number, D: number) =>
  Float32Array.from({ length: N * D }, (_, i) => Math.sin(i * 1.3) + Math.cos(i * 0.7));

/** Deeply frozen: the object, and every object or array it holds. */
function deeplyFrozen(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return true;
  return Object.isFrozen(v) && Object.values(v).every(deeplyFrozen);
}

const CONSTANTS = [
  'BUNDLED_MODELS',
  'BUNDLED_PROFILES',
  'DEFAULT_QUANT',
  'DEFAULT_RECIPE',
  'DEFAULT_SPARSE',
  'DEFAULT_TRAIN',
  'EXP_REL_BOUND',
  'RATES_FORMAT',
  'RATES_VERSION',
];

/** One check per exported function or class, called with only its required arguments. */
const CHECKS: Record<string, () => void | Promise<void>> = {
  // --- the float model -------------------------------------------------------------------------------------------
  initParams() {
    const p = ipvae.initParams(4, 3);
    expect(p).toEqual(ipvae.initParams(4, 3, CLI.seed, 1e-4)); // seed 0 (ipvae init --seed), phiScale 1e-4
    expect(p).not.toEqual(ipvae.initParams(4, 3, 1));
    expect(p.u0.every((u) => u >= -6 && u <= -4)).toBe(true);
    expect(Array.from(p.logBias)).toEqual([-3, -3, -3]);
    expect(Math.max(...p.phi.map(Math.abs))).toBeLessThan(1e-3);
  },
  prepare() {
    const p = small(),
      prep = ipvae.prepare(p);
    expect(prep.wrec).toHaveLength(p.K * p.K); // withWrec defaults to true
    expect(Array.from(prep.invVar)).toEqual(new Array(p.D).fill(1)); // s = 0: sigma = 1
    expect(prep.eta).toBe(1); // log_lr = 0
    expect(prep.phiT[1 * p.D + 2]).toBe(p.phi[2 * p.K + 1]);
  },
  parameterCount() {
    const m = model();
    expect(ipvae.parameterCount(m.D, m.K)).toBe(m.phi.length + m.s.length + m.logBias.length + 1 + m.u0.length);
  },
  recurrentWeights() {
    const p = small(),
      prep = ipvae.prepare(p, false);
    const w = ipvae.recurrentWeights(prep.phiT, prep.invVar, p.K, p.D);
    let ref = 0;
    for (let d = 0; d < p.D; d++) ref += p.phi[d * p.K + 2] * p.phi[d * p.K + 5];
    expect(w[2 * p.K + 5]).toBeCloseTo(ref, 5);
    expect(w[5 * p.K + 2]).toBe(w[2 * p.K + 5]);
  },
  async evaluate() {
    const { X } = data5();
    const r = await ipvae.evaluate(model(), X, 5);
    expect(r.metrics.map((m) => m.t)).toEqual(ipvae.recordSteps(CLI.steps));
    const last = r.metrics[r.metrics.length - 1];
    expect(last.t).toBe(1000);
    expect(last.pz).toBeGreaterThanOrEqual(0);
    expect(last.pz).toBeLessThanOrEqual(1);
    expect(last.r2).toBeGreaterThan(0.5);
    // the documented defaults spelled out give the same numbers; another seed does not
    const spelled = await ipvae.evaluate(model(), X, 5, {
      steps: CLI.steps,
      seed: CLI.seed,
      clamp: 10,
      backend: CLI.backend as 'wasm',
      mode: 'event',
      workers: 1,
    });
    expect(spelled.metrics).toEqual(r.metrics);
    const other = await ipvae.evaluate(model(), X, 5, { seed: 1 });
    expect(other.metrics[other.metrics.length - 1].r2).not.toBe(last.r2);
  },
  recordSteps() {
    expect(ipvae.recordSteps(1000)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]);
    expect(ipvae.recordSteps(8)).toEqual([1, 2, 4, 8]);
  },
  async reduceMetrics() {
    const r = await ipvae.evaluate(small(), wave(3, 16), 3, { steps: 20 });
    expect(ipvae.reduceMetrics(r.perSample, 3, ipvae.recordSteps(20))).toEqual(r.metrics);
  },

  // --- scalar mathematics ----------------------------------------------------------------------------------------
  softclamp() {
    for (const [y, c] of [
      [3, 10],
      [12, 10],
      [-4, 2],
    ])
      expect(ipvae.softclamp(y, c)).toBeCloseTo(c - ipvae.softplus(c - y), 12);
    expect(ipvae.softclamp(-50, 10)).toBeCloseTo(-50, 12);
  },
  softplus() {
    expect(ipvae.softplus(0)).toBeCloseTo(Math.LN2, 15);
    expect(ipvae.softplus(800)).toBe(800);
    expect(ipvae.softplus(-800)).toBe(0);
  },
  klCode() {
    expect(ipvae.klCode(1, 1)).toBe(0);
    expect(ipvae.klCode(1, 0)).toBeCloseTo(Math.E, 14); // e^1 (1 + e^1 (1 - 1))
  },
  klExact() {
    expect(ipvae.klExact(-2, -2)).toBe(0);
    expect(ipvae.klExact(1, 0)).toBeCloseTo(1, 14); // e^0 (1 + e (1 - 1))
  },
  kl() {
    expect(ipvae.kl('code', 0.3, -0.2)).toBe(ipvae.klCode(0.3, -0.2));
    expect(ipvae.kl('exact', 0.3, -0.2)).toBe(ipvae.klExact(0.3, -0.2));
  },
  poissonPpf() {
    expect(ipvae.poissonPpf(0.999, 3)).toBe(10); // the trainer's initial n_exp
    expect(ipvae.poissonPpf(0.5, 0)).toBe(0);
  },
  poissonPmf() {
    expect(ipvae.poissonPmf(0, 2)).toBeCloseTo(Math.exp(-2), 14);
    let s = 0;
    for (let k = 0; k < 60; k++) s += ipvae.poissonPmf(k, 5);
    expect(s).toBeCloseTo(1, 12);
  },
  logSigmaOf() {
    expect(ipvae.logSigmaOf(0)).toBe(0);
    expect(ipvae.logSigmaOf(1e6)).toBeCloseTo(3.45, 12);
  },
  freeEnergyStep() {
    const p: IpVaeParams = {
      D: 1,
      K: 1,
      phi: Float32Array.of(0),
      s: Float32Array.of(0),
      logBias: Float32Array.of(0),
      logLr: 0,
      u0: Float32Array.of(0),
    };
    const e = ipvae.freeEnergyStep(p, [0], [0], [1], [0], 2);
    expect(e.nll).toBeCloseTo(0.5 * Math.log(2 * Math.PI), 14);
    expect(e.kl).toBeCloseTo(Math.E, 14); // the coded KL by default
    expect(e).toEqual(ipvae.freeEnergyStep(p, [0], [0], [1], [0], 2, 'code'));
    expect(e.total).toBeCloseTo(e.nll + 2 * e.kl, 12);
  },
  trainingLoss() {
    expect(
      ipvae.trainingLoss(
        [
          [1, 3],
          [5, 5],
        ],
        256,
      ),
    ).toBe(3.5);
  },
  lossScale() {
    expect(ipvae.lossScale(256)).toBe(1);
    expect(ipvae.lossScale(784)).toBe(256 / 784);
  },
  poissonDraw() {
    for (const lambda of [3, 25]) {
      let s = 0;
      for (let k = 0; k < 4000; k++) s += ipvae.poissonDraw(lambda, 0, 0, k, 0);
      expect(Math.abs(s / 4000 - lambda)).toBeLessThan(0.1 * Math.sqrt(lambda));
    }
    expect(ipvae.poissonDraw(3, 0, 0, 7, 1)).toBe(ipvae.poissonDraw(3, 0, 0, 7, 1));
  },
  rateOf() {
    expect(ipvae.rateOf(0)).toBe(Math.fround(1 + 1.1920928955078125e-7));
  },
  referenceRun() {
    const p = small(),
      x = wave(1, 16);
    const seen: number[] = [];
    const u = ipvae.referenceRun(p, x, 0, 0, 3, 10, (s) => seen.push(s.t));
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(u).toHaveLength(p.K);
    expect(u.every((v) => v < 10 && v > -8.001)).toBe(true); // below the clamp, at the floor at worst
  },
  referenceMetrics() {
    const p: IpVaeParams = {
      D: 2,
      K: 1,
      phi: Float32Array.of(1, 1),
      s: new Float32Array(2),
      logBias: new Float32Array(1),
      logLr: 0,
      u0: new Float32Array(1),
    };
    // x = (1, 3): mean 2, SST 2; z = 2 reconstructs (2, 2): SSE 2; exp(u) = 1 reconstructs (1, 1): SSE 4
    const m = ipvae.referenceMetrics(p, [1, 3], [0], [2]);
    const eps = 1.1920928955078125e-7;
    expect(m.r2).toBeCloseTo(1 - 2 / (2 + eps), 14);
    expect(m.r2_map).toBeCloseTo(1 - 4 / (2 + eps), 14);
    expect(m.pz).toBe(0);
    expect(m.mse).toBe(2);
  },

  // --- files and data --------------------------------------------------------------------------------------------
  loadModel() {
    const m = model(),
      b = ipvae.BUNDLED_MODELS.find((x) => x.name === 'patches-k512')!;
    expect([m.D, m.K]).toEqual([b.D, b.K]);
    expect(m.phi).toHaveLength(m.D * m.K);
    expect(typeof m.metadata).toBe('object');
  },
  saveModel() {
    const f = join(tmp(), 'm.safetensors');
    ipvae.saveModel(f, small());
    const back = ipvae.loadModel(f);
    expect(back.metadata).toEqual({}); // metadata defaults to none
    const { metadata: _m, ...params } = back;
    expect(params).toEqual(small());
  },
  encodeModel() {
    const { metadata, ...params } = ipvae.decodeModel(ipvae.encodeModel(small()), 'mem');
    expect(metadata).toEqual({});
    expect(params).toEqual(small());
  },
  decodeModel() {
    const bytes = readFileSync(ipvae.bundledModelPath(ipvae.BUNDLED_MODELS[0]));
    expect(ipvae.decodeModel(bytes, 'x.safetensors')).toEqual(model());
    expect(() => ipvae.decodeModel(bytes.subarray(0, 100), 'x.safetensors')).toThrow(/^x\.safetensors: /);
  },
  bundledModel() {
    expect(ipvae.bundledModel('patches-k512')).toBe(ipvae.BUNDLED_MODELS[0]);
    expect(ipvae.bundledModel('mnist-k512.safetensors')?.data).toBe('mnist');
    expect(ipvae.bundledModel('nope')).toBeUndefined();
  },
  bundledModelPath() {
    for (const m of ipvae.BUNDLED_MODELS) expect(existsSync(ipvae.bundledModelPath(m))).toBe(true);
  },
  resolveModelPath() {
    expect(ipvae.resolveModelPath('patches-k512')).toBe(ipvae.bundledModelPath(ipvae.BUNDLED_MODELS[0]));
    expect(ipvae.resolveModelPath('no/such.safetensors')).toBe('no/such.safetensors');
  },
  readIdxImages() {
    const f = join(tmp(), 'a.idx');
    writeFileSync(
      f,
      ipvae.encodeIdxImages(
        3,
        2,
        2,
        Uint8Array.from({ length: 12 }, (_, i) => i * 20),
      ),
    );
    const im = ipvae.readIdxImages(f); // every image by default
    expect([im.n, im.height, im.width]).toEqual([3, 2, 2]);
    expect(im.data[11]).toBeCloseTo(220 / 255, 6);
  },
  encodeIdxImages() {
    const b = ipvae.encodeIdxImages(1, 1, 2, Uint8Array.of(7, 9));
    expect(Array.from(b)).toEqual([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 7, 9]);
  },
  loadData() {
    const all = ipvae.loadData('patches'); // the held-out split by default
    expect(all.split).toBe('test');
    expect(all.N).toBe(ipvae.BUNDLED_MODELS[0].heldOut.inputs);
    const five = data5();
    expect(five.N).toBe(5); // maxSamples keeps the first inputs of a bundled set too
    expect(five.X).toEqual(all.X.subarray(0, 5 * all.D));
    const m = ipvae.loadData('mnist', 'test', 3);
    expect([m.N, m.labels?.length]).toEqual([3, 3]);
  },
  loadPatches() {
    const p = ipvae.loadPatches();
    expect(p.recipe).toEqual(ipvae.DEFAULT_RECIPE);
    expect(p.D).toBe(ipvae.DEFAULT_RECIPE.patch ** 2);
    expect(p.nVal).toBe(ipvae.BUNDLED_MODELS[0].heldOut.inputs);
  },
  loadMnist() {
    const m = ipvae.loadMnist(); // 80 % per class to train (documented: 7,996 / 2,004)
    expect([m.nTrain, m.nTest]).toEqual([7996, 2004]);
    expect(m.nTest).toBe(ipvae.BUNDLED_MODELS[1].heldOut.inputs);
  },

  // --- kernels and training --------------------------------------------------------------------------------------
  threefry2x32() {
    expect(Array.from(ipvae.threefry2x32(0, 0, 0, 0))).toEqual([0x6b200159, 0x99ba4efe]); // Random123, 20 rounds
  },
  async makeRunner() {
    const p = small(),
      X = wave(2, 16);
    const out = new Float64Array(2 * 6);
    const cfg = { backend: 'wasm', mode: 'event', seed: 0, steps: 50, clamp: 10, recSteps: Int32Array.of(50) } as const;
    ipvae.makeRunner(ipvae.prepare(p), cfg).run(X, 0, 2, out);
    const r = await ipvae.evaluate(p, X, 2, { steps: 50, record: [50] }); // sampleOffset 0 in both
    expect(out).toEqual(r.perSample);
  },
  UserError() {
    const e = new ipvae.UserError('f.json: bad');
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.message]).toEqual(['UserError', 'f.json: bad']);
  },
  async Trainer() {
    const X = wave(400, 16);
    const given = { K: 8, tTrain: 4, beta: 1, epochs: 1 };
    const t = new ipvae.Trainer(X, 400, 16, given);
    const spelled = new ipvae.Trainer(X, 400, 16, { ...ipvae.DEFAULT_TRAIN, ...given, seed: CLI.seed });
    try {
      expect(t.o).toEqual({ ...ipvae.DEFAULT_TRAIN, ...given });
      expect(t.iterationsPerEpoch).toBe(2); // 400 / batch 200
      expect(t.totalIterations).toBe(2);
      const [a, b] = [await t.step(), await spelled.step()];
      expect(Number.isFinite(a.loss)).toBe(true);
      expect(a).toEqual(b);
    } finally {
      await t.close();
      await spelled.close();
    }
  },
  lossAndGrad64() {
    const p = small(),
      x = wave(1, 16);
    const noise = (stream: 0 | 1, step: number, neuron: number, n: number, out: Float64Array) => {
      ipvae.cumulativeExpNoise(0, stream + 1, 0, neuron, step, n, out);
    };
    const cfg = { T: 3, beta: 1, tau: 0.5, clamp: 10, nExp: 12 };
    const g = ipvae.zeroGrads(16, 8);
    const loss = ipvae.lossAndGrad64(p, x, noise, cfg);
    expect(Number.isFinite(loss)).toBe(true);
    expect(ipvae.lossAndGrad64(p, x, noise, { ...cfg, klForm: 'code' })).toBe(loss); // the coded KL by default
    expect(ipvae.lossAndGrad64(p, x, noise, cfg, g)).toBe(loss);
    expect(g.phi.some((v) => v !== 0)).toBe(true);
  },
  zeroGrads() {
    const g = ipvae.zeroGrads(3, 2);
    expect([g.phi.length, g.s.length, g.logBias.length, g.u0.length, g.logLr]).toEqual([6, 3, 2, 2, 0]);
    expect(g.phi.every((v) => v === 0)).toBe(true);
  },
  relaxedCount() {
    // one arrival at S / lambda = 1: sigmoid(0) = 1/2, dz/dlambda = 1/4 * 1 / (tau lambda^2)
    const out = ipvae.relaxedCount(1, 0.5, [1], 1, new Float64Array(2));
    expect(Array.from(out)).toEqual([0.5, 0.5]);
  },
  cumulativeExpNoise() {
    const S = ipvae.cumulativeExpNoise(0, 1, 0, 0, 0, 2000, new Float64Array(2000));
    for (let j = 1; j < S.length; j++) expect(S[j]).toBeGreaterThan(S[j - 1]);
    expect(Math.abs(S[1999] / 2000 - 1)).toBeLessThan(0.1); // Exp(1) steps: mean 1, sd of the mean 0.022
  },
  Adamax() {
    const a = new ipvae.Adamax([1]);
    expect([a.beta1, a.beta2, a.eps, a.weightDecay]).toEqual([0.9, 0.999, 1e-8, 3e-4]); // as documented
    const th = Float64Array.of(1);
    a.update([th], [Float64Array.of(0.5)], 0.01);
    const g = 0.5 + 3e-4 * 1,
      m = 0.1 * g,
      u = g + 1e-8;
    expect(th[0]).toBeCloseTo(1 - (0.01 / (1 - 0.9)) * (m / u), 15);
  },
  clipGradNorm() {
    const g = [Float64Array.of(3), Float64Array.of(4)];
    expect(ipvae.clipGradNorm(g, 1)).toBe(5);
    expect(g[0][0]).toBeCloseTo(3 / (5 + 1e-6), 12);
    expect(g[1][0]).toBeCloseTo(4 / (5 + 1e-6), 12);
  },
  scheduleAt() {
    const c = { iterations: 1000, lr: 0.01, beta: 5, clip: 100 };
    // documented shape: warm-up over 0.5 % (5 iterations), beta from 1e-4, clamp from 2, tau from 1
    expect(ipvae.scheduleAt(0, c)).toEqual({ lr: 0.01 / 5, beta: 1e-4, clamp: 2, tau: 1, clip: 300, warmup: true });
    const end = ipvae.scheduleAt(999, c);
    expect(end.lr).toBeCloseTo(1e-5, 15);
    expect([end.beta, end.clamp, end.tau, end.clip, end.warmup]).toEqual([5, 10, 0.01, 100, false]);
  },
  async sparseInit() {
    const X = wave(200, 16);
    const r = await ipvae.sparseInit(X, 200, 16, { K: 8 });
    expect(r.calibration.map((c) => c.eta)).toEqual(ipvae.DEFAULT_SPARSE.etas);
    expect(ipvae.DEFAULT_SPARSE.etas).toContain(r.eta);
    expect(r.params.logLr).toBe(Math.fround(Math.log(r.eta)));
    const spelled = await ipvae.sparseInit(X, 200, 16, { ...ipvae.DEFAULT_SPARSE, K: 8, seed: CLI.seed });
    expect(spelled).toEqual(r);
  },

  // --- fixed point -----------------------------------------------------------------------------------------------
  q() {
    expect(ipvae.q(8, 1)).toEqual({ bits: 8, frac: 1, signed: true }); // signed by default
  },
  qMin() {
    expect(ipvae.qMin(ipvae.q(8, 0))).toBe(-128);
    expect(ipvae.qMin(ipvae.q(8, 0, false))).toBe(0);
  },
  qMax() {
    expect(ipvae.qMax(ipvae.q(8, 0))).toBe(127);
    expect(ipvae.qMax(ipvae.q(8, 0, false))).toBe(255);
  },
  toQ() {
    expect(ipvae.toQ(1.26, ipvae.q(8, 2))).toBe(5);
    expect(ipvae.toQ(-0.625, ipvae.q(8, 3))).toBe(-5); // a tie, away from zero
    expect(ipvae.toQ(1000, ipvae.q(8, 0))).toBe(127);
  },
  fromQ() {
    expect(ipvae.fromQ(3, ipvae.q(8, 1))).toBe(1.5);
  },
  satCounter() {
    const c = ipvae.satCounter();
    expect(Array.from(c)).toEqual([0]);
    ipvae.toQ(1000, ipvae.q(8, 0), c);
    expect(c[0]).toBe(1);
  },
  iexp() {
    expect(ipvae.iexp(0, 16, 16)).toBe(65536);
    const e = ipvae.iexp(65536, 16, 16);
    expect(Math.abs(e - Math.E * 65536)).toBeLessThanOrEqual(ipvae.EXP_REL_BOUND * Math.E * 65536 + 0.5);
    expect(ipvae.iexp(64 * 65536, 16, 16)).toBe(2 ** 31 - 1); // maxOut defaults to the int32 maximum
  },
  isoftclamp() {
    const f = 2 ** 16;
    expect(Math.abs(ipvae.isoftclamp(3 * f, 10 * f, 16) / f - ipvae.softclamp(3, 10))).toBeLessThan(1e-3);
    expect(Math.abs(ipvae.isoftclamp(12 * f, 10 * f, 16) / f - ipvae.softclamp(12, 10))).toBeLessThan(1e-3);
  },
  iPoisson() {
    let s = 0;
    for (let k = 0; k < 4000; k++) s += ipvae.iPoisson(3 * 65536, 16, 0, 0, k, 0, 255);
    expect(Math.abs(s / 4000 - 3)).toBeLessThan(0.2);
    expect(ipvae.iPoisson(200 * 65536, 16, 0, 0, 0, 0, 10)).toBe(10); // the cap
  },
  pmfOf() {
    const pmf = ipvae.pmfOf(2 * 65536, 16);
    expect(pmf.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(pmf[0]).toBeCloseTo(Math.exp(-2), 5);
    expect(pmf[3]).toBeCloseTo(ipvae.poissonPmf(3, 2), 5);
  },

  // --- networks --------------------------------------------------------------------------------------------------
  csrFromDense() {
    const c = ipvae.csrFromDense([0, 2, 3, 0], 2, 2); // W[target][source]
    expect([Array.from(c.indptr), Array.from(c.indices), Array.from(c.weights)]).toEqual([
      [0, 1, 2],
      [1, 0],
      [3, 2],
    ]);
  },
  denseWeights() {
    const net = ipvae.clusteredNetwork({ neurons: 6, clusters: 2, fanIn: 2, pWithin: 0.5 });
    const p = net.projections[0];
    const W = ipvae.denseWeights(net, p);
    const back = ipvae.csrFromDense(W, 6, 6);
    expect(back.indptr).toEqual(p.indptr);
    expect(back.weights).toEqual(p.weights);
  },
  networkToJson() {
    const net = driven().net;
    const j = JSON.parse(ipvae.networkToJson(net));
    expect([j.format, j.version]).toEqual(['ipvae.network', 1]);
    expect(j.projections[0].weight_bits).toBe(8);
  },
  networkFromJson() {
    const net = driven().net;
    expect(ipvae.networkFromJson(ipvae.networkToJson(net))).toEqual(net);
    expect(() => ipvae.networkFromJson('{')).toThrow(/^network: /); // the file label defaults to "network"
  },
  quantizeTensor() {
    const r = ipvae.quantizeTensor([0.5, -0.25, 1]); // 8 bits: exponent ceil(log2(1 / 127)) = -6
    expect([r.exponent, Array.from(r.m)]).toEqual([-6, [32, -16, 64]]);
    expect(r).toEqual(ipvae.quantizeTensor([0.5, -0.25, 1], CLI.weightBits));
  },
  quantizeProjection() {
    const shape = { name: 'P', source: 's', target: 't', delay: 1, payload: 'binary' as const, payloadBits: 1 };
    const W = [0.5, 0, -0.01, 1, 0.25, 0.125];
    const r = ipvae.quantizeProjection({ ...shape, static: false }, W, 2, 3);
    expect(r.projections).toHaveLength(1); // one shared exponent
    expect(r.projections[0].weightBits).toBe(CLI.weightBits);
    expect(r).toEqual(
      ipvae.quantizeProjection({ ...shape, static: false }, W, 2, 3, {
        weightBits: CLI.weightBits,
        exponent: CLI.exponent,
      }),
    );
  },
  errorReport() {
    expect(ipvae.errorReport('w', [1.5], [1], 8, 0)).toEqual({
      name: 'w',
      bits: 8,
      exponent: 0,
      maxAbs: 1.5,
      rmsError: 0.5,
      maxError: 0.5,
      relRmsError: 1 / 3,
    });
  },
  exponentFor() {
    expect(ipvae.exponentFor(127, 8)).toBe(0);
    expect(ipvae.exponentFor(1, 8)).toBe(-6);
    expect(ipvae.exponentFor(0, 8)).toBe(0);
  },
  fromIpVae() {
    const { net, report } = ipvae.fromIpVae(small());
    expect(net.projections.every((p) => p.weightBits === CLI.weightBits)).toBe(true);
    expect(net.populations[1].params.clamp).toBe(ipvae.DEFAULT_QUANT.clamp * 2 ** ipvae.DEFAULT_QUANT.uFrac);
    expect(net.meta.quant).toEqual(ipvae.snakeKeys(ipvae.DEFAULT_QUANT));
    expect(report.map((r) => r.name)).toContain('W_ff');
    expect(ipvae.networkToJson(net)).toBe(
      ipvae.networkToJson(ipvae.fromIpVae(small(), { ...ipvae.DEFAULT_QUANT }).net),
    );
  },
  quantize() {
    expect(ipvae.quantize).toBe(ipvae.fromIpVae);
    expect(qnet().populations.map((p) => [p.name, p.size])).toEqual([
      ['x', 256],
      ['z', 512],
      ['xhat', 256],
    ]);
  },
  inputFormat() {
    const f = ipvae.inputFormat();
    expect(f).toEqual({ bits: 12, frac: 7, signed: true }); // inputBits 12, inputFrac inputBits - 5
    expect(f).toEqual(ipvae.inputFormat(ipvae.DEFAULT_QUANT));
    expect(qnet().populations[0].formats.x).toEqual(f);
  },

  // --- simulation ------------------------------------------------------------------------------------------------
  Simulator() {
    const net = qnet(),
      x = data5().X.subarray(0, 256);
    const xq = Int32Array.from(x, (v) => ipvae.toQ(v, ipvae.inputFormat()));
    const trace = (s: InstanceType<typeof ipvae.Simulator>) => {
      s.setInput('x', xq);
      s.reset(0);
      const out: number[] = [];
      for (let t = 0; t < 10; t++) {
        s.step();
        out.push(...s.pop('z').out);
      }
      return out;
    };
    const s = new ipvae.Simulator(net);
    expect(s.o).toEqual({ engine: CLI.engine, seed: CLI.seed, backend: CLI.backend });
    const a = trace(s);
    expect(a.some((c) => c > 0)).toBe(true);
    expect(trace(new ipvae.Simulator(net, { engine: 'event', seed: CLI.seed, backend: 'wasm' }))).toEqual(a);
    expect(trace(new ipvae.Simulator(net, { engine: 'event', seed: 1 }))).not.toEqual(a);
  },
  combineDigests() {
    const a = Uint8Array.of(1, 2),
      b = Uint8Array.of(3);
    expect(ipvae.combineDigests([a, b])).toBe(
      createHash('sha256')
        .update(Uint8Array.of(1, 2, 3))
        .digest('hex'),
    );
  },
  async runNetwork() {
    const net = qnet(),
      inputs = { data: data5().X, n: 2 };
    const r = await ipvae.runNetwork(net, inputs, { probes: [{ kind: 'ipvae-metrics' }] });
    expect([r.steps, r.inputs]).toEqual([CLI.steps, 2]);
    const m = ipvae.probeResult(r, 'ipvae-metrics').metrics;
    const last = m[m.length - 1];
    expect(last.t).toBe(1000);
    expect(last.pz).toBeGreaterThanOrEqual(0);
    expect(last.pz).toBeLessThanOrEqual(1);
    expect(last.r2).toBeGreaterThan(0.5);
    const spelled = await ipvae.runNetwork(net, inputs, {
      steps: CLI.steps,
      seed: CLI.seed,
      engine: CLI.engine as 'event',
      backend: CLI.backend as 'wasm',
      workers: 1,
      probes: [{ kind: 'ipvae-metrics' }],
    });
    expect(spelled.spikesSha256).toBe(r.spikesSha256);
    expect(spelled.probes).toEqual(r.probes);
    // no options at all: the same run; with drives, one step per row
    expect((await ipvae.runNetwork(net, inputs)).spikesSha256).toBe(r.spikesSha256);
    const { net: dn, drive } = driven();
    expect((await ipvae.runNetwork(dn, { drives: { in: drive } })).steps).toBe(drive.length);
  },
  runPart() {
    const { net, drive } = driven();
    const rows = Float32Array.from({ length: 2 * 8 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const r = ipvae.runPart(net, { data: rows, n: 2 });
    expect(r.steps).toBe(CLI.steps);
    expect(r.spikesSha256).toBe(
      ipvae.runPart(net, { data: rows, n: 2 }, { steps: CLI.steps, seed: CLI.seed, engine: 'event' }).spikesSha256,
    );
    const d = ipvae.runPart(net, { drives: { in: drive } });
    expect(d.steps).toBe(drive.length);
    expect(d.counters.spikes).toBeGreaterThan(0);
  },
  async probeResult() {
    const { net, drive } = driven();
    const r = await ipvae.runNetwork(net, { drives: { in: drive } }, { probes: [{ kind: 'spike-counts' }] });
    const c = ipvae.probeResult(r, 'spike-counts'); // the name defaults to the kind
    expect(c).toBe(r.probes['spike-counts']);
    expect(c.steps).toEqual(Array.from({ length: drive.length + 1 }, (_, t) => t)); // every step by default
  },
  inputPopulation() {
    expect(ipvae.inputPopulation(qnet()).name).toBe('x');
    expect(ipvae.inputPopulation(driven().net).name).toBe('in');
  },
  probeKinds() {
    expect(ipvae.probeKinds().map((p) => p.kind)).toEqual(
      expect.arrayContaining(['core-events', 'ipvae-metrics', 'rates', 'spike-counts', 'trace']),
    );
  },
  defineProbe() {
    const spec = { kind: 'k', doc: 'd', options: [], create: () => ({ step() {}, result: () => 0 }), merge: () => 0 };
    expect(ipvae.defineProbe(spec as ProbeSpec<number>)).toBe(spec);
  },
  defineNeuron() {
    const spec = ipvae.neuronModel('lif');
    expect(ipvae.defineNeuron(spec as NeuronSpec)).toBe(spec);
  },
  ipvaeShape() {
    const s = ipvae.ipvaeShape(qnet()),
      p = model();
    expect([s.x, s.z, s.D, s.K]).toEqual(['x', 'z', 256, 512]);
    const e = qnet().projections.find((q) => q.name === 'Phi')!.exponent;
    let worst = 0;
    for (let i = 0; i < s.phi.length; i++) worst = Math.max(worst, Math.abs(s.phi[i] - p.phi[i]));
    expect(worst).toBeLessThanOrEqual(2 ** (e - 1) * (1 + 1e-9)); // within half a unit of the quantised decoder
  },
  isIpVaeNetwork() {
    expect(ipvae.isIpVaeNetwork(qnet())).toBe(true);
    expect(ipvae.isIpVaeNetwork(driven().net)).toBe(false);
  },
  async writeRates() {
    const { net, drive } = driven();
    const r = await ipvae.runNetwork(net, { drives: { in: drive } }, { probes: [{ kind: 'rates' }] });
    const rates = ipvae.probeResult(r, 'rates');
    const text = ipvae.writeRates(rates, { net: 'n.json', data: 'drive', seed: 0 });
    const j = JSON.parse(text);
    expect([j.format, j.version, j.steps]).toEqual([ipvae.RATES_FORMAT, ipvae.RATES_VERSION, drive.length]);
    const back = ipvae.readRates(text, 'r.json', net, 'spikes');
    const denom = drive.length + 1;
    back.if.forEach((v, i) => expect(v).toBeCloseTo(rates.spikes.if[i] / denom, 5));
  },
  readRates() {
    const net = driven().net;
    const back = ipvae.readRates(JSON.stringify({ rates: { in: new Array(8).fill(0.5) } }), 'r.json', net, 'events');
    expect(Array.from(back.in)).toEqual(new Array(8).fill(0.5));
    expect(() => ipvae.readRates('[]', 'r.json', net, 'spikes')).toThrow(/^r\.json: /);
  },
  rateKind() {
    expect(ipvae.rateKind(false)).toBe('spikes');
    expect(ipvae.rateKind(true)).toBe('events');
  },
  neuronModel() {
    const s = ipvae.neuronModel('lif');
    expect(s.name).toBe('lif');
    expect(s.spiking).toBe(true);
    expect(() => ipvae.neuronModel('nope')).toThrow(/no neuron model "nope"/);
  },
  neuronModels() {
    expect(ipvae.neuronModels().map((s) => s.name)).toEqual(ipvae.neuronModelNames());
  },
  neuronModelNames() {
    expect(ipvae.neuronModelNames()).toEqual(expect.arrayContaining(['input', 'ipvae', 'readout', 'lif', 'if']));
  },
  resolvePopulation() {
    const r = ipvae.resolvePopulation({ name: 'p', model: 'lif', size: 2, params: { vth: 5 }, formats: {} });
    expect('params' in r && r.params).toEqual({ du: 0, dv: 0, vth: 5, bias_mant: 0, bias_exp: 0 }); // defaults filled
    const bad = ipvae.resolvePopulation({ name: 'p', model: 'lif', size: 2, params: { nope: 1 }, formats: {} });
    expect('problem' in bad && bad.problem.field).toBe('params.nope');
  },
  lifConst() {
    const arrays = {
      du: Int32Array.of(0),
      dv: Int32Array.of(0),
      vth: Int32Array.of(0),
      biasMant: Int32Array.of(3),
      biasExp: Int32Array.of(2),
    };
    const c = ipvae.lifConst(arrays);
    expect(c.wrap).toBe(false); // 'saturate' by default
    expect(c).toEqual(ipvae.lifConst(arrays, 'saturate'));
    expect([c.decU[0], c.decV[0], c.bias[0], c.thr[0]]).toEqual([4095, 4096, 12, 0]);
  },
  lifStep() {
    const c = ipvae.lifConst({
      du: Int32Array.of(0),
      dv: Int32Array.of(0),
      vth: Int32Array.of(1),
      biasMant: Int32Array.of(0),
      biasExp: Int32Array.of(0),
    });
    const u = Int32Array.of(0),
      v = Int32Array.of(0),
      out = Int32Array.of(0),
      sat = ipvae.satCounter();
    // u = a << 6 = 64, v = 64: not above vth << 6 = 64; the next step v = 64 + 127 > 64 fires and resets
    expect(ipvae.lifStep(1, u, v, Float64Array.of(1), c, sat, out)).toBe(0);
    expect([u[0], v[0]]).toEqual([64, 64]);
    expect(ipvae.lifStep(1, u, v, Float64Array.of(1), c, sat, out)).toBe(1);
    expect([u[0], v[0], out[0], sat[0]]).toEqual([Math.trunc((64 * 4095) / 4096) + 64, 0, 1, 0]);
  },

  // --- hardware --------------------------------------------------------------------------------------------------
  loadProfile() {
    const p = ipvae.loadProfile();
    expect(p.name).toBe(CLI.profile);
    expect(p).toEqual(ipvae.loadProfile(CLI.profile));
  },
  parseProfile() {
    const file = join(ROOT, 'hardware', 'profiles', 'loihi1.json');
    expect(ipvae.parseProfile(readFileSync(file, 'utf8'), file)).toEqual(ipvae.loadProfile('loihi1'));
    expect(() => ipvae.parseProfile('{}', 'p.json')).toThrow(/^p\.json: format/);
  },
  profileNumber() {
    const p = ipvae.loadProfile('loihi2');
    expect(ipvae.profileNumber(p, 'core', 'neurons')).toBe(p.sections.core.neurons.value);
    expect(ipvae.profileNumber(p, 'core', 'nope')).toBeUndefined();
  },
  profileText() {
    const p = ipvae.loadProfile('loihi2');
    expect(ipvae.profileText(p, 'spikes', 'kind')).toBe('graded');
    expect(ipvae.profileText(p, 'core', 'neurons')).toBeUndefined(); // a number, not a text
  },
  limitsOf() {
    const p = ipvae.loadProfile('loihi1'),
      L = ipvae.limitsOf(p);
    expect(L.neurons).toBe(ipvae.profileNumber(p, 'core', 'neurons'));
    expect(L.graded).toBe(false);
    expect(ipvae.limitsOf(ipvae.loadProfile('loihi2')).graded).toBe(true);
  },
  checkNetwork() {
    const m = mapping();
    const r = ipvae.checkNetwork(qnet(), m.graph, m.profile, m.limits);
    expect(r).toEqual(ipvae.checkNetwork(qnet(), m.graph, m.profile, m.limits, 'spikes'));
    expect(r.violations).toEqual([]);
  },
  mapNetwork() {
    const m = mapping();
    expect([m.profile.name, m.strategy, m.graded]).toEqual([CLI.profile, 'traffic', 'spikes']);
    expect(m.violations).toEqual([]);
    expect(m.cores.neurons.reduce((a, b) => a + b, 0)).toBe(512 + 256); // z and xhat on chip, x on the host
    const spelled = ipvae.mapNetwork(qnet(), ipvae.loadProfile(CLI.profile), { strategy: 'traffic', graded: 'spikes' });
    expect(spelled.totals).toEqual(m.totals);
    expect(spelled.part).toEqual(m.part);
  },
  coreLoads() {
    const m = mapping();
    const l = ipvae.coreLoads(m.graph, m.limits, m.part, m.totals.cores);
    expect(l.neurons).toEqual(m.cores.neurons);
    expect(l.synapses).toEqual(m.cores.synapses);
    expect(l.fanIn).toEqual(m.cores.fanIn);
  },
  deploymentObject() {
    const m = mapping();
    const d = deployment();
    expect(d.provenance.gradedMode).toBe('spikes'); // the mapping's own mode
    expect(d).toEqual(ipvae.deploymentObject(qnet(), m, 'spikes'));
    expect(() => ipvae.deploymentObject(qnet(), m, 'substeps')).toThrow(/graded counts as spikes/);
    expect(d.cores).toHaveLength(m.totals.cores);
  },
  encodeDeployment() {
    const d = deployment();
    const back = ipvae.decodeDeployment(deployBytes(), 'd.pb');
    expect(back.checksum).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect({ ...back, checksum: '' }).toEqual(JSON.parse(JSON.stringify(d)));
  },
  decodeDeployment() {
    const bytes = deployBytes();
    expect(ipvae.decodeDeployment(bytes, 'd.pb').format).toBe('ipvae.deploy');
    expect(() => ipvae.decodeDeployment(bytes.subarray(0, 40), 'd.pb')).toThrow(/^d\.pb: not a valid/);
  },
  deploymentJson() {
    const j = ipvae.deploymentJson(deployment());
    expect(j.schema_version).toBe(1);
    expect((j.provenance as Record<string, unknown>).graded_mode).toBe('spikes');
  },
  readDeployment() {
    const f = join(tmp(), 'd.pb');
    writeFileSync(f, deployBytes());
    expect(ipvae.readDeployment(f).totals).toEqual(JSON.parse(JSON.stringify(deployment().totals)));
  },
  camelKeys() {
    expect(ipvae.camelKeys({ a_b: [{ c_d2: 1 }], e: 'x_y' })).toEqual({ aB: [{ cD2: 1 }], e: 'x_y' });
  },
  snakeKeys() {
    expect(ipvae.snakeKeys({ aB: { cD: Int8Array.of(1) } })).toEqual({ a_b: { c_d: Int8Array.of(1) } });
  },
  clusteredNetwork() {
    const given = { neurons: 60, clusters: 4, fanIn: 5, pWithin: 0.8 };
    const net: Network = ipvae.clusteredNetwork(given);
    const p = net.projections[0];
    expect(p.weightBits).toBe(CLI.weightBits);
    expect(p.weights.every((w) => w !== 0 && Math.abs(w) <= 127)).toBe(true);
    expect(p.indices).toHaveLength(60 * 5);
    const spelled = ipvae.clusteredNetwork({ ...given, seed: CLI.seed, weightBits: CLI.weightBits });
    expect(ipvae.networkToJson(spelled)).toBe(ipvae.networkToJson(net));
  },
  randomDrivenNetwork() {
    const { net, drive } = driven();
    expect(drive).toHaveLength(30);
    expect(drive.every((row) => row.length === 8 && row.every((s) => s === 0 || s === 1))).toBe(true);
    expect(net.projections.every((p) => p.weightBits === CLI.weightBits)).toBe(true);
    const spelled = ipvae.randomDrivenNetwork({ ...DRIVEN, seed: CLI.seed, weightBits: CLI.weightBits });
    expect(spelled.drive).toEqual(drive);
    expect(ipvae.networkToJson(spelled.net)).toBe(ipvae.networkToJson(net));
  },
};

describe('library: every exported function with only its required arguments', () => {
  const exported = Object.keys(ipvae).sort();
  const functions = exported.filter((k) => typeof (ipvae as unknown as Record<string, unknown>)[k] === 'function');

  it('every exported function or class has a defaults check here, and every other export is a listed constant', () => {
    expect(functions.filter((k) => !(k in CHECKS))).toEqual([]);
    expect(Object.keys(CHECKS).filter((k) => !functions.includes(k))).toEqual([]);
    expect(exported.filter((k) => !functions.includes(k))).toEqual([...CONSTANTS].sort());
  });

  it.each(CONSTANTS)('constant %s is a primitive or deeply frozen', (name) => {
    const v = (ipvae as unknown as Record<string, unknown>)[name];
    expect(v).toBeDefined();
    expect(deeplyFrozen(v)).toBe(true);
  });

  it('the defaults objects cannot be changed by a caller', () => {
    expect(() => {
      (ipvae.DEFAULT_QUANT as { weightBits: number }).weightBits = 4;
    }).toThrow(TypeError);
    expect(() => (ipvae.DEFAULT_SPARSE.etas as number[]).push(1)).toThrow(TypeError);
    expect(ipvae.fromIpVae(small()).net.projections[0].weightBits).toBe(CLI.weightBits);
  });

  it.each(Object.keys(CHECKS))('%s', async (name) => {
    await CHECKS[name]();
  });
});
