/**
 * LCA on the integer path (issue 16, part 5): the lca neuron model (src/sim/models/lca.ts) against a step
 * computed by hand, both engines and both backends giving the same bytes, the network's JSON image round-tripping
 * to the same run, the integer LCA of src/frontends/lca.ts against the float LCA of src/baselines/lca.ts
 * (lcaRule through runIterative) at 16 and 8 bits, and src/baselines/integer.ts's scores against the iP-VAE's
 * own integer validation (src/net/validate.ts).
 */
import { describe, expect, it } from 'vitest';
import { Simulator } from '../src/sim/engine.js';
import { csrFromDense, denseWeights, population, type Network } from '../src/net/network.js';
import { fromJson, toJson } from '../src/net/json.js';
import { q } from '../src/fixed/q.js';
import { probeResult, runNetwork } from '../src/sim/run.js';
import { fromLca, lcaStepInt } from '../src/frontends/lca.js';
import { decoderOf, Drive, normaliseAtoms } from '../src/baselines/decoder.js';
import { lcaStep } from '../src/baselines/lca.js';
import { integerScores, lcaTrained, networkDecoder, validateLca } from '../src/baselines/integer.js';
import { trainedOf } from '../src/baselines/ipvae.js';
import { validateWidths } from '../src/net/validate.js';
import { initParams } from '../src/model/params.js';

/** A deterministic uniform in [-0.5, 0.5) keyed by seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** A unit-norm random dictionary (D x K), inputs (N x D) in +-1 and the family's step h = 1 / L. */
function problem(D: number, K: number, N: number, seed: number) {
  const r = rng(seed);
  const phi = Float32Array.from({ length: D * K }, r);
  normaliseAtoms(phi, D, K, 1);
  const X = Float32Array.from({ length: N * D }, () => 2 * r());
  const drive = new Drive(D, K, 1);
  drive.setDecoder(decoderOf(phi, D, K));
  return { phi, X, h: lcaStep(drive.lmax) };
}

/**
 * The hand case: D = 2 inputs in s12.0, K = 3 lca neurons with u in s24.8, codes in u8.4, h = 1000 / 4096,
 * lambda = 64 (0.25). W_ff = [[3, -1], [1, 2], [40, 0]] x 2^-2 (static: shift -2 + 8 - 0 = 6), W_rec: neurons 0
 * and 1 inhibit each other by -2 x 2^-2 (delay 1; shift -2 + 8 - 4 = 2).
 */
function handNet(): Network {
  return {
    name: 'hand',
    meta: {},
    populations: [
      { name: 'x', model: 'input', size: 2, params: {}, formats: { x: q(12, 0) } },
      {
        name: 'a',
        model: 'lca',
        size: 3,
        params: { h: 1000, lambda: 64 },
        formats: { u: q(24, 8), code: q(8, 4, false) },
      },
    ],
    projections: [
      {
        name: 'W_ff',
        source: 'x',
        target: 'a',
        ...csrFromDense([3, -1, 1, 2, 40, 0], 3, 2),
        weightBits: 8,
        exponent: -2,
        delay: 0,
        payload: 'graded',
        payloadBits: 12,
        static: true,
      },
      {
        name: 'W_rec',
        source: 'a',
        target: 'a',
        ...csrFromDense([0, -2, 0, -2, 0, 0, 0, 0, 0], 3, 3),
        weightBits: 8,
        exponent: -2,
        delay: 1,
        payload: 'graded',
        payloadBits: 9,
        static: false,
      },
    ],
  };
}

