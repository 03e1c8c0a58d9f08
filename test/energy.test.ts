/**
 * Prices in the profiles and the energy of counted events, against hand-computed sums: a two-core example on
 * loihi1 (every event priced) and on truenorth (one event priced, the others listed as not priced); one price
 * changed changes exactly its component.
 */
import { describe, expect, it } from 'vitest';
import { loadProfile, parseProfile } from '../src/hardware/profile.js';
import { barrierNs, PRICE_EVENTS, type Prices } from '../src/energy/prices.js';
import { emptyCounts, energyOf, stepLatency, type CoreCounts } from '../src/energy/cost.js';
import { denseBaseline } from '../src/energy/baseline.js';
import { readFileSync } from 'node:fs';
import { runNetwork, probeResult } from '../src/sim/run.js';
import { substepClock } from '../src/sim/probes/core-events.js';
import type { Network } from '../src/net/network.js';
import { testProjection } from './helpers.js';
import { join } from 'node:path';

/** Two cores: core 0 holds 3 neurons, one fires twice and reaches 4 synapses on core 1 (1 hop east). */
function twoCores(): CoreCounts {
  const c = emptyCounts(2);
  c.counts.soma_access.set([3 * 10, 2 * 10]); // 10 steps
  c.counts.soma_update.set([5, 4]);
  c.counts.spike_out.set([2, 0]);
  c.counts.message_out.set([2, 0]);
  c.counts.message_in.set([0, 2]);
  c.counts.synapse.set([0, 8]);
  c.counts.hop_east_west.set([0, 2]);
  return c;
}

describe('profile prices', () => {
  it('loihi1 prices every SANA-FE event, with sources; ranges contain their values; the barrier grows with tiles', () => {
    const p = loadProfile('loihi1').prices;
    for (const e of [
      'soma_access',
      'soma_update',
      'spike_out',
      'message_out',
      'message_in',
      'synapse_sparse',
      'hop_east_west',
      'hop_north_south',
    ] as const) {
      expect(p.events[e]?.energyPj, e).toBeTypeOf('number');
      expect(p.events[e]?.latencyNs, e).toBeTypeOf('number');
      expect(p.events[e]?.source).toMatch(/SANA-FE|Davies/);
    }
    expect([1, 2, 3, 4, 28, 29, 32].map((t) => barrierNs(p, t))).toEqual([600, 1000, 1000, 1400, 1400, 1800, 1800]);
    expect(barrierNs(loadProfile('loihi2').prices, 4)).toBeUndefined();
  });

  it('the loader refuses a price without a source, a range that misses its value, an unknown event', () => {
    const base = JSON.parse(readFileSync(join(__dirname, '..', 'hardware', 'profiles', 'loihi1.json'), 'utf8'));
    const bad = (edit: (j: Record<string, Record<string, Record<string, unknown>>>) => void) => {
      const j = structuredClone(base);
      edit(j);
      return () => parseProfile(JSON.stringify(j), 'p.json');
    };
    expect(bad((j) => delete j.prices.spike_out.source)).toThrow(/prices\.spike_out\.source is missing/);
    expect(bad((j) => (j.prices.synapse_sparse.energy_range_pj = [1, 2]))).toThrow(/must contain the value 33\.6/);
    expect(bad((j) => (j.prices.teleport = { energy_pj: 1, source: 'x', confidence: 'published' }))).toThrow(
      /prices\.teleport is not a priced event/,
    );
    expect(bad((j) => (j.prices.barrier.latency_ns_by_tiles = [[2, 5]]))).toThrow(/must be 1/);
  });
});

