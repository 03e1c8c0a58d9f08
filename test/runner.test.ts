/**
 * The runner and its probes, the rates file, and the generic projection quantiser, against independent
 * expectations: a hand-rolled step loop over the Simulator, brute-force sums, and float64 matrices.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulator } from '../src/sim/engine.js';
import { runNetwork, addCounters, probeResult } from '../src/sim/run.js';
import type { RatesResult } from '../src/sim/probes/rates.js';
import type { SpikeCountsResult } from '../src/sim/probes/spike-counts.js';
import type { TraceResult } from '../src/sim/probes/trace.js';
import { readRates, writeRates, rateKind } from '../src/sim/rates.js';
import { quantizeProjection, quantizeTensor, requantizeProjection } from '../src/net/quantize.js';
import { csrFromDense, denseWeights, type Network } from '../src/net/network.js';
import { q, toQ } from '../src/fixed/q.js';

/** input (4, graded Q2) -> lif (6) -> lif (3), delays 1 and 3. */
function net(): Network {
  return {
    name: 'r',
    meta: {},
    populations: [
      { name: 'in', model: 'input', size: 4, params: {}, formats: { x: q(8, 2) } },
      {
        name: 'a',
        model: 'lif',
        size: 6,
        params: { du: 1000, dv: 200, vth: 3, bias_mant: 1, bias_exp: 3 },
        formats: {},
      },
      { name: 'b', model: 'if', size: 3, params: { vth: 2 }, formats: {} },
    ],
    projections: [
      {
        name: 'in_a',
        source: 'in',
        target: 'a',
        ...csrFromDense(
          Array.from({ length: 24 }, (_, i) => ((i * 7) % 5) - 1),
          6,
          4,
        ),
        weightBits: 8,
        exponent: 0,
        delay: 1,
        payload: 'graded',
        payloadBits: 8,
        static: false,
      },
      {
        name: 'a_b',
        source: 'a',
        target: 'b',
        ...csrFromDense(
          Array.from({ length: 18 }, (_, i) => ((i * 5) % 7) - 2),
          3,
          6,
        ),
        weightBits: 8,
        exponent: 0,
        delay: 3,
        payload: 'binary',
        payloadBits: 1,
        static: false,
      },
    ],
  };
}

const N = 5,
  STEPS = 40,
  X = Float32Array.from({ length: N * 4 }, (_, i) => Math.sin(i * 1.7) * 3);

describe('runNetwork', () => {
  it('equals a hand-rolled loop over the Simulator; probes match brute-force tallies; any worker count', async () => {
    // the independent loop: quantise, setInput, reset(i), step, tally every emission by hand
    const sim = new Simulator(net(), { engine: 'event', seed: 4, hash: true });
    const tallies: Record<string, Float64Array> = { a: new Float64Array(6), b: new Float64Array(3) };
    const events: Record<string, Float64Array> = { a: new Float64Array(6), b: new Float64Array(3) };
    const perStep = new Float64Array(STEPS + 1);
    const tally = (t: number) => {
      for (const name of ['a', 'b']) {
        const out = sim.pop(name).out;
        for (let k = 0; k < out.length; k++) {
          tallies[name][k] += out[k];
          if (out[k]) events[name][k]++;
          perStep[t] += out[k];
        }
      }
    };
    for (let n = 0; n < N; n++) {
      sim.setInput(
        'in',
        Array.from(X.subarray(n * 4, n * 4 + 4), (x) => toQ(x, q(8, 2))),
      );
      sim.reset(n);
      tally(0);
      for (let t = 1; t <= STEPS; t++) {
        sim.step();
        tally(t);
      }
    }
    for (const workers of [1, 2, 3]) {
      const r = await runNetwork(
        net(),
        { data: X, n: N },
        {
          steps: STEPS,
          seed: 4,
          engine: 'event',
          workers,
          probes: [{ kind: 'rates' }, { kind: 'spike-counts' }, { kind: 'spike-counts', name: 'every5', every: 5 }],
        },
      );
      expect(r.spikesSha256).toBe(sim.digest());
      expect(r.counters).toEqual(sim.counters);
      const rates = r.probes.rates as RatesResult;
      expect(rates.spikes).toEqual(tallies);
      expect(rates.events).toEqual(events);
      const sc = r.probes['spike-counts'] as SpikeCountsResult;
      const sum = Float64Array.from(sc.steps, (_, i) => sc.counts.a[i] + sc.counts.b[i]);
      expect(sum).toEqual(perStep);
      expect(sum.reduce((x, y) => x + y, 0)).toBe(r.counters.spikes);
      const e5 = r.probes.every5 as SpikeCountsResult;
      expect(e5.steps).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
      expect(e5.counts.a).toEqual(Float64Array.from(e5.steps, (t) => sc.counts.a[t]));
    }
  });

  it('a trace probe records every step of every input; per-step drives run without data', async () => {
    const r = await runNetwork(
      net(),
      { drives: { in: Array.from({ length: 6 }, (_, t) => [t, -t, 2, 0]) } },
      { steps: 6, seed: 0, engine: 'clock', probes: [{ kind: 'trace', population: 'in' }] },
    );
    const tr = r.probes.trace as TraceResult;
    expect(tr.variables).toEqual(['out']);
    // the input emits its drive of step t at step t (step 0: nothing presented)
    expect(Array.from(tr.values.out.subarray(4, 8))).toEqual([0, 0, 2, 0]);
    expect(Array.from(tr.values.out.subarray(6 * 4, 7 * 4))).toEqual([5, -5, 2, 0]);
    await expect(
      runNetwork(net(), { drives: { in: [[1, 1, 1, 1]] } }, { steps: 2, seed: 0, engine: 'event' }),
    ).rejects.toThrow(/1 rows for 2 steps/);
  });

  it('a user error in a worker thread comes back as that error, not as an internal one', async () => {
    await expect(
      runNetwork(
        net(),
        { data: X, n: N },
        { steps: 3, seed: 0, engine: 'event', workers: 2, probes: [{ kind: 'trace', population: 'zz' }] },
      ),
    ).rejects.toThrow(/no population named "zz"/);
  });

  it('probeResult checks the kind; a probe option that does not exist is refused', async () => {
    const r = await runNetwork(
      net(),
      { data: X, n: 2 },
      { steps: 3, seed: 0, engine: 'event', probes: [{ kind: 'trace', name: 't', population: 'a' }] },
    );
    expect(probeResult(r, 'trace', 't').population).toBe('a');
    expect(() => probeResult(r, 'rates', 't')).toThrow(/probe "t" is a trace probe, not rates/);
    await expect(
      runNetwork(
        net(),
        { data: X, n: 2 },
        { steps: 3, seed: 0, engine: 'event', probes: [{ kind: 'spike-counts', everyy: 3 }] },
      ),
    ).rejects.toThrow(/probe spike-counts: no option "everyy" \(every, populations\)/);
  });

  it('addCounters sums numbers and keeps names', () => {
    const a = { n: 1, per: [{ name: 'p', x: 2 }], m: { k: 3 } };
    expect(addCounters(a, { n: 4, per: [{ name: 'p', x: 5 }], m: { k: 6 } })).toEqual({
      n: 5,
      per: [{ name: 'p', x: 7 }],
      m: { k: 9 },
    });
  });
});

