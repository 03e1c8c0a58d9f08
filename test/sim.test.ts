import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulator, type EngineKind } from '../src/sim/engine.js';
import { csrFromDense, denseWeights, type Network } from '../src/net/network.js';
import { fromIpVae } from '../src/frontends/ipvae.js';
import { toJson, fromJson } from '../src/net/json.js';
import { randomModel, type Json } from './helpers.js';

/** A random network of LIF/IF populations with random sparse projections and delays (keyed by seed). */
function randomLifNet(seed: number, nPops: number, size: number, density: number, maxDelay: number): Network {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const populations: Network['populations'] = [];
  for (let i = 0; i < nPops; i++) {
    const n = 1 + Math.floor(rnd() * size);
    const lif = rnd() < 0.7;
    populations.push({
      name: `p${i}`,
      model: lif ? 'lif' : 'if',
      size: n,
      formats: {},
      params: {
        // if has no decays: du and dv belong to lif only (the model spec refuses unknown parameters)
        ...(lif
          ? {
              du: Int32Array.from({ length: n }, () => Math.floor(rnd() * 4096)),
              dv: Int32Array.from({ length: n }, () => Math.floor(rnd() * 4096)),
            }
          : {}),
        vth: Int32Array.from({ length: n }, () => 1 + Math.floor(rnd() * 300)),
        bias_mant: Int32Array.from({ length: n }, () => Math.floor(rnd() * 200) - 50),
        bias_exp: 6,
      },
    });
  }
  const projections: Network['projections'] = [];
  for (let a = 0; a < nPops; a++)
    for (let b = 0; b < nPops; b++) {
      if (rnd() < 0.4) continue;
      const nS = populations[a].size,
        nT = populations[b].size;
      const W = Array.from({ length: nT * nS }, () => (rnd() < density ? Math.floor(rnd() * 255) - 127 : 0));
      projections.push({
        name: `w${a}_${b}`,
        source: `p${a}`,
        target: `p${b}`,
        ...csrFromDense(W, nT, nS),
        weightBits: 8,
        exponent: Math.floor(rnd() * 5) - 2,
        delay: 1 + Math.floor(rnd() * maxDelay),
        payload: 'binary',
        payloadBits: 1,
        static: false,
      });
    }
  return { name: 'random', populations, projections, meta: {} };
}

function trace(net: Network, engine: EngineKind, steps: number, driveSeed: number) {
  const sim = new Simulator(net, { engine, seed: 1, hash: true });
  sim.reset(0);
  const us: number[] = [],
    vs: number[] = [];
  for (let t = 0; t < steps; t++) {
    // a pseudo-random external current into the first population
    const p0 = sim.pops[0];
    sim.setDrive(
      p0.name,
      Array.from({ length: p0.n }, (_, k) => ((k * 7919 + t * 104729 + driveSeed) % 97) - 20),
    );
    sim.step();
    for (const P of sim.pops) {
      us.push(...P.state.u);
      vs.push(...P.state.v);
    }
  }
  return { digest: sim.digest(), us, vs, counters: sim.counters };
}

describe('event-driven and clock-driven engines agree bit for bit', () => {
  it('random LIF/IF networks with delays (property)', () => {
    let spiking = 0,
      runs = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        (seed, nPops, maxDelay) => {
          const net = randomLifNet(seed, nPops, 30, 0.3, maxDelay);
          const a = trace(net, 'event', 40, seed),
            b = trace(net, 'clock', 40, seed);
          expect(a.digest).toBe(b.digest);
          expect(a.us).toEqual(b.us);
          expect(a.vs).toEqual(b.vs);
          expect(a.counters).toEqual(b.counters); // every counter, per projection and per population too
          runs++;
          if (a.counters.synapticEvents > 0) spiking++;
        },
      ),
      { numRuns: 40 },
    );
    expect(spiking).toBeGreaterThan(runs / 2); // the comparison is not between silent networks
  });

  it('the networks do spike, and delays shift the effect by exactly `delay` steps', () => {
    // one neuron driven to spike at step 1 -> target receives weight at step 1 + delay
    const net: Network = {
      name: 'delay',
      meta: {},
      populations: [
        { name: 'a', model: 'if', size: 1, formats: {}, params: { vth: 0, bias_mant: 0, bias_exp: 0 } },
        { name: 'b', model: 'if', size: 1, formats: {}, params: { vth: 1000, bias_mant: 0, bias_exp: 0 } },
      ],
      projections: [
        {
          name: 'ab',
          source: 'a',
          target: 'b',
          ...csrFromDense([5], 1, 1),
          weightBits: 8,
          exponent: 0,
          delay: 3,
          payload: 'binary',
          payloadBits: 1,
          static: false,
        },
      ],
    };
    for (const engine of ['event', 'clock'] as const) {
      const sim = new Simulator(net, { engine, seed: 0 });
      sim.reset(0);
      const vb: number[] = [];
      for (let t = 1; t <= 6; t++) {
        sim.setDrive('a', [t === 1 ? 1 : 0]);
        sim.step();
        vb.push(sim.pop('b').state.v[0]);
      }
      expect(vb).toEqual([0, 0, 0, 5 * 64, 5 * 64, 5 * 64]);
      expect(sim.counters.synapticEvents).toBe(1);
    }
  });

  it('the integer iP-VAE: same counts, membranes and counters in both engines', () => {
    const p = randomModel(12, 10, 0.3, 2, 0.2);
    for (let k = 0; k < 10; k++) p.u0[k] = -1 + 0.1 * k;
    const { net } = fromIpVae(p);
    const run = (engine: EngineKind) => {
      const sim = new Simulator(net, { engine, seed: 9, hash: true });
      sim.setInput(
        'x',
        Array.from({ length: 12 }, (_, d) => ((d * 37) % 23) * 40 - 400),
      );
      const us: number[] = [];
      for (let n = 0; n < 3; n++) {
        sim.reset(n);
        for (let t = 0; t < 50; t++) {
          sim.step();
          us.push(...sim.pop('z').state.u);
        }
      }
      return { d: sim.digest(), us, c: sim.counters };
    };
    const a = run('event'),
      b = run('clock');
    expect(a.d).toBe(b.d);
    expect(a.us).toEqual(b.us);
    expect(a.c.spikes).toBeGreaterThan(0);
    expect(a.c).toEqual(b.c);
  });
});