describe('energy of counted events', () => {
  it('loihi1: every component is count x price (hand-computed), the cores add up', () => {
    const r = energyOf(twoCores(), loadProfile('loihi1').prices, 'sparse');
    const by = Object.fromEntries(r.components.map((c) => [c.event, c.energyPj]));
    expect(by.soma_access).toBeCloseTo(50 * 51.2, 9);
    expect(by.soma_update).toBeCloseTo(9 * 21.6, 9);
    expect(by.spike_out).toBeCloseTo(2 * 69.3, 9);
    expect(by.message_out).toBeCloseTo(2 * 111.0, 9);
    expect(by.message_in).toBe(0);
    expect(by.synapse).toBeCloseTo(8 * 33.6, 9);
    expect(by.hop_east_west).toBeCloseTo(2 * 3.0, 9);
    expect(by.hop_north_south).toBe(0);
    const total = 50 * 51.2 + 9 * 21.6 + 2 * 69.3 + 2 * 111 + 8 * 33.6 + 2 * 3;
    expect(r.totalPj).toBeCloseTo(total, 9);
    expect(r.byCorePj[0]).toBeCloseTo(30 * 51.2 + 5 * 21.6 + 2 * 69.3 + 2 * 111, 9);
    expect(r.byCorePj[0] + r.byCorePj[1]).toBeCloseTo(total, 9);
    expect(r.unpriced).toEqual([]);
    // a dense-format chip charges the dense price
    expect(energyOf(twoCores(), loadProfile('loihi1').prices, 'dense').components[5].energyPj).toBeCloseTo(8 * 35.5, 9);
  });

  it('truenorth: only its synapses are priced; every other event that happened is listed as not priced', () => {
    const r = energyOf(twoCores(), loadProfile('truenorth').prices, 'crossbar');
    expect(r.totalPj).toBe(8 * 26);
    expect(r.unpriced).toEqual([
      'soma_access',
      'soma_update',
      'spike_out',
      'message_out',
      'message_in',
      'hop_east_west',
    ]);
    expect(r.components.find((c) => c.event === 'soma_access')!.energyPj).toBeNull(); // never a silent 0
    expect(r.components.find((c) => c.event === 'hop_north_south')!.energyPj).toBe(0); // did not happen
  });

  it('changing one price changes exactly its component', () => {
    const p = loadProfile('loihi1').prices;
    const a = energyOf(twoCores(), p, 'sparse');
    for (const e of PRICE_EVENTS) {
      if (p.events[e]?.energyPj === undefined) continue;
      const q: Prices = structuredClone(p);
      q.events[e]!.energyPj! += 1;
      const b = energyOf(twoCores(), q, 'sparse');
      a.components.forEach((c, i) => {
        const changed = c.priceEvent === e;
        if (changed) expect(b.components[i].energyPj!, e).toBeCloseTo(c.energyPj! + c.count, 9);
        else expect(b.components[i].energyPj, `${e} must not change ${c.event}`).toBe(c.energyPj);
      });
    }
  });
});

describe('step latency (SANA-FE simple mode)', () => {
  it('loihi1, one step of the two-core example: the busier of send and receive over cores, plus the barrier', () => {
    // one step: core 0 has 3 neurons, 2 updated, 1 fired, 1 message out; core 1 has 2 neurons, 1 updated,
    // receives 1 message reaching 4 synapses, 1 hop (no latency in this model)
    const c = emptyCounts(2);
    c.counts.soma_access.set([3, 2]);
    c.counts.soma_update.set([2, 1]);
    c.counts.spike_out.set([1, 0]);
    c.counts.message_out.set([1, 0]);
    c.counts.message_in.set([0, 1]);
    c.counts.synapse.set([0, 4]);
    c.counts.hop_east_west.set([0, 1]);
    const p = loadProfile('loihi1').prices;
    const s = stepLatency(c, p, 'sparse', 1);
    const send0 = 3 * 6.0 + 2 * 3.7 + 30.0 + 5.1,
      send1 = 2 * 6.0 + 3.7,
      recv1 = 16.0 + 4 * 4.7;
    expect(Array.from(s.sendNs)).toEqual([send0, send1].map((x) => expect.closeTo(x, 9)));
    expect(s.receiveNs[1]).toBeCloseTo(recv1, 9);
    expect(s.ns).toBeCloseTo(Math.max(send0, send1, recv1) + 600, 9); // one tile in use: 0.6 us
    expect(stepLatency(c, p, 'sparse', 5).ns).toBeCloseTo(Math.max(send0, send1, recv1) + 1400, 9);
    expect(s.unpriced).toEqual([]);
    // truenorth publishes no latency: nothing is invented, everything that happened is listed
    const t = stepLatency(c, loadProfile('truenorth').prices, 'crossbar', 1);
    expect(t.ns).toBe(0);
    expect(t.unpriced).toEqual(expect.arrayContaining(['soma_access', 'synapse_crossbar', 'barrier']));
  });
});