describe('the rates file', () => {
  it('round-trips through writeRates / readRates, per kind; refuses a foreign or misshapen file naming the field', async () => {
    const r = await runNetwork(
      net(),
      { data: X, n: N },
      { steps: STEPS, seed: 4, engine: 'event', probes: [{ kind: 'rates' }] },
    );
    const res = r.probes.rates as RatesResult;
    const text = writeRates(res, { net: 'r.json', data: 'test', seed: 4 });
    const spikes = readRates(text, 'r.rates', net(), rateKind(false));
    const events = readRates(text, 'r.rates', net(), rateKind(true));
    for (let k = 0; k < 6; k++) {
      expect(spikes.a[k]).toBeCloseTo(res.spikes.a[k] / (N * (STEPS + 1)), 5);
      expect(events.a[k]).toBeCloseTo(res.events.a[k] / (N * (STEPS + 1)), 5);
    }
    const j = JSON.parse(text);
    expect([j.format, j.version, j.samples, j.steps]).toEqual(['ipvae.rates', 1, N, STEPS]);
    expect(() => readRates(JSON.stringify({ ...j, format: 'other' }), 'f.json', net(), 'spikes')).toThrow(
      /^f\.json: format = "other", expected "ipvae\.rates"/,
    );
    j.rates.a.spikes[2] = -1;
    expect(() => readRates(JSON.stringify(j), 'f.json', net(), 'spikes')).toThrow(
      /f\.json: rates\.a\.spikes\[2\] is not a non-negative number/,
    );
    expect(() => readRates('{"rates": {"zz": [1]}}', 'f.json', net(), 'spikes')).toThrow(
      /rates\.zz: the network has no population of that name/,
    );
  });
});

