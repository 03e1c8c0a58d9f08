import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
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
  it('ipvae demo runs on the bundled patches and model', () => {
    const r = spawnSync(
      process.execPath,
      [join(__dirname, '..', 'bin', 'ipvae.js'), 'demo', '--samples', '20', '--steps', '200', '--json'],
      { encoding: 'utf8', env: { ...process.env, IPVAE_CACHE: join(__dirname, '..', '.cache', 'test') } },
    );
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.data).toBe('patches');
    expect(j.samples).toBe(20);
    expect(j.metrics.at(-1).t).toBe(200);
    expect(j.metrics.at(-1).r2).toBeGreaterThan(0.6);
  });
});