describe('events counted on a mapping (core-events probe), a two-core network by hand', () => {
  // x (host) -> A (2 LIF on core 0, tile (0,0)) -> B (1 LIF on core 1, tile (1,0)); x spikes at step 1 only.
  // A: u holds one step's input (du 4095), v keeps (dv 0); 5 << 6 = 320 > vth 4 << 6 = 256: A fires at step 2.
  // B: 3 + 4 = 7 arrives at step 3 (v = 448, below vth 1000 << 6).
  const net: Network = {
    name: 'two-cores',
    meta: {},
    populations: [
      { name: 'x', model: 'input', size: 1, params: {}, formats: {} },
      { name: 'A', model: 'lif', size: 2, params: { du: 4095, vth: 4 }, formats: {} },
      { name: 'B', model: 'lif', size: 1, params: { du: 4095, vth: 1000 }, formats: {} },
    ],
    projections: [testProjection('xA', 'x', 'A', [5, 5], 2, 1), testProjection('AB', 'A', 'B', [3, 4], 1, 2)],
  };
  const mapping = { cores: 2, coreOf: { A: [0, 0], B: [1] }, tileX: [0, 1], tileY: [0, 0] };

  it('counts every event where SANA-FE charges it; energy and step latency follow by hand (loihi1)', async () => {
    const prices = loadProfile('loihi1').prices;
    const r = await runNetwork(
      net,
      { drives: { x: [[1], [0], [0]] } },
      { steps: 3, seed: 0, engine: 'event', probes: [{ kind: 'core-events', ...mapping, prices, encoding: 'sparse' }] },
    );
    const ev = probeResult(r, 'core-events');
    const got = Object.fromEntries(Object.entries(ev.totals.counts).map(([k, v]) => [k, Array.from(v)]));
    expect(got).toEqual({
      soma_access: [6, 3], // 2 and 1 neurons, steps 1-3
      soma_update: [2, 1], // A when it fires (step 2), B when its input arrives (step 3)
      spike_out: [2, 0],
      message_out: [2, 0], // each A neuron to core 1
      message_in: [1, 2], // x's spike enters core 0 from the host; A's two reach core 1
      synapse: [2, 2],
      hop_east_west: [0, 2], // core 0 -> core 1: one tile east, per message
      hop_north_south: [0, 0],
    });
    const e = energyOf(ev.totals, prices, 'sparse');
    expect(e.totalPj).toBeCloseTo(9 * 51.2 + 3 * 21.6 + 2 * 69.3 + 2 * 111 + 3 * 0 + 4 * 33.6 + 2 * 3.0, 9);
    // latency: 2 tiles in use -> 1.0 us barrier; step 2 is the busiest (A fires and sends)
    const step1 = Math.max(2 * 6.0, 16 + 2 * 4.7, 6.0),
      step2 = Math.max(2 * 6 + 2 * 3.7 + 2 * 30 + 2 * 5.1, 6.0, 2 * 16 + 2 * 4.7),
      step3 = Math.max(2 * 6.0, 6.0 + 3.7);
    expect(Array.from(ev.stepNs!)).toEqual(
      [0, step1 + 1000, step2 + 1000, step3 + 1000].map((x) => expect.closeTo(x, 9)),
    );
    expect(ev.tilesInUse).toBe(2);
  });

  it('identical counts from both engines and any number of workers', async () => {
    const X = Float32Array.from({ length: 6 }, (_, i) => i % 2);
    const runs = [];
    for (const engine of ['event', 'clock'] as const)
      for (const workers of [1, 2])
        runs.push(
          await runNetwork(
            net,
            { data: X, n: 6 },
            { steps: 20, seed: 0, engine, workers, probes: [{ kind: 'core-events', ...mapping }] },
          ),
        );
    for (const r of runs)
      expect(probeResult(r, 'core-events').totals).toEqual(probeResult(runs[0], 'core-events').totals);
  });
});

describe('review findings, kept fixed', () => {
  it('a biased neuron updates every step (SANA-FE: bias != 0), without input or firing', async () => {
    // one LIF alone on core 0 with bias 100 << 0 and vth 2 (128): v = 100, 0 (fires at 200 > 128), 100, 0, ...
    const n: Network = {
      name: 'bias',
      meta: {},
      populations: [{ name: 'C', model: 'lif', size: 1, params: { du: 4095, vth: 2, bias_mant: 100 }, formats: {} }],
      projections: [],
    };
    const r = await runNetwork(
      n,
      { drives: { C: new Array(6).fill([0]) } },
      {
        steps: 6,
        seed: 0,
        engine: 'event',
        probes: [{ kind: 'core-events', cores: 1, coreOf: { C: [0] }, tileX: [0], tileY: [0] }],
      },
    );
    const c = probeResult(r, 'core-events').totals.counts;
    expect([c.soma_access[0], c.soma_update[0], c.spike_out[0]]).toEqual([6, 6, 3]);
  });
});

