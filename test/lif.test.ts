import { describe, expect, it } from 'vitest';
import { lifConst, lifStep, type LifArrays, type LifMode } from '../src/sim/models/lif.js';
import { satCounter } from '../src/fixed/q.js';

/** Run one neuron for `steps` steps with input a_in at step 1 only (Lava's tests' protocol). */
function run(
  pr: { du?: number; dv?: number; vth: number; bm?: number; be?: number },
  aIn: number,
  steps: number,
  mode: LifMode = 'saturate',
) {
  const p: LifArrays = {
    du: Int32Array.of(pr.du ?? 0),
    dv: Int32Array.of(pr.dv ?? 0),
    vth: Int32Array.of(pr.vth),
    biasMant: Int32Array.of(pr.bm ?? 0),
    biasExp: Int32Array.of(pr.be ?? 0),
  };
  const u = new Int32Array(1),
    v = new Int32Array(1),
    s = new Int32Array(1),
    c = satCounter();
  const us: number[] = [],
    vs: number[] = [],
    spikes: number[] = [];
  for (let t = 1; t <= steps; t++) {
    lifStep(1, u, v, Float64Array.of(t === 1 ? aIn : 0), lifConst(p, mode), c, s);
    us.push(u[0]);
    vs.push(v[0]);
    if (s[0]) spikes.push(t);
  }
  return { us, vs, spikes, sat: c[0] };
}

describe('Loihi fixed-point LIF: the four Lava golden vectors (hardware-spec section 2)', () => {
  it('du = 2047: the current halves each step', () => {
    expect(run({ du: 2047, dv: 0, vth: 256 }, 128, 8).us).toEqual([8192, 4096, 2048, 1024, 512, 256, 128, 64]);
  });
  it('dv = 2048: the voltage integrates the slowly decaying current', () => {
    expect(run({ du: 0, dv: 2048, vth: 256 }, 128, 8).vs).toEqual([
      8192, 12286, 14331, 15351, 15859, 16111, 16235, 16295,
    ]);
  });
  it('bias 2 << 6, vth 8: spikes at steps 5 and 10', () => {
    expect(run({ vth: 8, bm: 2, be: 6 }, 0, 10).spikes).toEqual([5, 10]);
  });
  it('bias 4095 << 5: v = 4095 * 32 after one step', () => {
    expect(run({ vth: 2 ** 17, bm: 4095, be: 5 }, 0, 1).vs).toEqual([4095 * 32]);
  });
});

describe('24-bit current register', () => {
  it("saturates and counts by default; wraps only in lava-wrap mode, with Lava's -2^23 quirk", () => {
    const big = 2 ** 17 + 5; // << 6 = 2^23 + 320
    const s = run({ du: 4095, vth: 2 ** 20 }, big, 1);
    expect(s.us[0]).toBe(2 ** 23 - 1);
    expect(s.sat).toBe(1);
    const w = run({ du: 4095, vth: 2 ** 20 }, big, 1, 'lava-wrap');
    expect(w.us[0]).toBe(2 ** 23 + 320 - 2 ** 24);
    expect(run({ du: 4095, vth: 2 ** 20 }, -(2 ** 17), 1, 'lava-wrap').us[0]).toBe(2 ** 23);
    expect(run({ du: 4095, vth: 2 ** 20 }, -(2 ** 17), 1).us[0]).toBe(-(2 ** 23));
  });
});
