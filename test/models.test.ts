import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { bestModel } from '../src/cli/models.js';
import { loadModel } from '../src/io/safetensors.js';
import { loadData } from '../src/data/datasets.js';
import { evaluate } from '../src/model/evaluate.js';
import { parameterCount } from '../src/model/params.js';

describe('bundled models on held-out data (1000 hard-Poisson steps)', () => {
  it('patches: reconstructs and grows sparse from a dense first sweep (R^2 > 0.75, PZ > 0.8), improving past T_train = 64', async () => {
    const m = loadModel(bestModel('patches').path);
    expect([m.D, m.K]).toEqual([256, 512]);
    const data = loadData('patches', 'test');
    const r = await evaluate(m, data.X, 60, { steps: 1000, seed: 0, workers: 2 });
    const at = (t: number) => r.metrics.find((x) => x.t === t)!;
    expect(at(1000).r2).toBeGreaterThan(0.75);
    expect(at(1000).r2_map).toBeGreaterThan(at(1000).r2);
    expect(at(1000).pz).toBeGreaterThan(0.8);
    expect(at(1).pz).toBeLessThan(0.5); // dense first sweep
    expect(at(1000).pz).toBeGreaterThan(at(64).pz);
    expect(at(1000).r2).toBeGreaterThan(at(64).r2);
    expect(at(1000).du_norm).toBeLessThan(at(16).du_norm);
  });
  it('MNIST: reconstructs held-out digits (R^2 > 0.75, PZ > 0.8)', async () => {
    const m = loadModel(bestModel('mnist').path);
    expect(parameterCount(m.D, m.K)).toBe(403217);
    const data = loadData('mnist', 'test');
    const r = await evaluate(m, data.X, 40, { steps: 1000, seed: 0, workers: 2 });
    const last = r.metrics.at(-1)!;
    expect(last.r2).toBeGreaterThan(0.75);
    expect(last.pz).toBeGreaterThan(0.8);
  });
  it('ipvae demo runs the whole path on the bundled patches and model and writes report.html and report.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-demo-'));
    try {
      const r = spawnSync(
        process.execPath,
        [
          join(__dirname, '..', 'bin', 'ipvae.js'),
          'demo',
          '--samples',
          '10',
          '--steps',
          '200',
          '--out',
          join(dir, 'r.html'),
          '--json',
        ],
        { encoding: 'utf8', env: { ...process.env, IPVAE_CACHE: join(__dirname, '..', '.cache', 'test') } },
      );
      expect(r.status, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect([j.data, j.samples, j.steps, j.profile]).toEqual(['patches', 10, 200, 'loihi2']);
      expect(j.float_r2).toBeGreaterThan(0.6);
      expect(Math.abs(j.int_r2 - j.float_r2)).toBeLessThan(0.05); // 8-bit integer inference tracks the float model
      expect(j.validation.map((v: { bits: number }) => v.bits)).toEqual([6, 7, 8, 10, 12]);
      // loihi2 prices only its synapses (Hala Point's system figure); the rest is listed, not zero
      expect(j.energy_per_inference_pj).toBeGreaterThan(0);
      expect(j.not_priced).toContain('soma_access');
      expect(j.profiles.map((p: { name: string }) => p.name)).toEqual([
        'loihi1',
        'loihi2',
        'truenorth',
        'spinnaker2',
        'generic',
      ]);
      const html = readFileSync(join(dir, 'r.html'), 'utf8');
      expect(html).toMatch(/^<!doctype html>/i);
      const rep = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      expect(rep.energy.total_pj).toBeCloseTo(j.energy_per_inference_pj, 6);
      expect(rep.budget.t.at(-1)).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