describe('--graded substeps: a step split into S sub-steps (hand-computed, loihi1 latencies)', () => {
  it('sums the busiest core of every sub-step, a count n firing in sub-steps 1..n, plus S barriers', () => {
    // core 0: 2 neurons, both updated, one fires a count of 3 with 1 message; core 1: 1 neuron, receives the 3
    // spikes (4 synapses each). S = 7, barrier 1000 ns. Latencies: access 6, update 3.7, spike 30, out 5.1,
    // in 16, synapse 4.7 ns.
    const clock = substepClock(2, loadProfile('loihi1').prices, 'sparse');
    clock.update(0);
    clock.update(0);
    clock.fire(0, 3, 1);
    clock.receive(1, 3, 4);
    const k1 = 2 * 6 + 2 * 3.7 + (30 + 5.1), // sub-step 1: accesses, the step's updates, the spike
      k23 = 2 * 6 + (30 + 5.1) + 3.7, // sub-steps 2, 3: it fires again (an update each); core 1 takes 16 + 4 x 4.7
      k47 = 2 * 6; // sub-steps 4..7: accesses only
    expect(Math.max(k23, 16 + 4 * 4.7)).toBe(k23);
    expect(clock.ns(Float64Array.from([2, 1]), 7, 1000)).toBeCloseTo(k1 + 2 * k23 + 4 * k47 + 7 * 1000, 9);
    clock.clear();
    expect(clock.ns(Float64Array.from([2, 1]), 7, 1000)).toBeCloseTo(7 * (2 * 6) + 7000, 9);
  });
});

describe('an arrival that sums to zero', () => {
  it('counts as an update (SANA-FE: a message reached the neuron), at the step after the spikes', async () => {
    // x0, x1 (host) -> A (one IF on core 0) with weights +3 and -3: both fire at step 1, A gets 3 - 3 = 0 at step 2
    const n: Network = {
      name: 'zero-sum',
      meta: {},
      populations: [
        { name: 'x', model: 'input', size: 2, params: {}, formats: {} },
        { name: 'A', model: 'if', size: 1, params: { vth: 10 }, formats: {} },
      ],
      projections: [testProjection('xA', 'x', 'A', [3, -3], 1, 2)],
    };
    const run = async (rows: number[][]) =>
      probeResult(
        await runNetwork(
          n,
          { drives: { x: rows } },
          {
            steps: rows.length,
            seed: 0,
            engine: 'event',
            probes: [{ kind: 'core-events', cores: 1, coreOf: { A: [0] }, tileX: [0], tileY: [0] }],
          },
        ),
        'core-events',
      ).totals.counts;
    const both = await run([
      [1, 1],
      [0, 0],
      [0, 0],
    ]);
    expect([both.soma_access[0], both.soma_update[0], both.message_in[0], both.synapse[0]]).toEqual([3, 1, 2, 2]); // one message per input neuron
    const none = await run([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect([none.soma_access[0], none.soma_update[0]]).toEqual([3, 0]);
  });
});

describe('the dense baseline', () => {
  it('3 D x K products per iterative step, 2 for one amortized pass, priced per MAC (hand-computed)', () => {
    const b = denseBaseline(256, 512, 1000);
    expect(b.iterativeMacs).toBe(3 * 256 * 512 * 1000);
    expect(b.amortizedMacs).toBe(2 * 256 * 512);
    const row = (d: string) => b.rows.find((r) => r.device === d)!;
    expect(row('cpu').iterativePj).toBeCloseTo(393216000 * 8600, 0);
    expect(row('int8 45 nm').iterativePj).toBeCloseTo(393216000 * 0.23, 3);
    expect(row('fp32 45 nm').amortizedPj).toBeCloseTo(262144 * 4.6, 6);
    expect(b.assumptions).toMatch(/no data movement/);
  });
});
