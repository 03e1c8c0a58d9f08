/**
 * The compare families against independent references: LCA's fixed point is the non-negative lasso solution
 * (found here by enumerating active sets, float64); predictive coding's is the ridge solution (W + lambda I)^-1 C;
 * one iG step equals the rule written out by hand; the iP-VAE family's codes score exactly evaluate()'s metrics;
 * the keyed normals are Box-Muller on the Threefry words; training repeated from its reported counts gives the
 * same bytes; intervals and the compare file against hand values.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { score, distance } from '../src/baselines/score.js';
import { decoderOf, Drive, normaliseAtoms } from '../src/baselines/decoder.js';
import { runIterative, drawKey1, makeDraw } from '../src/baselines/iterative.js';
import { lca, lcaRule, lcaStep } from '../src/baselines/lca.js';
import { pcRule } from '../src/baselines/pc.js';
import { igRule, igReluRule, igReluVae } from '../src/baselines/ig.js';
import { ipvae, trainedOf } from '../src/baselines/ipvae.js';
import { stat, compare, type CompareResult } from '../src/baselines/compare.js';
import { compareJson, readCompare } from '../src/baselines/compare-file.js';
import { tradeOffSvg } from '../src/baselines/compare-plot.js';
import { RunBudget, type Trained } from '../src/baselines/family.js';
import { evaluate } from '../src/model/evaluate.js';
import { poissonDraw, rateOf } from '../src/model/poisson.js';
import { threefry2x32 } from '../src/rng/threefry.js';
import { randomModel, gauss } from './helpers.js';
import { UserError } from '../src/errors.js';
import { runAnalyseJob, spreadData } from '../src/baselines/jobs.js';
import { fitProbe, probeAccuracy } from '../src/baselines/probe.js';
import { integerScores } from '../src/baselines/integer.js';
import { loadData } from '../src/data/datasets.js';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'ipvae.js');

/** A small problem: D inputs, K unit-norm atoms, N inputs, all float32. */
function problem(D: number, K: number, N: number, seed: number) {
  const phi = Float32Array.from({ length: D * K }, (_, i) => gauss(seed, i));
  normaliseAtoms(phi, D, K, 1);
  const X = Float32Array.from({ length: N * D }, (_, i) => 2 * gauss(seed + 1, i));
  return { phi, X };
}

function trained(family: string, phi: Float32Array, D: number, K: number, numbers: Record<string, number>): Trained {
  return { family, knob: 0, decoder: decoderOf(phi, D, K), tensors: {}, numbers, info: {} };
}

/** W = Phi^T Phi and C = Phi^T x in float64. */
function gram(phi: Float32Array, D: number, K: number, x: Float32Array, n: number) {
  const W = Array.from({ length: K }, (_, i) =>
    Array.from({ length: K }, (_, j) => {
      let s = 0;
      for (let d = 0; d < D; d++) s += phi[d * K + i] * phi[d * K + j];
      return s;
    }),
  );
  const C = Array.from({ length: K }, (_, k) => {
    let s = 0;
    for (let d = 0; d < D; d++) s += phi[d * K + k] * x[n * D + d];
    return s;
  });
  return { W, C };
}

/** Solve A y = b (Gaussian elimination with partial pivoting, float64). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length,
    M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * y[k];
    y[r] = s / M[r][r];
  }
  return y;
}

/** The non-negative lasso min 1/2 |x - Phi a|^2 + lambda sum(a), a >= 0, by trying every active set (K small). */
function nnLasso(W: number[][], C: number[], lambda: number): number[] {
  const K = C.length;
  for (let mask = 0; mask < 1 << K; mask++) {
    const S = [...Array(K).keys()].filter((k) => mask & (1 << k));
    const aS = S.length
      ? solve(
          S.map((i) => S.map((j) => W[i][j])),
          S.map((i) => C[i] - lambda),
        )
      : [];
    if (aS.some((v) => !(v > 0))) continue;
    const a = new Array<number>(K).fill(0);
    S.forEach((k, i) => (a[k] = aS[i]));
    // KKT for the inactive ones: the correlation with the residual is at most lambda
    const ok = [...Array(K).keys()].every(
      (k) => S.includes(k) || C[k] - W[k].reduce((s, w, j) => s + w * a[j], 0) <= lambda + 1e-9,
    );
    if (ok) return a;
  }
  throw new Error('no active set satisfies the KKT conditions');
}

