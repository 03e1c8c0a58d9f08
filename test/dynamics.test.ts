import { describe, expect, it } from 'vitest';
import { referenceRun } from '../src/model/reference.js';
import { initParams, prepare } from '../src/model/params.js';
import { makeRunner } from '../src/kernels/runner.js';
import { REC_FIELDS } from '../src/kernels/js.js';
import { evaluate } from '../src/model/evaluate.js';
import { softclamp } from '../src/model/math.js';
import { randomModel } from './helpers.js';

/** phi = 1, sigma = 1, b = 0.05, eta given, one neuron. */
function oneNeuron(eta: number) {
  const p = initParams(1, 1, 0);
  p.phi[0] = 1;
  p.logBias[0] = Math.fround(Math.log(0.05));
  p.logLr = Math.fround(Math.log(eta));
  p.u0[0] = 0;
  return p;
}

describe('one-neuron fixed point (model-spec section 2)', () => {
  for (const eta of [0.01, 0.03, 0.05]) {
    it(`eta ${eta}: the mean spike count converges to lambda* = (phi x - sigma^2 b) / phi^2 = 4.95 within 1 %`, () => {
      const p = oneNeuron(eta);
      let sum = 0,
        n = 0;
      referenceRun(p, [5], 1, 0, 3000, 10, (s) => {
        if (s.t >= 1000) {
          sum += s.z[0];
          n++;
        }
      });
      const mean = sum / n;
      expect(Math.abs(mean - 4.95) / 4.95).toBeLessThan(0.01);
    });
  }
  it('the kernels reach the same fixed point: mean count over steps ~ 4.95 (both backends, both modes)', () => {
    const p = oneNeuron(0.03);
    const prep = prepare(p, true);
    const X = Float32Array.of(5);
    const T = 3000;
    const rec = Int32Array.from({ length: T - 999 }, (_, i) => 1000 + i);
    for (const backend of ['js', 'wasm'] as const) {
      for (const mode of ['event', 'dense'] as const) {
        const out = new Float64Array(rec.length * REC_FIELDS);
        makeRunner(prep, { backend, mode, seed: 2, steps: T, clamp: 10, recSteps: rec }).run(X, 0, 1, out);
        let z = 0;
        for (let r = 0; r < rec.length; r++) z += out[r * REC_FIELDS + 5];
        z /= rec.length;
        expect(Math.abs(z - 4.95) / 4.95).toBeLessThan(0.01);
      }
    }
  });
});

describe('zero input', () => {
  it('u falls by at least eta*b per step down to the floor -8 (one neuron)', () => {
    const eta = 0.5,
      b = 0.05;
    const p = oneNeuron(eta);
    p.u0[0] = -1;
    let prev = NaN;
    const floor = softclamp(-8, 10);
    referenceRun(p, [0], 3, 0, 400, 10, (s) => {
      const u = s.u[0];
      if (s.t > 0) {
        if (prev > floor + 1e-9) expect(u).toBeLessThanOrEqual(Math.max(prev - eta * b + 1e-12, floor));
        else expect(u).toBeCloseTo(floor, 9);
      }
      prev = u;
    });
    expect(prev).toBeCloseTo(floor, 9);
  });
  it('the fraction of zero counts goes to 1 (K = 64, both backends)', async () => {
    const p = randomModel(16, 64, 0.3, 4, 0.02);
    for (let k = 0; k < 64; k++) {
      p.u0[k] = 1.5;
      p.logBias[k] = 0;
    } // start dense; b = 1, eta b = 0.02 per step
    const X = new Float32Array(16 * 3);
    for (const backend of ['js', 'wasm'] as const) {
      const r = await evaluate(p, X, 3, {
        steps: 1000,
        seed: 1,
        backend,
        mode: 'event',
        record: [0, 1, 10, 100, 1000],
      });
      expect(r.metrics[0].pz).toBeLessThan(0.5);
      expect(r.metrics[r.metrics.length - 1].pz).toBe(1);
    }
  });
});