describe('Network JSON', () => {
  it('round-trips a quantised iP-VAE exactly', () => {
    const { net } = fromIpVae(randomModel(6, 5, 0.3, 4, 0.1));
    const back = fromJson(toJson(net), 'net.json');
    expect(toJson(back)).toBe(toJson(net));
    for (let i = 0; i < net.projections.length; i++)
      expect(denseWeights(back, back.projections[i])).toEqual(denseWeights(net, net.projections[i]));
  });

  const good = () => JSON.parse(toJson(fromIpVae(randomModel(6, 5, 0.3, 4, 0.1)).net));
  it.each([
    [
      'a missing field',
      (j: Json) => {
        delete j.projections[1].target;
      },
      /projections\[1\]\.target is missing/,
    ],
    [
      'a weight outside its bit width',
      (j: Json) => {
        j.projections[1].weights[3] = 300;
      },
      /projections\[1\]\.weights\[3\] = 300 is outside the 8-bit range \[-128, 127\]/,
    ],
    [
      'a delay of 0 on a dynamic projection',
      (j: Json) => {
        j.projections[1].delay = 0;
      },
      /projections\[1\]\.delay = 0, expected an integer in \[1, 65536\]/,
    ],
    [
      'an unknown neuron model',
      (j: Json) => {
        j.populations[1].model = 'hodgkin';
      },
      /populations\[1\]\.model = "hodgkin" is not a neuron model/,
    ],
    [
      'mismatched population sizes',
      (j: Json) => {
        j.populations[1].size = 4;
      },
      /populations\[1\]\.params\.bias has 5 values for a population of size 4/,
    ],
    [
      'CSR rows that do not match the source',
      (j: Json) => {
        j.projections[1].indptr.pop();
      },
      /projections\[1\]\.indptr has 5 entries; the source "z" has 5 neurons, so expected 6/,
    ],
    [
      'a target index out of range',
      (j: Json) => {
        j.projections[1].indices[0] = 99;
      },
      /projections\[1\]\.indices\[0\] = 99, expected an integer in \[0, 4\]/,
    ],
    [
      'a wrong format tag',
      (j: Json) => {
        j.format = 'nir';
      },
      /format = "nir", expected "ipvae.network"/,
    ],
  ])('rejects %s with one line naming the field', (_name, mutate, msg) => {
    const j = good();
    mutate(j);
    expect(() => fromJson(JSON.stringify(j), 'net.json')).toThrow(msg);
  });
});

describe('random LIF networks driven by data, over worker threads', () => {
  it('event and clock, 1 and 2 workers: the same digest and counters (3 random networks)', async () => {
    const { runNetwork } = await import('../src/sim/run.js');
    for (const seed of [11, 22, 33]) {
      const net = randomLifNet(seed, 3, 25, 0.3, 4);
      const nIn = 6;
      net.populations.unshift({
        name: 'in',
        model: 'input',
        size: nIn,
        params: {},
        formats: { x: { bits: 8, frac: 0, signed: true } },
      });
      const W = Array.from({ length: net.populations[1].size * nIn }, (_, i) => ((i * 7 + seed) % 5) * 20 - 30);
      net.projections.push({
        name: 'in_p0',
        source: 'in',
        target: 'p0',
        ...csrFromDense(W, net.populations[1].size, nIn),
        weightBits: 8,
        exponent: 0,
        delay: 1 + (seed % 3),
        payload: 'graded',
        payloadBits: 8,
        static: false,
      });
      const N = 6,
        X = Float32Array.from({ length: N * nIn }, (_, i) => ((i * 13 + seed) % 9) - 3);
      const results = [];
      for (const engine of ['event', 'clock'] as const)
        for (const workers of [1, 2]) {
          results.push(
            await runNetwork(
              net,
              { data: X, n: N },
              { steps: 60, seed: 5, engine, workers, probes: [{ kind: 'rates' }] },
            ),
          );
        }
      for (const r of results) {
        expect(r.spikesSha256).toBe(results[0].spikesSha256);
        expect(r.counters).toEqual(results[0].counters);
        expect(r.probes).toEqual(results[0].probes);
      }
      expect(results[0].counters.synapticEvents).toBeGreaterThan(0);
    }
  });
});
