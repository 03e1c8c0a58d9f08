/**
 * The neuron-model registry and the engines over every registered model: both engines give the same digests,
 * state and counters on random networks of every model (a model added to src/sim/models/ is covered without
 * touching this file: its parameters are drawn from its spec's ranges); NeuroBench's operation counts on hand-
 * computed cases; parameters checked at load; no silent wrap.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulator, type EngineKind, type SimBackend } from '../src/sim/engine.js';
import { neuronModel, neuronModels, resolvePopulation } from '../src/sim/registry.js';
import { stateFormat, type NeuronSpec } from '../src/sim/neuron.js';
import { csrFromDense, type Network, type Population, type Projection } from '../src/net/network.js';
import { testProjection } from './helpers.js';
import { fromJson, toJson } from '../src/net/json.js';
import { q } from '../src/fixed/q.js';

/** A deterministic generator keyed by seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A population of model `spec` with parameters drawn from its spec: known models get realistic values, any
 * other model values near the low end of each range (so a new model is exercised without edits here).
 */
function randomPopulation(spec: NeuronSpec, name: string, n: number, rnd: () => number): Population {
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const params: Population['params'] = {};
  const formats: Population['formats'] = {};
  if (spec.name === 'ipvae') {
    const fu = 12;
    Object.assign(params, {
      eta_mant: int(1000, 40000),
      eta_shift: 16,
      bias: Int32Array.from({ length: n }, () => int(0, 2 ** fu)),
      u0: Int32Array.from({ length: n }, () => int(-3 * 2 ** fu, 2 ** fu)),
      clamp: 6 * 2 ** fu,
      floor: -8 * 2 ** fu,
      count_cap: int(1, 15),
    });
    formats.u = q(20, fu);
  } else {
    for (const p of spec.params) {
      const lo = Math.max(p.min, -64),
        hi = Math.min(p.max, p.name === 'vth' ? 300 : 4095);
      const draw = () => int(lo, Math.max(lo, hi));
      params[p.name] = p.shape === 'scalar' ? draw() : rnd() < 0.5 ? draw() : Int32Array.from({ length: n }, draw);
    }
    for (const f of spec.formats) if (!f.default) formats[f.name] = q(Math.min(f.maxBits ?? 24, 24), 4);
    if (spec.name === 'readout') formats.out = q(int(6, 24), int(0, 4)); // small registers saturate
  }
  return { name, model: spec.name, size: n, params, formats };
}

/** A random network: an input population feeding any mix of the registered models, with delays 1-16. */
function randomNet(seed: number): Network {
  const rnd = rng(seed);
  const models = neuronModels().filter((m) => !m.host);
  const nPops = 1 + Math.floor(rnd() * 4);
  const populations: Population[] = [
    { name: 'in', model: 'input', size: 1 + Math.floor(rnd() * 8), params: {}, formats: { x: q(6, 2) } },
  ];
  for (let i = 0; i < nPops; i++) {
    const spec = models[Math.floor(rnd() * models.length)];
    populations.push(randomPopulation(spec, `p${i}`, 1 + Math.floor(rnd() * 20), rnd));
  }
  const projections: Projection[] = [];
  const inBinary = rnd() < 0.5;
  for (let a = 0; a < populations.length; a++)
    for (let b = 1; b < populations.length; b++) {
      if (rnd() < 0.35 && a !== 0) continue;
      const S = populations[a],
        T = populations[b],
        spec = neuronModel(S.model);
      const W = Array.from({ length: T.size * S.size }, () => (rnd() < 0.4 ? Math.floor(rnd() * 255) - 127 : 0));
      projections.push({
        name: `w${a}_${b}`,
        source: S.name,
        target: T.name,
        ...csrFromDense(W, T.size, S.size),
        weightBits: 8,
        exponent: Math.floor(rnd() * 5) - 3,
        delay: 1 + Math.floor(rnd() * 16),
        payload: spec.host ? (inBinary ? 'binary' : 'graded') : spec.payload,
        payloadBits: spec.payload === 'binary' ? 1 : 8,
        static: false,
      });
    }
  // the other host models (sources the chip does not update, e.g. constant) feed the first model population
  for (const spec of neuronModels().filter((m) => m.host && m.name !== 'input'))
    if (rnd() < 0.5) {
      const name = `h_${spec.name}`,
        size = 1 + Math.floor(rnd() * 3),
        T = populations[1];
      populations.push(randomPopulation(spec, name, size, rnd));
      const W = Array.from({ length: T.size * size }, () => Math.floor(rnd() * 255) - 127);
      projections.push({
        name: `w_${name}`,
        source: name,
        target: T.name,
        ...csrFromDense(W, T.size, size),
        weightBits: 8,
        exponent: Math.floor(rnd() * 5) - 3,
        delay: 1 + Math.floor(rnd() * 16),
        payload: spec.payload,
        payloadBits: spec.payload === 'binary' ? 1 : 8,
        static: false,
      });
    }
  return { name: `random-${seed}`, populations, projections, meta: {} };
}

