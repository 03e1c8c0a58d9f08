/**
 * The iP-VAE's portable NIR surrogate (export --format nir --model M --portable): its graph by hand, its run
 * against ipvae's float64 reference of the written file, its stationary rates against the iP-VAE's stationary
 * condition solved by hand, and the measured reconstruction on held-out patches.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nirPortable } from '../src/export/nir.js';
import { readNir, writeNir } from '../src/nir/file.js';
import type { NirNode, NirTensor } from '../src/nir/ir.js';
import { planNir, simulateNirFloat } from '../src/frontends/nir.js';
import { runPortable, skeletonOf } from '../src/model/portable.js';
import type { IpVaeParams } from '../src/model/params.js';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'ipvae.js');
const run = (...a: string[]) => spawnSync(process.execPath, [CLI, ...a], { encoding: 'utf8' });

// D = 3 pixels, K = 2 latents, sigma = 1 (s = 0), b = (1/4, 1/8), eta = 1/2
const tiny: IpVaeParams = {
  D: 3,
  K: 2,
  phi: Float32Array.from([1, 0.5, 0, 1, -0.5, 0.25]), // [D, K]: atoms (1, 0, -0.5) and (0.5, 1, 0.25)
  s: new Float32Array(3),
  logBias: Float32Array.from([Math.log(0.25), Math.log(0.125)]),
  logLr: Math.log(0.5),
  u0: new Float32Array(2),
};
const b = Array.from(tiny.logBias, (l) => Math.exp(l));
const eta = Math.exp(tiny.logLr);
// W_rec = Phi^T Phi by hand: 1 + 0.25 = 1.25; 0.5 - 0.125 = 0.375; 0.25 + 1 + 0.0625 = 1.3125
const WREC = [1.25, 0.375, 0.375, 1.3125];

describe('the portable surrogate as NIR', () => {
  it('IF z, Affine (W_ff = Phi^T, -b), Linear -count W_rec fed back, Linear count Phi out (by hand)', () => {
    const g = nirPortable(tiny, { dt: 1e-3, count: 4 });
    const n = (k: string) => g.nodes.get(k) as NirNode;
    expect([...g.nodes].map(([k, v]) => [k, v.type])).toEqual([
      ['x', 'Input'],
      ['W_ff', 'Affine'],
      ['z', 'IF'],
      ['W_rec', 'Linear'],
      ['Phi', 'Linear'],
      ['xhat', 'Output'],
    ]);
    expect(g.edges).toContainEqual(['W_rec', 'z']);
    const arr = (k: string, p: string) => Array.from((n(k).params[p] as NirTensor).data);
    expect(arr('W_ff', 'weight')).toEqual([1, 0, -0.5, 0.5, 1, 0.25]);
    arr('W_ff', 'bias').forEach((x, i) => expect(x).toBeCloseTo(-b[i], 7));
    expect(arr('W_rec', 'weight')).toEqual(WREC.map((w) => -4 * w));
    expect(arr('Phi', 'weight')).toEqual([4, 2, 0, 4, -2, 1]);
    arr('z', 'r').forEach((x) => expect(x).toBeCloseTo(eta / 1e-3, 6));
    // theta_k = 0.01 eta count W_rec[k, k]
    arr('z', 'v_threshold').forEach((x, k) => expect(x).toBeCloseTo(0.01 * eta * 4 * WREC[3 * k], 12));
    expect(arr('z', 'v_reset')).toEqual([0, 0]);
  });

  it("spike for spike what ipvae's float64 reference of the written file does (one step of latency)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-portable-'));
    try {
      const f = join(dir, 'p.nir');
      await writeNir(f, nirPortable(tiny, { dt: 1e-3, count: 4 }));
      const g = (await readNir(f)).graph;
      const x = [2, 1, -0.5],
        T = 300;
      // ipvae's import adds a step per edge: the input reaches z one step late, the bias from the first step
      const sim = simulateNirFloat(planNir(g, f, { dt: 1e-3 }), { x: Array.from({ length: T }, () => x) }).get('z')!;
      const direct: number[][] = [];
      runPortable(
        skeletonOf(tiny),
        (t) => (t === 0 ? [0, 0, 0] : x),
        T,
        { count: 4 },
        0,
        (_t, fired, nf) => direct.push([0, 1].map((k) => (Array.from(fired.subarray(0, nf)).includes(k) ? 1 : 0))),
      );
      const fromSim = Array.from({ length: T }, (_, t) => [sim[2 * t], sim[2 * t + 1]]);
      expect(fromSim).toEqual(direct);
      expect(direct.flat().filter((s) => s).length).toBeGreaterThan(100); // both latents fire throughout
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("its stationary counts solve the iP-VAE's condition W_rec lambda = W_ff x - b (plus theta's term)", () => {
    const x = [2, 1, -0.5];
    // r = W_ff x - b by hand: 2 + 0.25 - 0.25 = 2; 1 + 1 - 0.125 - 0.125 = 1.75
    const r = [2, 1.75];
    // the resets add theta rho = 0.01 count W_kk rho (in units of eta) to the diagonal: (W_rec + 0.01 diag) lambda = r
    const solve = (a: number, bb: number, c: number, d: number) => {
      const det = a * d - bb * c;
      return [(d * r[0] - bb * r[1]) / det, (a * r[1] - c * r[0]) / det];
    };
    const lambda = solve(WREC[0] * 1.01, WREC[1], WREC[2], WREC[3] * 1.01);
    const T = 400000;
    for (const [count, tol] of [
      [1024, 0.003],
      [64, 0.05],
    ]) {
      const c = runPortable(skeletonOf(tiny), () => x, T, { count }, T / 2);
      const rate = Array.from(c, (q) => (count * q) / (T / 2));
      rate.forEach((l, k) => expect(Math.abs(l / lambda[k] - 1)).toBeLessThan(tol));
    }
    // and without theta's term the iP-VAE's own rates, 1.3125 and 0.9583, are within 1.2 %
    expect(solve(...(WREC as [number, number, number, number]))[0]).toBeCloseTo(1.3125, 10);
  });
});

describe('export --portable on the bundled patch model', () => {
  it('measures the surrogate against the model on held-out patches and writes the file; bad options: one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-portable-cli-'));
    try {
      const f = join(dir, 'p.nir');
      const model = join(ROOT, 'models', 'patches-k512.safetensors');
      const r = run('export', '--format', 'nir', '--model', model, '--portable', '32', '--data', 'patches');
      expect(r.status).toBe(2); // --out is required
      const ok = run(
        'export',
        '--format',
        'nir',
        '--model',
        model,
        '--portable',
        '32',
        '--data',
        'patches',
        '--samples',
        '16',
        '--steps',
        '400',
        '--out',
        f,
      );
      expect(ok.status).toBe(0);
      const num = (label: RegExp) => Number(ok.stdout.match(label)![1]);
      const modelRates = num(/rates at t = T \(Phi exp\(u\)\)\s+([-\d.]+)/);
      const surrogate = num(/surrogate, count 32, rate-decoded\s+([-\d.]+)/);
      // the surrogate reconstructs about as well as the model's rates (measured: within 0.05 on 100 x 1000)
      expect(Math.abs(surrogate - modelRates)).toBeLessThan(0.08);
      expect(num(/vs the model's Phi exp\(u_T\): R\^2 ([\d.]+)/)).toBeGreaterThan(0.9);
      expect(existsSync(f)).toBe(true);
      const bad = run('export', '--format', 'nir', '--model', model, '--portable', 'many', '--out', join(dir, 'q.nir'));
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(dir, 'q.nir'))).toBe(false);
      const noModel = run('export', '--format', 'nir', '--net', 'n.json', '--portable', '--out', join(dir, 'q.nir'));
      expect(noModel.stderr).toMatch(/^ipvae: .*--portable: give --model/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
