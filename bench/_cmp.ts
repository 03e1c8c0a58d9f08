import { BatchGradient as NewBG } from '../src/train/batch.js';
import { BatchGradient as OldBG } from './_old-batch.js';
import { initParams } from '../src/model/params.js';
import { zeroGrads } from '../src/train/bptt64.js';
for (const [name, D, B] of [['mnist', 784, 100], ['patches', 256, 200]] as const) {
  const p = initParams(D, 512, 1);
  for (let i = 0; i < p.phi.length; i++) p.phi[i] = ((i * 2654435761) % 1000 / 1000 - 0.5) * 0.05;
  const X = Float32Array.from({ length: B * D }, (_, i) => ((i * 40503) % 997) / 997 - 0.5);
  const samples = Array.from({ length: B }, (_, b) => b);
  const cfg = { T: 16, beta: 24, tau: 1, clamp: 10, nExp: 10 };
  const res: Record<string, number[]> = { old: [], new: [] };
  const bgs = { old: new OldBG(D, 512, B, 16), new: new NewBG(D, 512, B, 16) };
  for (let r = 0; r < 4; r++) for (const k of ['old', 'new'] as const) {
    const t0 = performance.now();
    bgs[k].lossAndGrad(p, X, { seed: 1, samples }, cfg, zeroGrads(D, 512));
    res[k].push((performance.now() - t0) / 1000);
  }
  console.log(name, 'old', res.old.map((v) => v.toFixed(2)).join(' '), '| new', res.new.map((v) => v.toFixed(2)).join(' '));
}