describe('the lca neuron model', () => {
  it('three steps computed by hand (truncation toward zero, the threshold, the code shift, the code cap)', () => {
    for (const backend of ['js', 'wasm'] as const)
      for (const engine of ['event', 'clock'] as const) {
        const sim = new Simulator(handNet(), { engine, backend });
        sim.setInput('x', [4, 8]);
        sim.reset(0);
        const a = sim.pop('a');
        // drive = raw x 2^6: 4 x 64 = 256, 20 x 64 = 1280, 160 x 64 = 10240; u starts at 0, nothing is emitted
        expect(Array.from(a.drive)).toEqual([256, 1280, 10240]);
        expect(Array.from(a.out)).toEqual([0, 0, 0]);
        const got: number[][] = [];
        for (let t = 1; t <= 3; t++) {
          sim.step();
          got.push([...a.state.u, ...a.out]);
        }
        expect(got).toEqual([
          // step 1: u = trunc0(1000 x 256 / 4096) = 62 (62.5), 312 (312.5), 2500; a = (u - 64) >> 4: 0, 15, 152
          [62, 312, 2500, 0, 15, 152],
          // step 2: inp0 = -2 x 15 x 4 = -120; u0 = 62 + trunc0(1000 x 74 / 4096) = 62 + 18 = 80, a0 = 16 >> 4 = 1;
          // u1 = 312 + trunc0(1000 x 968 / 4096) = 548, a1 = 484 >> 4 = 30; u2 = 2500 + 1889, a2 = 270 -> cap 255
          [80, 548, 4389, 1, 30, 255],
          // step 3: inp0 = -240: u0 = 80 + trunc0(-64000 / 4096) = 80 - 15 = 65 (floor would give 64), a0 = 0;
          // inp1 = -8: u1 = 548 + trunc0(176750 / 4096) = 724, a1 = 41; a2 capped again
          [65, 724, 5817, 0, 41, 255],
        ]);
        expect(sim.counters.saturations).toBe(2);
        expect(sim.counters.perPopulation[1].modelCounters.code_cap_hits).toBe(2);
        expect(sim.counters.spikes).toBe(0); // a graded code is not a spike
      }
  });

  it('a saturating membrane is clipped and counted; a code finer than u is shifted left', () => {
    const net = handNet();
    net.populations[1].formats.u = q(12, 8); // u at most 2047: neuron 2 (target 10240) clips
    const sim = new Simulator(net, { backend: 'js' });
    sim.setInput('x', [4, 8]);
    sim.reset(0);
    for (let t = 0; t < 3; t++) sim.step();
    expect(sim.pop('a').state.u[2]).toBe(2047);
    expect(sim.counters.saturations).toBeGreaterThan(0);
    // a code finer than u: a left shift (u - lambda = 248 and 2436 in Q8 are 992 and 9744 in Q10)
    const fine = handNet();
    fine.populations[1].formats.code = q(14, 10, false);
    const f = new Simulator(fine, { backend: 'js' });
    f.setInput('x', [4, 8]);
    f.reset(0);
    f.step();
    expect(Array.from(f.pop('a').out)).toEqual([0, 248 * 4, 9744]);
  });
});

describe('fromLca', () => {
  const D = 12,
    K = 16,
    N = 20;
  const { phi, X, h } = problem(D, K, N, 11);

  it('quantises Phi^T, -(Phi^T Phi - I) and Phi within half a unit, h to 12 bits and lambda to Q(u)', () => {
    const { net, report } = fromLca(phi, D, K, 0.2, h, { weightBits: 8 });
    const close = (name: string, want: (t: number, s: number) => number) => {
      const p = net.projections.find((x) => x.name === name)!;
      const W = denseWeights(net, p),
        nS = population(net, p.source).size;
      for (let i = 0; i < W.length; i++)
        expect(Math.abs(W[i] - want(Math.floor(i / nS), i % nS))).toBeLessThanOrEqual(2 ** (p.exponent - 1) + 1e-12);
    };
    close('W_ff', (k, d) => phi[d * K + k]);
    close('Phi', (d, k) => phi[d * K + k]);
    close('W_rec', (i, j) => {
      let g = 0;
      for (let d = 0; d < D; d++) g += phi[d * K + i] * phi[d * K + j];
      return (i === j ? 1 : 0) - g;
    });
    expect(net.projections.find((p) => p.name === 'W_ff')!.static).toBe(true);
    const a = population(net, 'a');
    expect(a.params.h).toBe(Math.round(h * 4096));
    expect(a.params.lambda).toBe(Math.round(0.2 * 2 ** 16));
    expect(report.map((r) => r.name)).toEqual(['W_ff', 'W_rec (-(Phi^T Phi - I))', 'Phi (decoder)', 'h', 'lambda']);
    expect(lcaStepInt(1)).toBe(4096);
    expect(() => lcaStepInt(0)).toThrow(/0 < h <= 1/);
    expect(() => fromLca(phi, D, K + 1, 0.2, h)).toThrow(/expected D x K/);
  });

  it('event and clock engines, JavaScript and WebAssembly: the same bytes, codes and counters', async () => {
    const { net } = fromLca(phi, D, K, 0.1, h, { weightBits: 8, codeBits: 6 }); // a narrow code: caps are hit
    const runs = [];
    for (const backend of ['js', 'wasm'] as const)
      for (const engine of ['event', 'clock'] as const)
        runs.push(
          await runNetwork(
            net,
            { data: X, n: N },
            {
              steps: 40,
              engine,
              backend,
              probes: [
                { kind: 'final-emission', population: 'a' },
                { kind: 'trace', population: 'a', variables: ['u'] },
              ],
            },
          ),
        );
    const codes = probeResult(runs[0], 'final-emission').values;
    expect(codes.some((c) => c > 0)).toBe(true);
    expect(runs[0].counters.saturations).toBeGreaterThan(0);
    for (const r of runs.slice(1)) {
      expect(r.spikesSha256).toBe(runs[0].spikesSha256);
      expect(r.counters).toEqual(runs[0].counters);
      expect(probeResult(r, 'final-emission').values).toEqual(codes);
      expect(probeResult(r, 'trace').values.u).toEqual(probeResult(runs[0], 'trace').values.u);
    }
    // two workers: the same run
    const two = await runNetwork(
      net,
      { data: X, n: N },
      { steps: 40, workers: 2, probes: [{ kind: 'final-emission', population: 'a' }] },
    );
    expect(two.spikesSha256).toBe(runs[0].spikesSha256);
    expect(probeResult(two, 'final-emission').values).toEqual(codes);
  });

  it('the JSON image loads as the same network and gives the same run', async () => {
    const { net } = fromLca(phi, D, K, 0.1, h, { weightBits: 6, exponent: 'per-row' });
    const text = toJson(net);
    const back = fromJson(text, 'lca.json');
    expect(toJson(back)).toBe(text);
    expect(back.populations).toEqual(net.populations);
    const o = { steps: 30, probes: [{ kind: 'final-emission', population: 'a' }] };
    const [r1, r2] = [await runNetwork(net, { data: X, n: N }, o), await runNetwork(back, { data: X, n: N }, o)];
    expect(r2.spikesSha256).toBe(r1.spikesSha256);
    expect(r2.counters).toEqual(r1.counters);
  });
});