/** Run with per-step drives into the input (spikes or graded, some beyond its 6-bit format) and a current. */
function trace(
  net: Network,
  engine: EngineKind,
  steps: number,
  seed: number,
  backend: SimBackend = 'js',
  lifMode: 'saturate' | 'lava-wrap' = 'saturate',
) {
  const rnd = rng(seed ^ 0x5bd1e995);
  const sim = new Simulator(net, { engine, seed: 3, hash: true, backend, lifMode });
  const binary = net.projections.some((p) => p.source === 'in' && p.payload === 'binary');
  const states: number[] = [];
  for (let n = 0; n < 2; n++) {
    sim.reset(n);
    for (let t = 0; t < steps; t++) {
      const x = sim.pop('in');
      sim.setDrive(
        'in',
        Array.from({ length: x.n }, () => (binary ? (rnd() < 0.3 ? 1 : 0) : Math.floor(rnd() * 200) - 100)),
      );
      const p1 = sim.pops[1];
      if (rnd() < 0.3)
        sim.setDrive(
          p1.name,
          Array.from({ length: p1.n }, () => Math.floor(rnd() * 41) - 20),
        );
      sim.step();
      for (const P of sim.pops) for (const k of Object.keys(P.state).sort()) states.push(...P.state[k]);
    }
  }
  return { digest: sim.digest(), states, counters: sim.counters };
}