describe('compare families against references', () => {
  it('score: R^2, PZ and d by hand', () => {
    // D 2, K 2, Phi = I; x = (1, 3): mean 2, SST 2; z = (1, 0): x_hat = (1, 0), SSE 9 -> R^2 1 - 9/2
    const dec = decoderOf(Float32Array.of(1, 0, 0, 1), 2, 2);
    const s = score(Float32Array.of(1, 3, 2, 2), Float32Array.of(1, 0, 0, 0), 2, dec);
    const eps = 1.1920928955078125e-7;
    expect(s.r2PerInput[0]).toBeCloseTo(1 - 9 / (2 + eps), 12);
    expect(s.r2PerInput[1]).toBeCloseTo(1 - 8 / eps, 0); // a constant input: SST 0, guarded by eps
    expect(s.pz).toBe(3 / 4);
    expect(s.d).toBe(distance(s.r2, s.pz));
    expect(distance(0.827, 0.775)).toBeCloseTo(0.284, 3); // the paper's iP-VAE best d
  });

  it('LCA converges to the non-negative lasso solution (every active set tried)', () => {
    const D = 5,
      K = 4,
      N = 6;
    const { phi, X } = problem(D, K, N, 3);
    for (const lambda of [0.1, 0.5, 1.5]) {
      const m = trained('lca', phi, D, K, { lambda, h: 0 });
      const drive = new Drive(D, K, N);
      drive.setDecoder(m.decoder);
      m.numbers.h = lcaStep(drive.lmax);
      const c = runIterative(lcaRule, m, X, N, { steps: 4000, seed: 0 });
      for (let n = 0; n < N; n++) {
        const { W, C } = gram(phi, D, K, X, n);
        const a = nnLasso(W, C, lambda);
        for (let k = 0; k < K; k++) expect(c.Z[n * K + k]).toBeCloseTo(a[k], 4);
      }
    }
  });

  it('predictive coding converges to the ridge solution (W + lambda I)^-1 Phi^T x', () => {
    const D = 4,
      K = 6,
      N = 5;
    const { phi, X } = problem(D, K, N, 5);
    for (const lambda of [0.1, 1, 10]) {
      const m = trained('pc', phi, D, K, { lambda, h: 0 });
      const drive = new Drive(D, K, N);
      drive.setDecoder(m.decoder);
      m.numbers.h = 1 / (drive.lmax + lambda);
      const c = runIterative(pcRule, m, X, N, { steps: 20000, seed: 0 });
      for (let n = 0; n < N; n++) {
        const { W, C } = gram(phi, D, K, X, n);
        const r = solve(
          W.map((row, i) => row.map((w, j) => w + (i === j ? lambda : 0))),
          C,
        );
        for (let k = 0; k < K; k++) expect(c.Z[n * K + k]).toBeCloseTo(r[k], 3);
      }
    }
  });

  it('the keyed normals are Box-Muller pairs of the Threefry words, with mean 0 and variance 1', () => {
    const K = 10;
    const drive = new Drive(3, K, 1);
    const draw = makeDraw(drive, 7, 100);
    const got = Array.from(draw.normals(2, 5, 3));
    const want: number[] = [];
    for (let m = 0; m < K / 2; m++) {
      const w = threefry2x32(7, drawKey1(3, 5), m, 102);
      const u1 = (w[0] + 0.5) / 2 ** 32,
        u2 = (w[1] + 0.5) / 2 ** 32;
      const r = Math.sqrt(-2 * Math.log(u1));
      want.push(Math.fround(r * Math.cos(2 * Math.PI * u2)), Math.fround(r * Math.sin(2 * Math.PI * u2)));
    }
    for (let k = 0; k < K; k++) expect(got[k]).toBeCloseTo(want[k], 6);
    // moments over 20,000 draws
    const big = new Drive(2, 1000, 1),
      d2 = makeDraw(big, 1, 0);
    let s = 0,
      s2 = 0;
    for (let t = 0; t < 20; t++)
      for (const v of d2.normals(0, t, 1)) {
        s += v;
        s2 += v * v;
      }
    expect(Math.abs(s / 20000)).toBeLessThan(0.03); // 4 standard errors
    expect(Math.abs(s2 / 20000 - 1)).toBeLessThan(0.04);
  });

  it('one iG step and one iG_relu step equal the rule written out by hand', () => {
    const D = 3,
      K = 4;
    const { phi, X } = problem(D, K, 1, 9);
    const numbers = { b: 0.3, mu0: 0.2, xi0: -0.5, gain: 1.5, eta: 0.4 };
    for (const [rule, relu] of [
      [igRule, false],
      [igReluRule, true],
    ] as const) {
      const m = trained('ig', phi, D, K, numbers);
      const c = runIterative(rule, m, X, 1, { steps: 1, seed: 11 });
      // by hand: eps_1 at step 1, z = mu0 + sigma eps, e = act'(z) Phi^T (x - Phi act(z)); then mu, xi; eps_2 at step 2
      const drive = new Drive(D, K, 1);
      const e1 = Array.from(makeDraw(drive, 11, 0).normals(0, 1, 1));
      const e2 = Array.from(makeDraw(drive, 11, 0).normals(0, 2, 1));
      const sd0 = Math.exp(numbers.xi0);
      const z = e1.map((e) => numbers.mu0 + sd0 * e);
      const act = z.map((v) => (relu ? (v > 0 ? numbers.gain * v : 0) : v));
      const res = Array.from({ length: D }, (_, d) => X[d] - act.reduce((s, a, k) => s + phi[d * K + k] * a, 0));
      const tc = (y: number, cc: number) => cc * Math.tanh(y / cc);
      for (let k = 0; k < K; k++) {
        const g = res.reduce((s, r, d) => s + phi[d * K + k] * r, 0);
        const e = relu ? (z[k] > 0 ? numbers.gain * g : 0) : g;
        const mu = tc(numbers.mu0 + tc(numbers.eta * (sd0 * sd0 * e - numbers.b), 7), 7);
        const xi = tc(numbers.xi0 + tc(numbers.eta * 0.5 * e * e1[k] * sd0, 3), 2);
        const z2 = mu + Math.exp(xi) * e2[k];
        expect(c.Z[k]).toBeCloseTo(relu ? (z2 > 0 ? numbers.gain * z2 : 0) : z2, 5);
        expect(c.features[k]).toBeCloseTo(relu ? (mu > 0 ? numbers.gain * mu : 0) : mu, 5);
      }
    }
  });

  it("the iP-VAE family's codes score exactly evaluate()'s R^2 and PZ at t = T", async () => {
    const p = randomModel(12, 8, 0.3, 2, 0.1);
    const X = Float32Array.from({ length: 10 * 12 }, (_, i) => gauss(41, i));
    const m = trainedOf(p, 0.5);
    const c = await ipvae.infer(m, X, 10, { steps: 60, seed: 3, sampleOffset: 4 });
    const s = score(X, c.Z, 10, m.decoder);
    const r = await evaluate(p, X, 10, { steps: 60, seed: 3, sampleOffset: 4, record: [60] });
    expect(s.r2).toBeCloseTo(r.metrics[0].r2, 6);
    expect(s.pz).toBe(r.metrics[0].pz);
  });

  it('training repeated from its reported counts gives the same bytes (LCA, iG_relu)', async () => {
    const { X } = problem(16, 1, 300, 13);
    const data = { X, N: 300, D: 16, name: 'patches' };
    for (const f of [lca, igReluVae]) {
      const a = await f.train({ data, K: 8, seed: 2, budgetMs: 300, knob: 0.5 });
      expect(Number(a.info.iterations)).toBeGreaterThanOrEqual(3);
      const b = await f.train({ data, K: 8, seed: 2, budgetMs: 1e9, knob: 0.5, replay: a.info });
      expect(Buffer.from(b.decoder.phi.buffer).equals(Buffer.from(a.decoder.phi.buffer))).toBe(true);
      expect(b.info.iterations).toBe(a.info.iterations);
      // and the dictionary learned something: the training residual is below the data's variance (4)
      expect(Number(a.info.trainMse)).toBeLessThan(4);
    }
  });

  it('stat: the mean and the 95 % Student-t half-width, by hand', () => {
    expect(stat([1, 2, 3])).toEqual({ mean: 2, ci95: (4.303 * 1) / Math.sqrt(3), n: 3 });
    expect(stat([5])).toEqual({ mean: 5, ci95: 0, n: 1 });
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 2, maxLength: 20 }), (v) => {
        const s = stat(v);
        return s.ci95 >= 0 && s.mean >= Math.min(...v) - 1e-9 && s.mean <= Math.max(...v) + 1e-9;
      }),
    );
  });
});