describe('integer LCA against the float LCA (lcaRule)', () => {
  it('at 16 bits the codes are the float codes up to the roundings; 8 bits reported', async () => {
    const D = 16,
      K = 24,
      N = 50;
    const { phi, X, h } = problem(D, K, N, 1);
    const rows = await validateLca(phi, D, K, 0.1, h, X, N, { bits: [8, 16], steps: 100 });
    const [r8, r16] = rows;
    console.log(
      `LCA D ${D} K ${K} lambda 0.1, 100 steps, ${N} inputs: float R^2 ${r16.float.r2.toFixed(4)} PZ ${r16.float.pz.toFixed(4)};` +
        ` 8-bit R^2 ${r8.int.r2.toFixed(4)} PZ ${r8.int.pz.toFixed(4)} (code corr ${r8.rateCorr.toFixed(5)});` +
        ` 16-bit R^2 ${r16.int.r2.toFixed(4)} PZ ${r16.int.pz.toFixed(4)} (code corr ${r16.rateCorr.toFixed(6)})`,
    );
    // the float side is the float LCA scored directly
    expect(r16.float.r2).toBeGreaterThan(0.3);
    expect(r16.float.pz).toBeGreaterThan(0.2);
    // 16 bits: what is left is the inputs' s12.7, the codes' Q10 and h's 12 bits
    expect(Math.abs(r16.int.r2 - r16.float.r2)).toBeLessThan(0.003);
    expect(Math.abs(r16.int.pz - r16.float.pz)).toBeLessThan(0.005);
    expect(r16.rateCorr).toBeGreaterThan(0.9995);
    expect(r16.saturations).toBe(0);
    // 8 bits: within validate's "ok" band on this problem
    expect(Math.abs(r8.int.r2 - r8.float.r2)).toBeLessThan(0.02);
    expect(r8.rateCorr).toBeGreaterThan(0.99);
    expect(r8.verdict).toBe('ok');
  });

  it('integerScores: the float decoder or the network one; an unknown family is refused', async () => {
    const D = 16,
      K = 24,
      N = 30;
    const { phi, X, h } = problem(D, K, N, 2);
    const m = lcaTrained(phi, D, K, 0.1, h);
    const o = { bits: 8, steps: 60, seed: 0 };
    const net = await integerScores('lca', m, X, N, o),
      flt = await integerScores('lca', m, X, N, { ...o, decoder: 'float' as const });
    expect(net.pz).toBe(flt.pz); // the same codes
    expect(Math.abs(net.r2 - flt.r2)).toBeLessThan(0.02);
    expect(net.r2).not.toBe(flt.r2);
    const dec = networkDecoder(fromLca(phi, D, K, 0.1, h).net, 'a');
    for (let i = 0; i < D * K; i++) expect(Math.abs(dec.phi[i] - phi[i])).toBeLessThan(2 ** -7);
    await expect(integerScores('pc', m, X, N, o)).rejects.toThrow(/family "pc" has no integer path \(ip-vae, lca\)/);
  });
});

describe('integerScores for the iP-VAE', () => {
  it("equals ipvae validate's integer R^2 and PZ (the same counts, scored by score.ts)", async () => {
    const p = initParams(16, 8, 3, 0.3);
    p.u0.fill(-1);
    const N = 12,
      steps = 30;
    const r = rng(5);
    const X = Float32Array.from({ length: N * 16 }, () => 2 * r());
    const [row] = await validateWidths(p, X, N, [8], { steps, seed: 4, workers: 1 });
    const s = await integerScores('ip-vae', trainedOf(p, 0), X, N, { bits: 8, steps, seed: 4 });
    expect(s.pz).toBe(row.int.pz);
    // score.ts adds 2^-23 to each input's variance, the probe does not (this untrained model's R^2 is far below 0)
    expect(Math.abs(s.r2 - row.int.r2)).toBeLessThan(1e-6 * (1 + Math.abs(row.int.r2)));
    expect(s.networkSaturations + s.inputSaturations).toBe(row.saturations);
  });
});