describe('the generic projection quantiser', () => {
  const matrix = fc
    .record({
      nT: fc.integer({ min: 1, max: 7 }),
      nS: fc.integer({ min: 1, max: 7 }),
      bits: fc.integer({ min: 2, max: 12 }),
    })
    .chain(({ nT, nS, bits }) =>
      fc.record({
        nT: fc.constant(nT),
        nS: fc.constant(nS),
        bits: fc.constant(bits),
        // rows of very different scales, some zero
        W: fc.array(fc.oneof(fc.constant(0), fc.double({ min: -1, max: 1, noNaN: true })), {
          minLength: nT * nS,
          maxLength: nT * nS,
        }),
        scales: fc.array(fc.integer({ min: -12, max: 6 }), { minLength: nT, maxLength: nT }),
      }),
    );
  const shape = {
    name: 'P',
    source: 's',
    target: 't',
    delay: 1,
    payload: 'graded' as const,
    payloadBits: 8,
    static: false,
  };

  it('property: shared and per-row mantissas fit their width and are within half a unit of each weight', () => {
    fc.assert(
      fc.property(matrix, ({ nT, nS, bits, W, scales }) => {
        const w = W.map((x, i) => x * 2 ** scales[Math.floor(i / nS)]);
        for (const exponent of ['shared', 'per-row'] as const) {
          const { projections, report } = quantizeProjection(shape, w, nT, nS, { weightBits: bits, exponent });
          const net: Network = {
            name: 'q',
            meta: {},
            projections,
            populations: [
              { name: 's', model: 'input', size: nS, params: {}, formats: {} },
              { name: 't', model: 'readout', size: nT, params: {}, formats: {} },
            ],
          };
          // the projections together are the quantised matrix
          const deq = new Float64Array(nT * nS);
          for (const p of projections) {
            expect(p.weights.every((m) => Math.abs(m) <= 2 ** (bits - 1) - 1)).toBe(true);
            denseWeights(net, p).forEach((x, i) => (deq[i] += x));
          }
          let maxErr = 0;
          for (let t = 0; t < nT; t++) {
            let rowMax = 0;
            for (let s = 0; s < nS; s++) rowMax = Math.max(rowMax, Math.abs(w[t * nS + s]));
            const allMax = exponent === 'shared' ? Math.max(...w.map(Math.abs)) : rowMax;
            const e = allMax > 0 ? Math.max(-64, Math.ceil(Math.log2(allMax / (2 ** (bits - 1) - 1)))) : 0;
            for (let s = 0; s < nS; s++) {
              const err = Math.abs(deq[t * nS + s] - w[t * nS + s]);
              expect(err).toBeLessThanOrEqual(2 ** e / 2 + 1e-12 * Math.abs(w[t * nS + s]));
              maxErr = Math.max(maxErr, err);
            }
          }
          expect(report.maxError).toBeCloseTo(maxErr, 12);
          for (const p of projections) expect(p.exponent).toBeGreaterThanOrEqual(-64); // the IR's range
        }
      }),
      { numRuns: 150 },
    );
  });

  it('per-row keeps the precision of small rows: groups by exponent, named name/e<exponent>', () => {
    const w = [100, -50, 0.01, 0.02]; // two rows of very different scales
    const shared = quantizeProjection(shape, w, 2, 2, { weightBits: 8, exponent: 'shared' });
    const rows = quantizeProjection(shape, w, 2, 2, { weightBits: 8, exponent: 'per-row' });
    expect(shared.projections).toHaveLength(1);
    expect(rows.projections.map((p) => p.name)).toEqual(['P', `P/e${rows.projections[1].exponent}`]);
    expect(rows.report.rmsError).toBeLessThan(shared.report.rmsError);
    expect(shared.projections[0].indices.length).toBe(2); // 0.01 and 0.02 round to 0 at the shared exponent
    // 4 bits: top 7, exponent ceil(log2(0.5 / 7)) = -3, so 0.5 -> 4 and -0.25 -> -2
    expect(quantizeTensor([0.5, -0.25], 4)).toMatchObject({ m: Int32Array.of(4, -2), exponent: -3 });
  });

  it('property: re-quantising to as many bits or more keeps every real weight; to fewer, within half a unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 2, max: 16 }),
        fc.integer({ min: -8, max: 8 }),
        fc.array(fc.integer({ min: -2047, max: 2047 }), { minLength: 12, maxLength: 12 }),
        fc.constantFrom('shared' as const, 'per-row' as const),
        (b0, b1, e0, raw, exponent) => {
          const top0 = 2 ** (b0 - 1) - 1;
          const W = raw.map((x) => Math.max(-top0, Math.min(top0, x))); // 3 targets x 4 sources
          const [p] = quantizeProjection(
            shape,
            W.map((x) => x * 2 ** e0),
            3,
            4,
            { weightBits: b0, exponent: 'shared' },
          ).projections;
          const net = (projections: (typeof p)[]): Network => ({
            name: 'q',
            meta: {},
            projections,
            populations: [
              { name: 's', model: 'input', size: 4, params: {}, formats: {} },
              { name: 't', model: 'readout', size: 3, params: {}, formats: {} },
            ],
          });
          const before = denseWeights(net([p]), p);
          const { projections } = requantizeProjection(p, 3, { weightBits: b1, exponent });
          const after = new Float64Array(12);
          for (const q of projections) {
            expect(q.weights.every((m) => m !== 0 && Math.abs(m) <= 2 ** (b1 - 1) - 1)).toBe(true);
            denseWeights(net(projections), q).forEach((x, i) => (after[i] += x));
          }
          if (b1 >= b0 && exponent === 'shared') expect(after).toEqual(before);
          const maxAbs = Math.max(...before.map(Math.abs));
          const e = maxAbs > 0 ? Math.max(-64, Math.ceil(Math.log2(maxAbs / (2 ** (b1 - 1) - 1)))) : 0;
          before.forEach((x, i) => expect(Math.abs(after[i] - x)).toBeLessThanOrEqual(2 ** e / 2)); // per-row: finer
        },
      ),
      { numRuns: 200 },
    );
  });
});
