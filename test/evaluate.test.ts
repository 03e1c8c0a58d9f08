import { describe, expect, it } from 'vitest';
import { evaluate, recordSteps } from '../src/model/evaluate.js';
import { REC_FIELDS } from '../src/kernels/js.js';
import { referenceRun } from '../src/model/reference.js';
import { randomModel, teacherData } from './helpers.js';

describe('evaluation protocol', () => {
  it('records t = 1, 2, 4, ..., 512 and 1000', () => {
    expect(recordSteps(1000)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]);
    expect(recordSteps(16)).toEqual([1, 2, 4, 8, 16]);
  });

  const D = 36,
    K = 80,
    N = 9;
  const p = randomModel(D, K, 0.25, 6, 0.05);
  const X = teacherData(p, N, 0.3, 0.05);

  for (const backend of ['js', 'wasm'] as const) {
    it(`${backend}: 1 and 2 worker threads give bit-identical per-sample results`, async () => {
      const a = await evaluate(p, X, N, { steps: 64, seed: 7, backend, mode: 'event', workers: 1 });
      const b = await evaluate(p, X, N, { steps: 64, seed: 7, backend, mode: 'event', workers: 2 });
      expect(b.workers).toBe(2);
      expect(Buffer.from(b.perSample.buffer).equals(Buffer.from(a.perSample.buffer))).toBe(true);
      expect(b.metrics).toEqual(a.metrics);
    });
  }

  it('returns the final membranes u_T: equal for 1 and 2 workers, and equal to the float64 reference', async () => {
    const T = 20;
    const a = await evaluate(p, X, N, { steps: T, seed: 2, backend: 'wasm', workers: 1, keepFinalU: true });
    const b = await evaluate(p, X, N, { steps: T, seed: 2, backend: 'wasm', workers: 2, keepFinalU: true });
    expect(Array.from(b.finalU!)).toEqual(Array.from(a.finalU!));
    for (let n = 0; n < 3; n++) {
      const uRef = referenceRun(p, X.subarray(n * D, (n + 1) * D), 2, n, T, 10, () => {});
      for (let k = 0; k < K; k++)
        expect(Math.abs(a.finalU![n * K + k] - uRef[k])).toBeLessThan(1e-4 * (1 + Math.abs(uRef[k])));
    }
  });

  it("a sample's result depends on its index, not on the batch it is run in", async () => {
    const all = await evaluate(p, X, N, { steps: 32, seed: 3, backend: 'wasm' });
    const part = await evaluate(p, X.subarray(4 * D), N - 4, { steps: 32, seed: 3, backend: 'wasm', sampleOffset: 4 });
    const per = recordSteps(32).length * REC_FIELDS;
    expect(Array.from(part.perSample)).toEqual(Array.from(all.perSample.subarray(4 * per)));
  });

  it('the same seed gives the same bytes; another seed gives other draws', async () => {
    const a = await evaluate(p, X, N, { steps: 32, seed: 3, backend: 'wasm' });
    const b = await evaluate(p, X, N, { steps: 32, seed: 3, backend: 'wasm' });
    const c = await evaluate(p, X, N, { steps: 32, seed: 4, backend: 'wasm' });
    expect(Buffer.from(a.perSample.buffer).equals(Buffer.from(b.perSample.buffer))).toBe(true);
    expect(Buffer.from(a.perSample.buffer).equals(Buffer.from(c.perSample.buffer))).toBe(false);
  });

  it('event-driven and dense forms, JavaScript and WebAssembly, agree statistically at t = T', async () => {
    const N2 = 40;
    const X2 = teacherData(p, N2, 0.3, 0.05);
    const runs = [];
    for (const backend of ['js', 'wasm'] as const) {
      for (const mode of ['event', 'dense'] as const) {
        runs.push((await evaluate(p, X2, N2, { steps: 300, seed: 11, backend, mode })).metrics.at(-1)!);
      }
    }
    for (const r of runs) {
      expect(r.r2_map).toBeGreaterThan(0.8); // the teacher data is well explained by the rates
      expect(r.r2).toBeGreaterThan(0.1); // and, through one Poisson sample, better than the mean
      expect(Math.abs(r.r2 - runs[0].r2)).toBeLessThan(0.03);
      expect(Math.abs(r.pz - runs[0].pz)).toBeLessThan(0.03);
      expect(Math.abs(r.r2_map - runs[0].r2_map)).toBeLessThan(0.03);
    }
  });
});