describe('neuron-model registry', () => {
  it('has the built-in models, each spec well formed', () => {
    const names = neuronModels().map((m) => m.name);
    for (const m of ['input', 'ipvae', 'lif', 'if', 'readout']) expect(names).toContain(m);
    expect(new Set(names).size).toBe(names.length);
    for (const m of neuronModels()) {
      for (const p of m.params) {
        expect(p.min, `${m.name}.${p.name}`).toBeLessThanOrEqual(p.max);
        if (p.default !== undefined) {
          expect(p.default).toBeGreaterThanOrEqual(p.min);
          expect(p.default).toBeLessThanOrEqual(p.max);
        }
      }
      // every state variable names a fixed format or one of the spec's formats
      for (const st of m.state)
        if (typeof st.format === 'string') expect(m.formats.map((f) => f.name)).toContain(st.format);
      expect(m.summary.length).toBeGreaterThan(10);
    }
  });

  it('resolves defaults and refuses missing, out-of-range, misshapen and unknown parameters, naming them', () => {
    const lif = (params: Population['params']): Population => ({
      name: 'a',
      model: 'lif',
      size: 2,
      params,
      formats: {},
    });
    const ok = resolvePopulation(lif({ vth: 10 }));
    expect('params' in ok && ok.params).toEqual({ du: 0, dv: 0, vth: 10, bias_mant: 0, bias_exp: 0 });
    const problem = (p: Population) => {
      const r = resolvePopulation(p);
      return 'problem' in r ? `${r.problem.field} ${r.problem.what}` : 'ok';
    };
    expect(problem(lif({}))).toMatch(/^params\.vth is missing/);
    expect(problem(lif({ vth: 10, du: 5000 }))).toMatch(/^params\.du = 5000 is outside \[0, 4095\]/);
    expect(problem(lif({ vth: Int32Array.of(1, 2, 3) }))).toMatch(
      /^params\.vth has 3 values for a population of size 2/,
    );
    expect(problem(lif({ vth: Int32Array.of(1, -2) }))).toMatch(/^params\.vth\[1\] = -2 is outside/);
    expect(problem(lif({ vth: 1, Vth: 2 }))).toMatch(/^params\.Vth is not a parameter of lif/);
    expect(problem({ name: 'z', model: 'ipvae', size: 1, params: {}, formats: {} })).toMatch(
      /^params\.eta_mant is missing/,
    );
    expect(problem({ name: 'q', model: 'hodgkin', size: 1, params: {}, formats: {} })).toMatch(/is not a neuron model/);
  });

  it('the network loader refuses a bad parameter at load, naming populations[i].params.NAME', () => {
    const net = randomNet(7);
    const j = JSON.parse(
      toJson({
        ...net,
        populations: [net.populations[0], { name: 'l', model: 'lif', size: 2, params: {}, formats: {} }],
        projections: [],
      }),
    );
    expect(() => fromJson(JSON.stringify(j), 'n.json')).toThrow(/^n\.json: populations\[1\]\.params\.vth is missing/);
    j.populations[1].params = { vth: 1, dv: 9999 };
    expect(() => fromJson(JSON.stringify(j), 'n.json')).toThrow(
      /populations\[1\]\.params\.dv = 9999 is outside \[0, 4095\]/,
    );
  });

  it('a projection must carry what its source emits (a LIF source is binary)', () => {
    const net: Network = {
      name: 'n',
      meta: {},
      populations: [
        { name: 'a', model: 'lif', size: 1, params: { vth: 1 }, formats: {} },
        { name: 'b', model: 'lif', size: 1, params: { vth: 1 }, formats: {} },
      ],
      projections: [testProjection('ab', 'a', 'b', [1], 1, 1)],
    };
    expect(fromJson(toJson(net), 'n.json').projections[0].payload).toBe('binary');
    const j = JSON.parse(toJson(net));
    j.projections[0].payload = 'graded';
    expect(() => fromJson(JSON.stringify(j), 'n.json')).toThrow(
      /projections\[0\]\.payload = "graded" but the source "a" \(lif\) emits binary values/,
    );
  });
});

describe('both engines over every registered model', () => {
  it('property: identical digests, state and every counter on random networks (delays 1-16, graded and binary, saturating inputs)', () => {
    const seen = new Set<string>();
    let active = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const net = randomNet(seed);
        for (const p of net.populations) seen.add(p.model);
        const a = trace(net, 'event', 30, seed),
          b = trace(net, 'clock', 30, seed);
        expect(a.digest).toBe(b.digest);
        expect(a.states).toEqual(b.states);
        expect(a.counters).toEqual(b.counters);
        if (a.counters.synapticEvents > 0) active++;
      }),
      { numRuns: 60 },
    );
    for (const m of neuronModels()) expect(seen, `model ${m.name} was drawn`).toContain(m.name);
    expect(active).toBeGreaterThan(30); // the networks are not silent
  });
});

describe('the WebAssembly backend over every registered model (bit-identity is its contract)', () => {
  it('property: the same digests, state and counters as the JavaScript engine, event and clock, saturating and lava-wrap', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.boolean(), (seed, wrap) => {
        const net = randomNet(seed);
        for (const p of net.populations) seen.add(p.model);
        const mode = wrap ? 'lava-wrap' : 'saturate';
        const js = trace(net, 'event', 30, seed, 'js', mode);
        for (const engine of ['event', 'clock'] as const) {
          const w = trace(net, engine, 30, seed, 'wasm', mode);
          expect(w.digest).toBe(js.digest);
          expect(w.states).toEqual(js.states);
          expect(w.counters).toEqual(js.counters);
        }
      }),
      { numRuns: 60 },
    );
    for (const m of neuronModels()) expect(seen, `model ${m.name} was drawn`).toContain(m.name);
  });
});