describe('compare: runs, replay and the compare file', () => {
  let first: CompareResult;
  it('in this thread: every family x sweep value x seed, the best by d; a replay gives the same table', async () => {
    const o = {
      data: 'patches' as const,
      budgetMinutes: 0.01,
      seeds: [0, 1],
      families: ['lca', 'pc'],
      K: 8,
      evalInputs: 20,
      steps: 50,
      workers: 0,
    };
    first = await compare(o);
    expect(first.runs).toHaveLength(2 * 3 * 2);
    for (const f of first.families) {
      const at = first.runs.filter((r) => r.family === f.family && r.knob === f.bestKnob);
      expect(f.d.mean).toBeCloseTo((at[0].d + at[1].d) / 2, 12);
      // the best value has the lowest mean d of the family's sweep
      for (const v of new Set(first.runs.filter((r) => r.family === f.family).map((r) => r.knob))) {
        const other = first.runs.filter((r) => r.family === f.family && r.knob === v);
        expect(f.d.mean).toBeLessThanOrEqual((other[0].d + other[1].d) / 2 + 1e-12);
      }
    }
    expect(first.families.find((f) => f.family === 'pc')!.pz.mean).toBe(0);
    // the integer check: LCA has an integer path (8 bits by default), PC has none; patches have no probe
    const lcaF = first.families.find((f) => f.family === 'lca')!;
    expect(lcaF.integer!.bits).toBe(8);
    expect(lcaF.integer!.r2.n).toBe(2);
    expect(Math.abs(lcaF.integer!.r2.mean - lcaF.r2.mean)).toBeLessThan(0.1);
    expect(first.families.find((f) => f.family === 'pc')!.integer).toBeNull();
    expect(first.families.every((f) => f.probe === null)).toBe(true);
    // the trade-off plot spans PZ and R^2 from 0 to 1 on both axes (the ideal corner is drawn): 1.0 labels both
    expect(tradeOffSvg(first).match(/>1\.0<\/text>/g)).toHaveLength(2);
    const again = await compare({ ...o, replay: readCompare(compareJson(first), 'compare.json') });
    expect(again.runs.map((r) => [r.r2, r.pz, r.info.iterations])).toEqual(
      first.runs.map((r) => [r.r2, r.pz, r.info.iterations]),
    );
  });

  it('the analyse job: the probe is a probe fitted on the z-scored features, the integer check is integerScores', async () => {
    const tr = spreadData('mnist', 'train', 300);
    // spread over the split: the bundled digits are sorted by class, the spread subset has every digit
    expect(new Set(tr.labels).size).toBe(10);
    expect(Array.from(loadData('mnist', 'train').labels!.subarray(0, 300)).every((l) => l === 0)).toBe(true);
    const m = await lca.train({
      data: { X: tr.X, N: tr.N, D: tr.D, name: 'mnist' },
      K: 16,
      seed: 3,
      budgetMs: 1e9,
      knob: 0.05,
      replay: { iterations: 4 },
    });
    const job = {
      kind: 'analyse' as const,
      family: 'lca',
      trained: m,
      steps: 40,
      seed: 0,
      ood: ['mnist-inverted'],
      oodInputs: 10,
      data: 'mnist' as const,
      probeInputs: 300,
      probeTestInputs: 150,
      integerBits: 8,
      evalInputs: 12,
    };
    const r = await runAnalyseJob(job);
    // by hand: LCA's codes on both splits, standardised in float64 with the training split's mean and sd
    const te = spreadData('mnist', 'test', 150);
    const ftr = (await lca.infer(m, tr.X, tr.N, { steps: 40, seed: 0 })).features;
    const fte = (await lca.infer(m, te.X, te.N, { steps: 40, seed: 0 })).features;
    const K = 16;
    const z = (F: Float32Array, n: number) => {
      const out = new Float32Array(n * K);
      for (let k = 0; k < K; k++) {
        let mu = 0,
          v = 0;
        for (let i = 0; i < tr.N; i++) mu += ftr[i * K + k];
        mu /= tr.N;
        for (let i = 0; i < tr.N; i++) v += (ftr[i * K + k] - mu) ** 2;
        const sd = Math.sqrt(v / tr.N);
        for (let i = 0; i < n; i++) out[i * K + k] = sd > 1e-12 ? (F[i * K + k] - mu) / sd : 0;
      }
      return out;
    };
    const p = fitProbe(z(ftr, tr.N), tr.N, K, tr.labels!);
    expect(r.probe).toBeCloseTo(probeAccuracy(p, z(fte, 150), 150, te.labels!), 12);
    expect(r.probe!).toBeGreaterThan(0.3); // ten classes: chance is 0.1
    const ev = spreadData('mnist', 'test', 12);
    const ints = await integerScores('lca', m, ev.X, 12, { bits: 8, steps: 40, seed: 0 });
    expect(r.integer).toEqual({ r2: ints.r2, pz: ints.pz });
    expect(r.ood.map((o) => [o.data, o.inputs])).toEqual([['mnist-inverted', 10]]);
  });

  it('RunBudget: the deadline stops a loop after its timed iterations; a replay runs the recorded count of the recorded schedule', async () => {
    const ctx = (budgetMs: number, replay?: Record<string, number>) => ({
      data: { X: new Float32Array(4), N: 1, D: 4, name: 'patches' },
      K: 2,
      seed: 0,
      budgetMs,
      knob: 0,
      replay,
    });
    const late = new RunBudget(ctx(0), 1e9, performance.now() - 1);
    expect([late.runs(0, 3), late.runs(2, 3), late.runs(3, 3)]).toEqual([true, true, false]);
    const r = new RunBudget(ctx(0, { iterations: 5, schedule: 9 }));
    expect(r.total).toBe(9);
    expect([r.runs(4, 3), r.runs(5, 3)]).toEqual([true, false]);
    r.fit(100, 3); // a replay keeps its schedule
    expect(r.total).toBe(9);
    const info: Record<string, number> = {};
    r.record(info, 5);
    expect(info).toEqual({ iterations: 5, schedule: 9 });
    // LCA training: 6 iterations of a 10-iteration schedule are the same bytes twice, and not those of a 6-iteration one
    const { phi: _p, X } = problem(8, 6, 30, 11);
    const train = (replay: Record<string, number>) =>
      lca.train({ data: { X, N: 30, D: 8, name: 'patches' }, K: 6, seed: 2, budgetMs: 1e9, knob: 0.1, replay });
    const [a, b, c] = [
      await train({ iterations: 6, schedule: 10 }),
      await train({ iterations: 6, schedule: 10 }),
      await train({ iterations: 6 }),
    ];
    expect(Array.from(a.decoder.phi)).toEqual(Array.from(b.decoder.phi));
    expect(Array.from(a.decoder.phi)).not.toEqual(Array.from(c.decoder.phi));
    expect([a.info.iterations, a.info.schedule, c.info.schedule]).toEqual([6, 10, undefined]);
  });

  it('Draw.poissonRow (the WebAssembly sampler) gives exactly poissonDraw per neuron', () => {
    const K = 37,
      drive = new Drive(4, K, 2),
      draw = makeDraw(drive, 12345, 7),
      out = new Float32Array(K);
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -8, max: 6.5, noNaN: true }), { minLength: K, maxLength: K }),
        fc.integer({ min: 0, max: 1 << 20 }),
        (us, t) => {
          const u = Float32Array.from(us);
          draw.poissonRow(1, t, u, out);
          for (let k = 0; k < K; k++) expect(out[k]).toBe(poissonDraw(rateOf(u[k]), 12345, 8, k, t));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('readCompare: its own file round-trips; a wrong field is one line naming it', () => {
    const text = compareJson(first);
    expect(readCompare(text, 'c.json').runs).toEqual(first.runs);
    const j = JSON.parse(text);
    const cases: [unknown, RegExp][] = [
      [{ ...j, format: 'x' }, /c\.json: format is not "ipvae\.compare"/],
      [{ ...j, latents: 0 }, /latents is not an integer/],
      [{ ...j, runs: [{ ...j.runs[0], knob: 'a' }] }, /runs\[0\]\.knob is not a finite number/],
      [{ ...j, runs: [{ ...j.runs[0], info: { iterations: [1, 2] } }] }, /runs\[0\]\.info\.iterations is not a number/],
      [[1, 2], /c\.json: the file is not a JSON object/],
    ];
    for (const [v, re] of cases) {
      expect(() => readCompare(JSON.stringify(v), 'c.json')).toThrow(UserError);
      expect(() => readCompare(JSON.stringify(v), 'c.json')).toThrow(re);
    }
  });

  it('the CLI: bad input is one line and exit 2, nothing written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-compare-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format": "ipvae.compare", "version": 1, "data": "cats"}');
    for (const [args, re] of [
      [['--data', 'cifar'], /--data/],
      [[], /--data is required/],
      [['--data', 'patches', '--probe-inputs', '5'], /--probe-inputs: the linear probe needs labels/],
      [['--data', 'patches', '--ood', 'mnist-inverted'], /--ood: mnist-inverted does not have the 256 pixels/],
      [['--families', 'lca,vae9'], /no family "vae9"/],
      [['--budget', '-1'], /--budget/],
      [['--replay', bad], /bad\.json: data is not patches or mnist/],
      [['--plot', join(dir, 'p.png')], /\.svg/],
    ] as const) {
      const out = join(dir, 'c.json');
      const withData =
        args.length && !(args as readonly string[]).includes('--data') ? ['--data', 'patches', ...args] : args;
      const r = spawnSync(process.execPath, [BIN, 'compare', '--out', out, ...withData], {
        encoding: 'utf8',
        cwd: dir,
      });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      expect(existsSync(out)).toBe(false);
    }
  });
});
