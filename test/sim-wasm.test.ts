/**
 * The integer simulator's WebAssembly backend against its JavaScript engine: the same bytes on the bundled
 * iP-VAE (any worker count), on dense rows (added 8 synapses at a time into int32 sums), on sums too wide for
 * int32 (kept in float64), and the committed artefact against its source. The random networks of every model
 * are in neuron-models.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
// @ts-expect-error: plain ESM build script without type declarations
import { buildWasm, MODULES } from '../scripts/build-wasm.mjs';
import { WASM_BASE64, WASM_SHA256 } from '../src/sim/wasm-sim-binary.js';
import { Simulator, type SimBackend } from '../src/sim/engine.js';
import { runNetwork } from '../src/sim/run.js';
import type { ProbeRequest } from '../src/sim/probe.js';
import { fromIpVae } from '../src/frontends/ipvae.js';
import { loadModel } from '../src/io/safetensors.js';
import { loadData } from '../src/data/datasets.js';
import type { Network } from '../src/net/network.js';
import { testProjection } from './helpers.js';
import { q } from '../src/fixed/q.js';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

describe('the integer simulator in WebAssembly', () => {
  it('the committed artefact is what src/sim/asm/engine.ts compiles to', () => {
    const m = (MODULES as { source: string; artefact: string }[]).find((x) => x.source === 'src/sim/asm/engine.ts')!;
    const fresh: Buffer = buildWasm(m.source);
    const committed = Buffer.from(WASM_BASE64, 'base64');
    expect(createHash('sha256').update(committed).digest('hex')).toBe(WASM_SHA256);
    expect(fresh.equals(committed)).toBe(true);
  });

  it('the bundled patch model: the same spikes_sha256 and counters as JavaScript, 1 and 2 workers, readout skipped or not', async () => {
    const p = loadModel(join(ROOT, 'models', 'patches-k512.safetensors'));
    const { net } = fromIpVae(p);
    const data = loadData('patches', 'test');
    // JavaScript traces the decoder readout (computed every step); the WebAssembly runs read nothing, so the
    // runner skips it (SimOptions.reads) and counts its events all the same
    const run = (backend: SimBackend, workers: number, probes: ProbeRequest[] = []) =>
      runNetwork(
        net,
        { data: data.X, n: 4, width: data.D },
        { steps: 150, seed: 0, engine: 'event', backend, workers, probes },
      );
    const js = await run('js', 1, [{ kind: 'trace', population: 'xhat' }]);
    expect(js.counters.spikes).toBeGreaterThan(10000);
    for (const [backend, workers] of [
      ['wasm', 1],
      ['wasm', 2],
    ] as const) {
      const w = await run(backend, workers);
      expect(w.spikesSha256).toBe(js.spikesSha256);
      expect(w.counters).toEqual(js.counters);
    }
  });

  /** Spikes, membranes and counters of a hand-made network over 40 steps with random input spikes. */
  function trace(net: Network, backend: SimBackend) {
    const sim = new Simulator(net, { engine: 'event', seed: 1, hash: true, backend });
    let s = 12345;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    sim.reset(0);
    const v: number[] = [];
    for (let t = 0; t < 40; t++) {
      sim.setDrive(
        'in',
        Array.from({ length: sim.pop('in').n }, () => (rnd() < 0.5 ? 1 : 0)),
      );
      sim.step();
      v.push(...sim.pop('a').state.v);
    }
    return { digest: sim.digest(), v, counters: sim.counters, ring: sim.projs.map((q) => q.ring.constructor.name) };
  }

  it('dense rows (consecutive targets, sizes not a multiple of 8) and int32 sums: the same as JavaScript', () => {
    const nS = 13,
      nT = 21;
    const W = Array.from({ length: nT * nS }, (_, i) => ((i * 37) % 255) - 127); // every weight nonzero: dense
    const net: Network = {
      name: 'dense',
      meta: {},
      populations: [
        { name: 'in', model: 'input', size: nS, params: {}, formats: {} },
        { name: 'a', model: 'lif', size: nT, params: { vth: 300, du: 100, dv: 50 }, formats: {} },
      ],
      projections: [testProjection('w', 'in', 'a', W, nT, nS, { delay: 3 })],
    };
    const js = trace(net, 'js'),
      w = trace(net, 'wasm');
    expect(w.ring).toEqual(['Int32Array']);
    expect(w.digest).toBe(js.digest);
    expect(w.v).toEqual(js.v);
    expect(w.counters).toEqual(js.counters);
    expect(js.counters.spikes).toBeGreaterThan(20);
  });

  it('dense 8-bit rows in 16-bit tile sums (rows of value 1 apart, blocks summing to 255, wider values in 32 bits): the same as JavaScript', () => {
    // graded sources into 150 targets (two 64-target tiles and 22 more): values up to 600 in magnitude, a third
    // of them 1. 8-bit payloads clip (counted) and need several blocks; 10-bit payloads pass 255 (32-bit rows);
    // 300 sources give two blocks of ones; 2,100 pass the partition's 2,048 rows (all in fired order)
    const nT = 150;
    for (const [nS, payloadBits] of [
      [40, 8],
      [40, 10],
      [300, 8],
      [2100, 8],
    ]) {
      const W = Array.from({ length: nT * nS }, (_, i) => ((i * 97) % 256) - 128); // -128 .. 127, dense
      const net: Network = {
        name: 'tiles',
        meta: {},
        populations: [
          { name: 'in', model: 'input', size: nS, params: {}, formats: { x: q(12, 0) } },
          { name: 'y', model: 'readout', size: nT, params: {}, formats: { out: q(32, 0) } },
        ],
        projections: [testProjection('w', 'in', 'y', W, nT, nS, { payload: 'graded', payloadBits, delay: 2 })],
      };
      const run = (backend: SimBackend) => {
        const sim = new Simulator(net, { engine: 'event', seed: 1, hash: true, backend });
        let s = 99;
        const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        sim.reset(0);
        const v: number[] = [];
        for (let t = 0; t < 12; t++) {
          sim.setDrive(
            'in',
            Array.from({ length: nS }, () => {
              const r = rnd();
              return r < 0.2 ? 0 : r < 0.55 ? 1 : Math.floor(rnd() * 1201) - 600;
            }),
          );
          sim.step();
          v.push(...sim.pop('y').state.v);
        }
        return { digest: sim.digest(), v, counters: sim.counters, sim };
      };
      const js = run('js'),
        w = run('wasm');
      expect(w.sim.projs[0].matrix).toBeDefined();
      expect(w.v).toEqual(js.v);
      expect(w.counters).toEqual(js.counters);
      expect(w.digest).toBe(js.digest);
      expect(js.counters.saturations).toBeGreaterThan(payloadBits === 8 ? 50 : 0);
      expect(js.v.some((x) => Math.abs(x) > 100000)).toBe(true); // sums far past 16 bits
    }
  });

  it('static projections (dense 8-bit and sparse 12-bit, values clipped to the payload): the same drives and counters', () => {
    const nS = 30,
      nT = 70;
    const dense = Array.from({ length: nT * nS }, (_, i) => ((i * 53) % 256) - 128);
    const sparse = Array.from({ length: nT * nS }, (_, i) => (i % 7 === 0 ? ((i * 31) % 4096) - 2048 : 0));
    const net: Network = {
      name: 'static',
      meta: {},
      populations: [
        { name: 'in', model: 'input', size: nS, params: {}, formats: { x: q(12, 0) } },
        { name: 'a', model: 'readout', size: nT, params: {}, formats: { out: q(32, 0) } },
        { name: 'b', model: 'readout', size: nT, params: {}, formats: { out: q(32, 0) } },
      ],
      projections: [
        testProjection('d', 'in', 'a', dense, nT, nS, { payload: 'graded', payloadBits: 8, static: true, delay: 0 }),
        testProjection('s', 'in', 'b', sparse, nT, nS, {
          payload: 'graded',
          payloadBits: 10,
          weightBits: 12,
          static: true,
          delay: 0,
          exponent: -3,
        }),
      ],
    };
    const run = (backend: SimBackend) => {
      const sim = new Simulator(net, { engine: 'event', seed: 1, backend });
      const drives: number[] = [];
      for (let n = 0; n < 3; n++) {
        sim.setInput(
          'in',
          Array.from({ length: nS }, (_, i) => (i % 4 === n ? 0 : (((i + 1) * (n + 3) * 151) % 1601) - 800)),
        );
        sim.reset(n);
        drives.push(...sim.pop('a').drive, ...sim.pop('b').drive);
      }
      return { sim, drives, counters: sim.counters };
    };
    const js = run('js'),
      w = run('wasm');
    expect(w.sim.projs[0].matrix).toBeDefined(); // the dense one as a matrix, the other as CSR
    expect(w.sim.projs[1].matrix).toBeUndefined();
    expect(w.drives).toEqual(js.drives);
    expect(w.counters).toEqual(js.counters);
    expect(js.counters.saturations).toBeGreaterThan(20); // held values past 8 and 10 bits
    expect(js.counters.neurobenchEffectiveMacs).toBeGreaterThan(0);
    expect(js.drives.some((x) => Math.abs(x) > 32768)).toBe(true);
  });

  it('the iP-VAE neuron at high rates: many sampler chunks, count caps, u saturating its register (fu 16)', () => {
    const n = 37,
      fu = 16;
    const net: Network = {
      name: 'hot',
      meta: {},
      populations: [
        { name: 'in', model: 'input', size: 5, params: {}, formats: {} },
        {
          name: 'a',
          model: 'ipvae',
          size: n,
          params: {
            eta_mant: 30000,
            eta_shift: 16,
            bias: Int32Array.from({ length: n }, (_, k) => (k % 7) * 2 ** (fu - 3)),
            u0: Int32Array.from({ length: n }, (_, k) => ((k % 11) - 5) * 2 ** fu),
            clamp: 10 * 2 ** fu,
            floor: -8 * 2 ** fu,
            count_cap: 7,
          },
          formats: { u: { bits: 20, frac: fu, signed: true } },
        },
      ],
      projections: [
        testProjection(
          'w',
          'in',
          'a',
          Array.from({ length: n * 5 }, (_, i) => ((i * 53) % 180) - 60),
          n,
          5,
          { exponent: 12 },
        ),
        testProjection(
          'rec',
          'a',
          'a',
          Array.from({ length: n * n }, (_, i) => ((i * 29) % 17) - 8),
          n,
          n,
          { payload: 'graded', payloadBits: 3, exponent: 8 },
        ),
      ],
    };
    const run = (backend: SimBackend) => {
      const sim = new Simulator(net, { engine: 'event', seed: 9, hash: true, backend });
      const u: number[] = [];
      for (let x = 0; x < 3; x++) {
        sim.reset(x);
        for (let t = 0; t < 60; t++) {
          sim.setDrive('in', [1, 0, 1, t % 2, x % 2]);
          sim.step();
          u.push(...sim.pop('a').state.u);
        }
      }
      return { digest: sim.digest(), u, counters: sim.counters };
    };
    const js = run('js'),
      w = run('wasm');
    expect(js.counters.perPopulation[1].modelCounters.count_cap_hits).toBeGreaterThan(100);
    expect(js.counters.saturations).toBeGreaterThan(js.counters.perPopulation[1].modelCounters.count_cap_hits);
    expect(w.digest).toBe(js.digest);
    expect(w.u).toEqual(js.u);
    expect(w.counters).toEqual(js.counters);
  });

  it('LIF two neurons at a time: clips of u and v counted per neuron, odd sizes, the same as JavaScript', () => {
    const nS = 9,
      nT = 15;
    const W = Array.from({ length: nT * nS }, (_, i) => (i % 3 ? 127 : -128));
    const net: Network = {
      name: 'clip',
      meta: {},
      populations: [
        { name: 'in', model: 'input', size: nS, params: {}, formats: {} },
        {
          name: 'a',
          model: 'lif',
          size: nT,
          params: { vth: Int32Array.from({ length: nT }, (_, k) => 2 ** 17 - k * 5000), du: 40, dv: 3 },
          formats: {},
        },
      ],
      projections: [testProjection('w', 'in', 'a', W, nT, nS, { exponent: 12 })],
    };
    const js = trace(net, 'js'),
      w = trace(net, 'wasm');
    expect(js.counters.saturations).toBeGreaterThan(50);
    expect(js.counters.spikes).toBeGreaterThan(5);
    expect(w.digest).toBe(js.digest);
    expect(w.v).toEqual(js.v);
    expect(w.counters).toEqual(js.counters);
  });

  it('a network beyond 32-bit memory is refused before allocating, naming the way out', () => {
    const n = 2 ** 27;
    const net: Network = {
      name: 'huge',
      meta: {},
      populations: [{ name: 'a', model: 'lif', size: n, params: { vth: 10 }, formats: {} }],
      projections: [],
    };
    expect(() => new Simulator(net, { engine: 'event', seed: 0 })).toThrow(
      /network: the WebAssembly backend needs \d+ MiB, more than 32-bit memory holds; use --backend js/,
    );
  });

  it('sums that could pass 2^31 stay in float64, exactly as JavaScript', () => {
    const nS = 6,
      nT = 4;
    const W = Array.from({ length: nT * nS }, (_, i) => (i % 2 ? 1 : -1) * (2 ** 29 + i * 12345));
    const net: Network = {
      name: 'wide',
      meta: {},
      populations: [
        { name: 'in', model: 'input', size: nS, params: {}, formats: {} },
        { name: 'a', model: 'lif', size: nT, params: { vth: 2 ** 17 }, formats: {} },
      ],
      projections: [testProjection('w', 'in', 'a', W, nT, nS, { weightBits: 32, exponent: -30 })],
    };
    const js = trace(net, 'js'),
      w = trace(net, 'wasm');
    expect(w.ring).toEqual(['Float64Array']);
    expect(w.digest).toBe(js.digest);
    expect(w.v).toEqual(js.v);
    expect(w.counters).toEqual(js.counters);
  });
});