/** randomNet plus a 32-bit readout that every population feeds with one delay (a sink nobody else reads). */
function withSink(net: Network, seed: number): Network {
  const rnd = rng(seed ^ 0x2545f491);
  const size = 1 + Math.floor(rnd() * 6),
    delay = 1 + Math.floor(rnd() * 16); // one delay for all its inputs (a lazy population's condition)
  const projections = net.projections.slice();
  for (const S of net.populations) {
    if (neuronModel(S.model).payload === 'graded' && neuronModel(S.model).name === 'readout') continue;
    const spec = neuronModel(S.model);
    const W = Array.from({ length: size * S.size }, () => (rnd() < 0.5 ? Math.floor(rnd() * 255) - 127 : 0));
    projections.push({
      name: `sink_${S.name}`,
      source: S.name,
      target: 'sink',
      ...csrFromDense(W, size, S.size),
      weightBits: 8,
      exponent: Math.floor(rnd() * 5) - 3,
      delay,
      payload: spec.host
        ? projections.some((q) => q.source === S.name && q.payload === 'binary')
          ? 'binary'
          : 'graded'
        : spec.payload,
      payloadBits: spec.payload === 'binary' ? 1 : 8,
      static: false,
    });
  }
  const sink: Population = { name: 'sink', model: 'readout', size, params: {}, formats: { out: q(32, 0) } };
  return { ...net, populations: [...net.populations, sink], projections };
}

/** Input drives only; per step, each population's state, or null for a population not read at that step. */
function traceReads(
  net: Network,
  engine: EngineKind,
  backend: SimBackend,
  seed: number,
  reads?: Record<string, number[]>,
) {
  const rnd = rng(seed ^ 0x5bd1e995);
  const sim = new Simulator(net, { engine, seed: 3, hash: true, backend, reads });
  const binary = net.projections.some((p) => p.source === 'in' && p.payload === 'binary');
  const states: (number[] | null)[] = [];
  for (let n = 0; n < 2; n++) {
    sim.reset(n);
    for (let t = 1; t <= 30; t++) {
      const x = sim.pop('in');
      sim.setDrive(
        'in',
        Array.from({ length: x.n }, () => (binary ? (rnd() < 0.3 ? 1 : 0) : Math.floor(rnd() * 200) - 100)),
      );
      sim.step();
      for (const P of sim.pops)
        states.push(
          reads?.[P.name] && !reads[P.name].includes(t) ? null : Object.values(P.state).flatMap((a) => [...a]),
        );
    }
  }
  return { sim, digest: sim.digest(), states, counters: sim.counters };
}

