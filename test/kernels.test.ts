import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { denseDecode, denseProject, eventAccumulate, runSampleJs, JsScratch, REC_FIELDS } from '../src/kernels/js.js';
import { instantiate } from '../src/kernels/wasm.js';
import { makeRunner } from '../src/kernels/runner.js';
import { prepare } from '../src/model/params.js';
import { referenceMetrics, referenceRun } from '../src/model/reference.js';
import { randomModel, teacherData } from './helpers.js';

const f32arr = (n: number) =>
  fc
    .array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n })
    .map((a) => Float32Array.from(a));

function close(a: ArrayLike<number>, b: ArrayLike<number>, scale: ArrayLike<number>, rel: number): boolean {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > rel * (1 + scale[i])) return false;
  return true;
}

describe('dense and event-driven products agree with a float64 reference', () => {
  const dims = fc.record({ K: fc.integer({ min: 1, max: 37 }), D: fc.integer({ min: 1, max: 29 }) });
  it('Phi z (dense decode): JavaScript and WebAssembly', () => {
    fc.assert(
      fc.property(
        dims.chain(({ K, D }) => fc.tuple(fc.constant(K), fc.constant(D), f32arr(K * D), f32arr(K))),
        ([K, D, phiT, z]) => {
          const ref = new Float64Array(D),
            mag = new Float64Array(D);
          for (let d = 0; d < D; d++)
            for (let k = 0; k < K; k++) {
              ref[d] += z[k] * phiT[k * D + d];
              mag[d] += Math.abs(z[k] * phiT[k * D + d]);
            }
          const js = new Float32Array(D);
          denseDecode(phiT, K, D, z, js);
          const w = instantiate();
          const pP = w.putF32(phiT),
            pZ = w.putF32(z),
            pO = w.alloc(D * 4);
          w.x.denseDecode(pP, K, D, pZ, pO);
          return close(js, ref, mag, 1e-6) && close(w.f32(pO, D), ref, mag, 1e-6);
        },
      ),
      { numRuns: 60 },
    );
  });
  it('Phi^T e (dense projection): JavaScript and WebAssembly', () => {
    fc.assert(
      fc.property(
        dims.chain(({ K, D }) => fc.tuple(fc.constant(K), fc.constant(D), f32arr(K * D), f32arr(D))),
        ([K, D, rows, v]) => {
          const ref = new Float64Array(K),
            mag = new Float64Array(K);
          for (let k = 0; k < K; k++)
            for (let d = 0; d < D; d++) {
              ref[k] += rows[k * D + d] * v[d];
              mag[k] += Math.abs(rows[k * D + d] * v[d]);
            }
          const js = new Float32Array(K);
          denseProject(rows, K, D, v, js);
          const w = instantiate();
          const pR = w.putF32(rows),
            pV = w.putF32(v),
            pO = w.alloc(K * 4);
          w.x.denseProject(pR, K, D, pV, pO);
          return close(js, ref, mag, 1e-6) && close(w.f32(pO, K), ref, mag, 1e-6);
        },
      ),
      { numRuns: 60 },
    );
  });
  it('sum over spiking neurons of count x row (event-driven): JavaScript and WebAssembly', () => {
    const arb = fc
      .record({ K: fc.integer({ min: 1, max: 40 }), W: fc.integer({ min: 1, max: 33 }) })
      .chain(({ K, W }) =>
        fc.tuple(
          fc.constant(K),
          fc.constant(W),
          f32arr(K * W),
          fc.uniqueArray(fc.integer({ min: 0, max: K - 1 }), { maxLength: K }),
          fc.array(fc.integer({ min: 1, max: 9 }), { minLength: K, maxLength: K }),
        ),
      );
    fc.assert(
      fc.property(arb, ([_K, W, rows, idx, cnt]) => {
        const n = idx.length;
        const active = Int32Array.from(idx),
          counts = Int32Array.from(cnt.slice(0, n));
        const ref = new Float64Array(W),
          mag = new Float64Array(W);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < W; j++) {
            ref[j] += counts[i] * rows[active[i] * W + j];
            mag[j] += Math.abs(counts[i] * rows[active[i] * W + j]);
          }
        const js = new Float32Array(W);
        eventAccumulate(rows, W, active, counts, n, js);
        const w = instantiate();
        const pR = w.putF32(rows),
          pA = w.putI32(active.length ? active : new Int32Array(1)),
          pC = w.putI32(counts.length ? counts : new Int32Array(1));
        const pO = w.alloc(W * 4);
        w.x.eventAccumulate(pR, W, pA, pC, n, pO);
        return close(js, ref, mag, 1e-6) && close(w.f32(pO, W), ref, mag, 1e-6);
      }),
      { numRuns: 80 },
    );
  });
});

describe('whole inference runs agree with the float64 reference', () => {
  const D = 23,
    K = 37,
    T = 40;
  const p = randomModel(D, K, 0.35, 3);
  const X = teacherData(p, 4, 0.4, 0.05);
  const rec = Int32Array.from({ length: T + 1 }, (_, t) => t);
  const refs: { r2: number; r2_map: number; pz: number; mse: number; duNorm: number }[][] = [];
  for (let n = 0; n < 4; n++) {
    const rows: (typeof refs)[number] = [];
    referenceRun(p, X.subarray(n * D, (n + 1) * D), 5, n, T, 10, (s) => {
      rows.push({ ...referenceMetrics(p, X.subarray(n * D, (n + 1) * D), s.u, s.z), duNorm: s.duNorm });
    });
    refs.push(rows);
  }
  for (const backend of ['js', 'wasm'] as const) {
    for (const mode of ['dense', 'event'] as const) {
      it(`${backend} ${mode}: every step's R^2, r2_map, PZ, MSE and du_norm`, () => {
        const prep = prepare(p, true);
        const runner = makeRunner(prep, { backend, mode, seed: 5, steps: T, clamp: 10, recSteps: rec });
        const out = new Float64Array(4 * rec.length * REC_FIELDS);
        runner.run(X, 0, 4, out);
        for (let n = 0; n < 4; n++) {
          for (let t = 0; t <= T; t++) {
            const o = (n * rec.length + t) * REC_FIELDS;
            const r = refs[n][t];
            expect(out[o + 2]).toBe(r.pz); // same counts
            expect(Math.abs(out[o + 3] - r.mse)).toBeLessThan(1e-4 * (1 + r.mse));
            expect(
              Math.abs(out[o] - r.r2),
              `n=${n} t=${t} got ${out[o]} want ${r.r2} mse ${out[o + 3]} vs ${r.mse}`,
            ).toBeLessThan(1e-4 * (1 + Math.abs(r.r2)));
            expect(Math.abs(out[o + 1] - r.r2_map)).toBeLessThan(1e-3 * (1 + Math.abs(r.r2_map)));
            expect(Math.abs(out[o + 4] - r.duNorm)).toBeLessThan(1e-3 * (1 + r.duNorm));
          }
        }
      });
    }
  }
  it('runSampleJs reports the sample drawn at step t (t = 0 is the prior draw)', () => {
    const prep = prepare(p, true);
    const s = new JsScratch(D, K);
    const out = new Float64Array(REC_FIELDS);
    runSampleJs(prep, 'event', X, 0, 0, 5, 0, 10, Int32Array.of(0), out, 0, s);
    expect(out[2]).toBe(refs[0][0].pz);
    expect(out[4]).toBe(0);
  });
});
