import { describe, expect, it } from 'vitest';
import { Trainer, DEFAULT_TRAIN, type TrainOptions } from '../src/train/trainer.js';
import { decodeModel } from '../src/io/safetensors.js';
import { randomModel, teacherData } from './helpers.js';

const D = 12,
  N = 60;
const teacher = randomModel(D, 6, 0.4, 21);
const X = teacherData(teacher, N, 0.5, 0.05);
const opts = (o: Partial<TrainOptions> = {}): TrainOptions => ({
  ...DEFAULT_TRAIN,
  K: 8,
  tTrain: 3,
  beta: 0.5,
  epochs: 8,
  batch: 10,
  lr: 1e-2,
  clip: 100,
  init: 'data',
  nExpEvery: 5,
  ...o,
});

describe('training loop', () => {
  it('lowers the loss on data the model can explain', async () => {
    const tr = new Trainer(X, N, D, opts({ epochs: 20 }));
    const losses: number[] = [];
    while (tr.iteration < tr.totalIterations) losses.push((await tr.step()).loss);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)) - 1);
  });
  it('the same seed gives the same checkpoint bytes, with 1 or 2 worker threads; another seed does not', async () => {
    const run = async (seed: number, workers = 1) => {
      const tr = new Trainer(X, N, D, opts({ seed, workers }));
      for (let i = 0; i < 12; i++) await tr.step();
      await tr.close();
      return Buffer.from(tr.checkpoint());
    };
    const a = await run(1);
    expect(a.equals(await run(1))).toBe(true);
    expect(a.equals(await run(1, 2))).toBe(true);
    expect(a.equals(await run(2))).toBe(false);
  });
  it('interrupting and resuming gives the same final checkpoint as an uninterrupted run', async () => {
    const full = new Trainer(X, N, D, opts());
    while (full.iteration < full.totalIterations) await full.step();
    const first = new Trainer(X, N, D, opts());
    for (let i = 0; i < 17; i++) await first.step(); // mid-epoch, after an n_exp re-estimate
    const resumed = new Trainer(X, N, D, opts(), first.checkpoint());
    expect(resumed.iteration).toBe(17);
    while (resumed.iteration < resumed.totalIterations) await resumed.step();
    expect(Buffer.from(resumed.checkpoint()).equals(Buffer.from(full.checkpoint()))).toBe(true);
  });
  it("a checkpoint loads as a model with the authors' names", async () => {
    const tr = new Trainer(X, N, D, opts());
    await tr.step();
    const m = decodeModel(tr.checkpoint(), 'ckpt');
    expect([m.D, m.K]).toEqual([D, 8]);
    expect(m.nExp!.length).toBe(3);
  });
  it('rejects a checkpoint of another shape or schedule', async () => {
    const tr = new Trainer(X, N, D, opts());
    await tr.step();
    expect(() => new Trainer(X, N, D, opts({ K: 9 }), tr.checkpoint())).toThrow(/K=8 but the run has D=12, K=9/);
    expect(() => new Trainer(X, N, D, opts({ epochs: 9 }), tr.checkpoint())).toThrow(/epochs=8, this run asks for 9/);
  });
});

describe('starting from a model', () => {
  it('copies every parameter of the start model and refuses another shape', async () => {
    const start = randomModel(D, 8, 0.3, 77, 0.07);
    const tr = new Trainer(X, N, D, opts(), undefined, start);
    expect(Array.from(tr.p.phi)).toEqual(Array.from(start.phi));
    expect(tr.p.logLr).toBe(start.logLr);
    expect(Array.from(tr.p.u0)).toEqual(Array.from(start.u0));
    expect(() => new Trainer(X, N, D, opts({ K: 9 }), undefined, start)).toThrow(
      /--init-from: model has D=12, K=8; the run has D=12, K=9/,
    );
  });
});