describe('populations read only at some steps (SimOptions.reads)', () => {
  it('property: a sink readout computed only at the steps read gives the same state there, digests and counters', () => {
    let skipped = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 4 }),
        (seed, at) => {
          const net = withSink(randomNet(seed), seed);
          // every readout is listed; only the sink (no outgoing projection, a 32-bit register) can be skipped
          const reads = Object.fromEntries(
            net.populations.filter((p) => p.model === 'readout').map((p) => [p.name, at]),
          );
          const eager = traceReads(net, 'event', 'js', seed);
          for (const engine of ['event', 'clock'] as const)
            for (const backend of ['js', 'wasm'] as const) {
              const lazy = traceReads(net, engine, backend, seed, reads);
              if (lazy.sim.pop('sink').lazy) skipped++;
              expect(lazy.digest).toBe(eager.digest);
              expect(lazy.counters).toEqual(eager.counters);
              lazy.states.forEach((st, i) => {
                if (st) expect(st).toEqual(eager.states[i]);
              });
            }
        },
      ),
      { numRuns: 40 },
    );
    expect(skipped).toBeGreaterThan(100); // the sink was skipped in most runs
  });

  it('steps nobody reads are skipped, except those whose inputs could saturate; a skipped population refuses a drive', () => {
    const run = (outBits: number, reads?: Record<string, number[]>) => {
      const sim = new Simulator(layer([[127]], 0, 'graded', outBits), { engine: 'event', seed: 0, reads });
      sim.reset(0);
      const v: number[] = [];
      for (const x of [100, 50, 1, 1]) {
        sim.setDrive('x', [x]);
        sim.step();
        v.push(sim.pop('y').state.v[0]);
      }
      return { sim, v };
    };
    // 32-bit readout read at step 2 only: steps 1, 3 and 4 are skipped (v keeps step 2's value, x(1) w)
    const wide = run(32, { y: [2] });
    expect(wide.v).toEqual([0, 12700, 12700, 12700]);
    expect(run(32).v).toEqual([0, 12700, 6350, 127]);
    expect(wide.sim.counters).toEqual(run(32).sim.counters); // every event counted, delivered or not
    expect(wide.sim.counters.synapticEvents).toBe(4);
    expect(() => wide.sim.setDrive('y', [1])).toThrow(/computed only at the steps read/);
    // 8-bit readout read at no step: 127 x 100 and 127 x 50 do not fit, so steps 2 and 3 are computed (clips
    // counted as before); step 4 (127 x 1 fits) is skipped
    const narrow = run(8, { y: [] });
    expect(narrow.v).toEqual([0, 127, 127, 127]);
    expect(narrow.sim.counters).toEqual(run(8).sim.counters);
    expect(narrow.sim.counters.saturations).toBe(2);
    // an input feeding only static projections is skipped too (its held values were counted by setInput)
    const st = layer([[127, -3]], 0, 'graded', 32);
    st.projections[0] = { ...st.projections[0], static: true, delay: 0 };
    const runStatic = (reads?: Record<string, number[]>) => {
      const sim = new Simulator(st, { engine: 'event', seed: 0, hash: true, reads });
      for (let n = 0; n < 2; n++) {
        sim.setInput('x', [300 * (n + 1), -200]); // past the 8-bit input format: clipped, counted
        sim.reset(n);
        for (let t = 0; t < 3; t++) sim.step();
      }
      return sim;
    };
    const skipped = runStatic({ x: [] }),
      eager = runStatic();
    expect(skipped.pop('x').lazy).toBeDefined();
    expect(skipped.pop('x').nFired).toBe(0);
    expect(eager.pop('x').nFired).toBe(2);
    expect(skipped.counters).toEqual(eager.counters);
    expect(skipped.digest()).toBe(eager.digest());
    expect(Array.from(skipped.pop('y').drive)).toEqual(Array.from(eager.pop('y').drive));
    expect(() => skipped.setDrive('x', [1, 1])).toThrow(/computed only at the steps read/);
    expect(() => new Simulator(layer([[1]], 0), { engine: 'event', seed: 0, reads: { nope: [] } })).toThrow(
      /no population/,
    );
  });
});

/** x (input, Q(frac)) -> y (readout) through W (out x in, integer mantissas), delay 1. */
function layer(W: number[][], frac: number, payload: 'binary' | 'graded' = 'graded', outBits = 24): Network {
  const nT = W.length,
    nS = W[0].length;
  return {
    name: 'layer',
    meta: {},
    populations: [
      { name: 'x', model: 'input', size: nS, params: {}, formats: { x: q(8, frac) } },
      { name: 'y', model: 'readout', size: nT, params: {}, formats: { out: q(outBits, frac) } },
    ],
    projections: [
      {
        name: 'W',
        source: 'x',
        target: 'y',
        ...csrFromDense(W.flat(), nT, nS),
        weightBits: 8,
        exponent: -frac,
        delay: 1,
        payload,
        payloadBits: payload === 'binary' ? 1 : 8,
        static: false,
      },
    ],
  };
}

function drive(net: Network, rows: number[][]) {
  const sim = new Simulator(net, { engine: 'event', seed: 0 });
  sim.reset(0);
  const y: number[][] = [];
  for (const r of rows) {
    sim.setDrive('x', r);
    sim.step();
    y.push(Array.from(sim.pop('y').state.v));
  }
  return { c: sim.counters, y, sat: sim.sat[0] };
}

