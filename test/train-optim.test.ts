import { describe, expect, it } from 'vitest';
import { Adamax, clipGradNorm } from '../src/train/optim.js';
import { scheduleAt } from '../src/train/schedule.js';

describe('Adamax with L2 weight decay', () => {
  it('matches a hand computation over three steps', () => {
    const th = Float64Array.of(1, -2);
    const opt = new Adamax([2], { weightDecay: 0.1 });
    const grads = [
      [0.5, 0.25],
      [-1, 0.5],
      [0.2, -0.3],
    ];
    // hand-rolled reference, torch.optim.Adamax semantics
    const ref = [1, -2],
      m = [0, 0],
      u = [0, 0];
    grads.forEach((g, s) => {
      opt.update([th], [Float64Array.from(g)], 0.01);
      for (let j = 0; j < 2; j++) {
        const gj = g[j] + 0.1 * ref[j];
        m[j] = 0.9 * m[j] + 0.1 * gj;
        u[j] = Math.max(0.999 * u[j], Math.abs(gj) + 1e-8);
        ref[j] -= ((0.01 / (1 - 0.9 ** (s + 1))) * m[j]) / u[j];
      }
      expect(th[0]).toBeCloseTo(ref[0], 14);
      expect(th[1]).toBeCloseTo(ref[1], 14);
    });
    // the first step moves each parameter by exactly lr against the sign of its (decayed) gradient
    const t2 = Float64Array.of(3);
    new Adamax([1], { weightDecay: 0 }).update([t2], [Float64Array.of(-7)], 0.05);
    expect(t2[0]).toBeCloseTo(3.05, 6);
  });
  it('clips the global gradient norm', () => {
    const a = Float64Array.of(3, 0),
      b = Float64Array.of(4);
    expect(clipGradNorm([a, b], 1)).toBeCloseTo(5, 12);
    expect(Math.hypot(a[0], a[1], b[0])).toBeCloseTo(1, 5);
    const c = Float64Array.of(0.3);
    clipGradNorm([c], 1);
    expect(c[0]).toBe(0.3);
  });
});

describe('schedules (model-spec section 3)', () => {
  const cfg = { iterations: 10000, lr: 5e-3, beta: 24, clip: 300 };
  it('learning rate: warm-up over 0.5 %, cosine to 1e-5', () => {
    expect(scheduleAt(0, cfg).lr).toBeCloseTo(5e-3 / 50, 12);
    expect(scheduleAt(49, cfg).lr).toBeCloseTo(5e-3, 12);
    expect(scheduleAt(50, cfg).lr).toBeCloseTo(5e-3, 12);
    expect(scheduleAt(9999, cfg).lr).toBeCloseTo(1e-5, 12);
    const mid = 50 + (9999 - 50) / 2;
    expect(scheduleAt(mid, cfg).lr).toBeCloseTo((5e-3 + 1e-5) / 2, 9);
  });
  it('beta and clamp: hold 0.1 %, ramp over 10 %, then constant', () => {
    expect(scheduleAt(5, cfg).beta).toBe(1e-4);
    expect(scheduleAt(5, cfg).clamp).toBe(2);
    expect(scheduleAt(10 + 500, cfg).beta).toBeCloseTo(1e-4 + (24 - 1e-4) / 2, 9);
    expect(scheduleAt(10 + 500, cfg).clamp).toBeCloseTo(6, 12);
    expect(scheduleAt(1010, cfg).beta).toBe(24);
    expect(scheduleAt(9000, cfg).clamp).toBe(10);
  });
  it('tau: 1 -> 0.01 over the first half, then 0.01', () => {
    expect(scheduleAt(0, cfg).tau).toBe(1);
    expect(scheduleAt(2500, cfg).tau).toBeCloseTo(0.505, 12);
    expect(scheduleAt(5000, cfg).tau).toBe(0.01);
    expect(scheduleAt(9999, cfg).tau).toBe(0.01);
  });
  it('clip is 3x during warm-up', () => {
    expect(scheduleAt(10, cfg).clip).toBe(900);
    expect(scheduleAt(60, cfg).clip).toBe(300);
  });
});