describe('NeuroBench synaptic operations (hardware-spec section 4)', () => {
  // W = [[1.3, 0, -3.2], [0, 1.2, -5.1], [-1.1, 2.7, 0]] in Q4; x = [0, 1.3, -1] in Q4 = [0, 21, -16]
  const W = [
    [21, 0, -51],
    [0, 19, -82],
    [-18, 43, 0],
  ];
  it('the documented example: effective 4 (MACs: 1.3 is outside {-1, 0, 1}), dense 9', () => {
    const { c } = drive(layer(W, 4), [[0, 21, -16]]);
    expect([c.neurobenchEffectiveMacs, c.neurobenchEffectiveAcs, c.neurobenchDense]).toEqual([4, 0, 9]);
    expect(c.messages).toBe(2);
  });

  it('x = [0, 1, -1] (16 = 1.0 in Q4): the same four are ACs; dense counts every step, effective only nonzero inputs', () => {
    const { c, y } = drive(layer(W, 4), [
      [0, 16, -16],
      [0, 0, 0],
    ]);
    expect([c.neurobenchEffectiveMacs, c.neurobenchEffectiveAcs, c.neurobenchDense]).toEqual([0, 4, 18]);
    // y = W x, delivered one step later: floor((W . x) * 2^-4 * 2^4 / 2^4) in Q4, hand-computed
    expect(y[1]).toEqual([
      Math.floor((0 * 0 + -51 * -16) / 16),
      Math.floor((19 * 16 + -82 * -16) / 16),
      Math.floor(43),
    ]);
  });

  it('a graded count of 3 is one MAC per synapse, not three ACs', () => {
    const { c } = drive(layer([[5], [7]], 0), [[3]]);
    expect([c.neurobenchEffectiveMacs, c.neurobenchEffectiveAcs]).toEqual([2, 0]);
    const one = drive(layer([[5], [7]], 0), [[1]]).c;
    expect([one.neurobenchEffectiveMacs, one.neurobenchEffectiveAcs]).toEqual([0, 2]);
  });

  it('zero weights are not effective operations; a binary input refuses a value that is not a spike', () => {
    const { c } = drive(
      layer(
        [
          [0, 4],
          [0, 0],
        ],
        0,
        'binary',
      ),
      [[1, 1]],
    );
    expect(c.neurobenchEffectiveAcs).toBe(1);
    expect(c.neurobenchDense).toBe(4);
    expect(() => drive(layer([[1]], 0, 'binary'), [[2]])).toThrow(/binary projection.*spikes \(0 or 1\)/);
  });
});

describe('no silent wrap', () => {
  it('the readout saturates to its register and counts each clip (it used to wrap in an Int32Array)', () => {
    // 8-bit readout in Q0: 127 x 100 = 12,700 does not fit; it saturates to 127, counted once per step
    const { y, c } = drive(layer([[127]], 0, 'graded', 8), [[100], [-100], [0]]);
    expect(y.map((r) => r[0])).toEqual([0, 127, -128]);
    expect(c.saturations).toBe(2);
  });

  it('input values beyond the input format saturate and are counted', () => {
    const { y, c } = drive(layer([[1]], 0), [[1000], [0]]);
    expect(y[1][0]).toBe(127); // x is 8-bit: 1000 -> 127
    expect(c.saturations).toBe(1);
  });

  it('state registers have the widths their specs declare', () => {
    for (const m of neuronModels())
      for (const st of m.state) {
        const p = randomPopulation(m, 'p', 1, rng(1));
        const f = stateFormat(m, st, p);
        expect(f.bits).toBeLessThanOrEqual(32); // every state array is an Int32Array
      }
  });
});

describe('what the review found, kept fixed', () => {
  const run1 = (net: Network, rows: number[][], pop = 'x') => {
    const sim = new Simulator(net, { engine: 'clock', seed: 0 });
    sim.reset(0);
    for (const r of rows) {
      sim.setDrive(pop, r);
      sim.step();
    }
    return sim;
  };

  it('a graded value wider than its projection payload saturates (counted), in both engines alike', () => {
    const net = layer([[1]], 0);
    net.projections[0].payloadBits = 3; // signed 3 bits: [-4, 3]
    for (const engine of ['event', 'clock'] as const) {
      const sim = new Simulator(net, { engine, seed: 0 });
      sim.reset(0);
      const y: number[] = [];
      for (const r of [[100], [-100], [2], [0]]) {
        sim.setDrive('x', r);
        sim.step();
        y.push(sim.pop('y').state.v[0]);
      }
      expect(y).toEqual([0, 3, -4, 2]);
      expect(sim.sat[0]).toBe(2);
    }
  });

  it('a binary projection counts ACs whatever the input format; setInput refuses a non-spike for it', () => {
    const sim = run1(layer([[1, 2, 3]], 4, 'binary'), [[0, 1, 1]]);
    expect([sim.counters.neurobenchEffectiveAcs, sim.counters.neurobenchEffectiveMacs]).toEqual([2, 0]);
    expect(() => new Simulator(layer([[1]], 0, 'binary'), { engine: 'event', seed: 0 }).setInput('x', [3])).toThrow(
      /binary projection.*spikes \(0 or 1\)/,
    );
  });

  it('refuses what would wrap or lose exactness: weights beyond weight_bits, scales beyond 2^+-64, 32-bit unsigned formats', () => {
    const wide = layer([[1]], 0);
    wide.projections[0].weights[0] = 300; // declared 8 bits
    expect(() => new Simulator(wide, { engine: 'event', seed: 0 })).toThrow(
      /weight 0 = 300 is outside the 8-bit range/,
    );
    const far = layer([[1]], 0);
    far.projections[0].exponent = -64;
    far.populations[0].formats.x = q(8, 30); // shift -64 + 0 - 30
    expect(() => new Simulator(far, { engine: 'event', seed: 0 })).toThrow(/outside 2\^-64 \.\. 2\^64/);
    const u32 = layer([[1]], 0);
    u32.populations[0].formats.x = q(32, 0, false);
    expect(() => new Simulator(u32, { engine: 'event', seed: 0 })).toThrow(/formats\.x\.bits = 32 is more than 31/);
  });

  it('an unknown format or a "__proto__" parameter is refused at load', () => {
    const j = JSON.parse(toJson(layer([[1]], 0)));
    j.populations[1].formats.zzz = { bits: 8, frac: 0, signed: true };
    expect(() => fromJson(JSON.stringify(j), 'n.json')).toThrow(
      /populations\[1\]\.formats\.zzz is not a format of readout/,
    );
    const text = toJson(layer([[1]], 0)).replace('"params":{}', '"params":{"__proto__":5}');
    expect(() => fromJson(text, 'n.json')).toThrow(/populations\[0\]\.params\.__proto__ is not a parameter of input/);
  });

  it('--lava-wrap: what one 2^24 correction cannot bring back saturates, counted (no 32-bit wrap)', () => {
    const net: Network = {
      name: 'w',
      meta: {},
      populations: [{ name: 'x', model: 'lif', size: 1, params: { vth: 2 ** 17, du: 4095 }, formats: {} }],
      projections: [],
    };
    const sim = new Simulator(net, { engine: 'event', seed: 0, lifMode: 'lava-wrap' });
    sim.reset(0);
    sim.setDrive('x', [100_000_000]); // << 6 = 6.4e9
    sim.step();
    expect(sim.pop('x').state.u[0]).toBe(2 ** 23 - 1);
    expect(sim.sat[0]).toBeGreaterThanOrEqual(1);
  });

  it('a drive into an input that feeds only static projections is refused (it would do nothing)', () => {
    const net = layer([[1]], 0);
    net.projections[0].static = true;
    net.projections[0].delay = 0;
    const sim = new Simulator(net, { engine: 'event', seed: 0 });
    expect(() => sim.setDrive('x', [5])).toThrow(/feeds only static projections/);
  });
});
