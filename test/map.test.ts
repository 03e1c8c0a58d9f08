import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { parseProfile, loadProfile, type Profile } from '../src/hardware/profile.js';
import { mapNetwork, type Mapping } from '../src/hardware/mapper.js';
import { limitsOf } from '../src/hardware/check.js';
import {
  deploymentObject,
  encodeDeployment,
  decodeDeployment,
  type Deployment,
  type DeployCore,
} from '../src/hardware/deploy.js';
import { clusteredNetwork } from '../src/net/random.js';
import { fromIpVae } from '../src/frontends/ipvae.js';
import { loadModel } from '../src/io/safetensors.js';
import { csrFromDense, type Network, type Population } from '../src/net/network.js';
import { UserError } from '../src/errors.js';
import { join } from 'node:path';
import { testProjection } from './helpers.js';

const MODELS = join(__dirname, '..', 'models');

/** A profile with the given core limits (every number an assumption, as in the generic template). */
function profile(core: Record<string, number | string>, extra: Record<string, unknown> = {}): Profile {
  const e = (v: unknown) => ({ value: v, source: 'test', confidence: 'assumption' });
  return parseProfile(
    JSON.stringify({
      format: 'ipvae.profile',
      version: 1,
      name: 'test',
      chip: { cores_per_chip: e(16), mesh: e([4, 4]) },
      core: Object.fromEntries(Object.entries(core).map(([k, v]) => [k, e(v)])),
      precision: { weight_bits: e(9) },
      spikes: { kind: e('graded'), payload_bits: e(16) },
      ...extra,
    }),
    'test.json',
  );
}

/** Every synapse of a network, as "proj/src/tgt/w" strings (a multiset). */
function netSynapses(net: Network): string[] {
  const out: string[] = [];
  for (const q of net.projections) {
    if (net.populations.find((p) => p.name === q.target)!.model === 'input') continue;
    for (let s = 0; s + 1 < q.indptr.length; s++)
      for (let j = q.indptr[s]; j < q.indptr[s + 1]; j++) out.push(`${q.name}/${s}/${q.indices[j]}/${q.weights[j]}`);
  }
  return out.sort();
}

interface Lim {
  neurons: number;
  fanIn: number;
  fanOut: number;
  memBytes: number;
  neuronFanOut: number;
  axonBits: number;
  encoding: 'sparse' | 'dense' | 'crossbar';
  synapses: number;
  weightBits: number;
  weightLevels: number;
  maxCores: number;
}

/**
 * Independent check of a decoded deployment against the network and the profile's limits: brute force with
 * sets, sharing no code with the mapper. Returns the broken constraints (empty when the mapping is valid).
 */
function verify(net: Network, d: Deployment, lim: Lim): string[] {
  const broken: string[] = [];
  const placedAt = new Map<string, number>(); // "pop/i" -> core
  const seen: string[] = [];
  const idxBits = Math.max(1, Math.ceil(Math.log2(lim.neurons)));
  const proj = (name: string) => net.projections.find((q) => q.name === name)!;
  const levels = new Map<string, Set<number>>();
  if (d.cores.length > lim.maxCores) broken.push(`${d.cores.length} cores > ${lim.maxCores}`);
  for (const c of d.cores) {
    const localToGlobal: string[] = [];
    for (const r of c.neurons)
      for (let k = 0; k < r.count; k++) {
        const key = `${r.population}/${r.first + k}`;
        if (placedAt.has(key)) broken.push(`neuron ${key} placed twice`);
        placedAt.set(key, c.index);
        localToGlobal.push(key);
      }
    if (localToGlobal.length > lim.neurons) broken.push(`core ${c.index}: ${localToGlobal.length} neurons`);
    const axons = new Set<string>();
    let bits = 0,
      nSyn = 0,
      maxWb = 0;
    for (const b of c.synapses) {
      const q = proj(b.projection);
      maxWb = Math.max(maxWb, b.weightBits);
      for (let a = 0; a < b.axons.length; a++) {
        axons.add(`${q.source}/${b.axons[a]}`);
        for (let j = b.indptr[a]; j < b.indptr[a + 1]; j++) {
          const tgt = localToGlobal[b.targets[j]],
            [pop, i] = tgt.split('/');
          if (pop !== q.target) broken.push(`synapse of ${q.name} stored on a core without its target`);
          seen.push(`${q.name}/${b.axons[a]}/${i}/${b.weights[j]}`);
          if (b.weights[j] < -(2 ** (lim.weightBits - 1)) || b.weights[j] >= 2 ** (lim.weightBits - 1))
            broken.push(`${q.name}: weight ${b.weights[j]} > ${lim.weightBits} bits`);
          if (b.weights[j] !== 0)
            (levels.get(tgt) ?? levels.set(tgt, new Set()).get(tgt)!).add(b.weights[j] * 2 ** b.exponent);
          bits += q.weightBits + idxBits;
          nSyn++;
        }
      }
    }
    if (lim.encoding === 'dense') bits = axons.size * localToGlobal.length * maxWb;
    else if (lim.encoding === 'crossbar') bits = axons.size * localToGlobal.length;
    else bits += axons.size * lim.axonBits;
    if (axons.size > lim.fanIn) broken.push(`core ${c.index}: fan-in ${axons.size}`);
    if (nSyn > lim.synapses) broken.push(`core ${c.index}: ${nSyn} synapses`);
    if (bits > lim.memBytes * 8) broken.push(`core ${c.index}: ${bits} bits of synapses`);
  }
  for (const [t, set] of levels) if (set.size > lim.weightLevels) broken.push(`${t}: ${set.size} weight levels`);
  if (Number.isFinite(lim.weightLevels))
    for (const c of d.cores)
      if (!axonTypesHold(c, net, lim.weightLevels))
        broken.push(`core ${c.index}: axon types do not realise the weights`);
  for (const p of net.populations)
    if (p.model !== 'input')
      for (let i = 0; i < p.size; i++)
        if (!placedAt.has(`${p.name}/${i}`)) broken.push(`neuron ${p.name}/${i} not placed`);
  if (!isDeepStrictEqual(seen.sort(), netSynapses(net)))
    broken.push('synapses stored differ from the network (missing, duplicated or changed)');
  // Fan-out: distinct destination cores of each source neuron, summed on the source's core.
  const dests = new Map<string, Set<number>>();
  for (const q of net.projections) {
    if (net.populations.find((p) => p.name === q.target)!.model === 'input') continue;
    for (let s = 0; s + 1 < q.indptr.length; s++)
      for (let j = q.indptr[s]; j < q.indptr[s + 1]; j++) {
        const key = `${q.source}/${s}`;
        (dests.get(key) ?? dests.set(key, new Set()).get(key)!).add(placedAt.get(`${q.target}/${q.indices[j]}`)!);
      }
  }
  const fanOut = new Map<number, number>();
  for (const [key, set] of dests) {
    const home = placedAt.get(key);
    if (home === undefined) continue; // the host
    if (set.size > lim.neuronFanOut) broken.push(`${key} reaches ${set.size} cores`);
    fanOut.set(home, (fanOut.get(home) ?? 0) + set.size);
  }
  for (const [c, n] of fanOut) if (n > lim.fanOut) broken.push(`core ${c}: fan-out ${n}`);
  return broken;
}

/** Whether the axon types recorded in a core's synapse blocks give every neuron one weight per type. */
function axonTypesHold(c: DeployCore, net: Network, levels: number): boolean {
  const table = new Map<string, number>();
  for (const b of c.synapses) {
    if (b.axonTypes.length !== b.axons.length) return false;
    for (let a = 0; a < b.axons.length; a++) {
      const t = b.axonTypes[a];
      if (t >= levels) return false;
      for (let j = b.indptr[a]; j < b.indptr[a + 1]; j++) {
        if (b.weights[j] === 0) continue;
        const key = `${b.targets[j]}:${t}`,
          w = b.weights[j] * 2 ** b.exponent;
        if (table.has(key) && table.get(key) !== w) return false;
        table.set(key, w);
      }
    }
  }
  // The same axon (source neuron) has one type on the core, whatever the projection.
  const typeOf = new Map<string, number>();
  for (const b of c.synapses) {
    const src = net.projections.find((q) => q.name === b.projection)!.source;
    for (let a = 0; a < b.axons.length; a++) {
      const key = `${src}/${b.axons[a]}`;
      if (typeOf.has(key) && typeOf.get(key) !== b.axonTypes[a]) return false;
      typeOf.set(key, b.axonTypes[a]);
    }
  }
  return true;
}

/** Spikes per step between cores, recomputed by brute force from a decoded deployment (rate 1 everywhere). */
function bruteTraffic(net: Network, d: Deployment): number {
  const at = new Map<string, number>();
  for (const c of d.cores)
    for (const r of c.neurons) for (let k = 0; k < r.count; k++) at.set(`${r.population}/${r.first + k}`, c.index);
  const dests = new Map<string, Set<number>>();
  for (const q of net.projections)
    for (let s = 0; s + 1 < q.indptr.length; s++)
      for (let j = q.indptr[s]; j < q.indptr[s + 1]; j++) {
        const key = `${q.source}/${s}`,
          c = at.get(`${q.target}/${q.indices[j]}`);
        if (c !== undefined) (dests.get(key) ?? dests.set(key, new Set()).get(key)!).add(c);
      }
  let t = 0;
  for (const [key, set] of dests) {
    const h = at.get(key);
    if (h !== undefined) t += set.size - (set.has(h) ? 1 : 0);
  }
  return t;
}

const lif = (name: string, size: number): Population => ({
  name,
  model: 'lif',
  size,
  params: { du: 100, dv: 200, vth: 64, bias_mant: 0, bias_exp: 0 },
  formats: {},
});

/** A random network from fast-check: an input population and 1-3 LIF populations, random sparse projections. */
const arbNet = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 2, maxLength: 4 }),
    proj: fc.array(
      fc.record({
        s: fc.nat(),
        t: fc.nat(),
        density: fc.double({ min: 0.02, max: 0.6, noNaN: true }),
        bits: fc.integer({ min: 2, max: 9 }),
        seed: fc.nat(),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map(({ sizes, proj }) => {
    const pops: Population[] = sizes.map((n, i) =>
      i === 0 ? { name: 'in', model: 'input', size: n, params: {}, formats: {} } : lif(`p${i}`, n),
    );
    const projections = proj.map((r, k) => {
      const S = pops[r.s % pops.length],
        T = pops[1 + (r.t % (pops.length - 1))];
      let x = r.seed + 1;
      const W = Array.from({ length: T.size * S.size }, () => {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        const u = x / 2 ** 32;
        return u < r.density ? 1 + (x % (2 ** (r.bits - 1) - 1)) * (x & 1 ? 1 : -1) : 0;
      });
      return {
        name: `q${k}`,
        source: S.name,
        target: T.name,
        ...csrFromDense(W, T.size, S.size),
        weightBits: r.bits,
        exponent: -3,
        delay: 1,
        payload: 'graded' as const,
        payloadBits: 8,
        static: S.model === 'input',
      };
    });
    return { name: 'random', populations: pops, projections, meta: {} } as Network;
  });

const roundTrip = (net: Network, m: Mapping) =>
  decodeDeployment(encodeDeployment(deploymentObject(net, m, 'spikes')), 'mem.pb');

describe('mapper', () => {
  it('a hand-computed case: fill keeps index order; spikes between cores and routes as counted by hand', () => {
    // 0 -> 2, 0 -> 3, 1 -> 0, 2 -> 3; two neurons per core: cores {0,1}, {2,3}.
    const W = [0, 1, 0, 0, /* row of target 0: from 1 */ 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0];
    const net: Network = {
      name: 'hand',
      meta: {},
      populations: [lif('a', 4)],
      projections: [testProjection('r', 'a', 'a', W, 4, 4)],
    };
    const m = mapNetwork(net, profile({ neurons: 2 }), { strategy: 'fill' });
    expect(Array.from(m.part)).toEqual([0, 0, 1, 1]);
    // Neuron 0 reaches core 1 once (targets 2 and 3 share it); 1 -> 0 and 2 -> 3 stay on their cores.
    expect(m.totals.interCoreSpikesPerStep).toBe(1);
    expect(Array.from(m.routes.src)).toEqual([0]);
    expect(Array.from(m.routes.dst)).toEqual([1]);
    expect(Array.from(m.cores.fanIn)).toEqual([1, 2]); // core 0: axon of neuron 1; core 1: axons of 0 and 2
    expect(Array.from(m.cores.fanOut)).toEqual([2, 1]); // 0 -> core 1, 1 -> core 0; 2 -> core 1
    const t = mapNetwork(net, profile({ neurons: 2 }), { strategy: 'traffic' });
    expect(t.totals.interCoreSpikesPerStep).toBe(1); // fill is optimal here; traffic must not do worse
    // Rates weight the traffic: neuron 0 at 0.25 spikes per step.
    const r = mapNetwork(net, profile({ neurons: 2 }), { strategy: 'fill', rates: { a: [0.25, 1, 1, 1] } });
    expect(r.totals.interCoreSpikesPerStep).toBe(0.25);
  });

  it("property: a mapping with no reported violation keeps every limit (and one with violations breaks one); each neuron placed once, each synapse stored once on its target's core", () => {
    const arbLim = fc.record({
      neurons: fc.integer({ min: 3, max: 40 }),
      fanIn: fc.integer({ min: 10, max: 200 }),
      memBytes: fc.integer({ min: 100, max: 4000 }),
      axonBits: fc.integer({ min: 1, max: 16 }),
      encoding: fc.constantFrom('sparse', 'dense', 'crossbar'),
      synapses: fc.integer({ min: 20, max: 2000 }),
      fanOutMul: fc.integer({ min: 1, max: 6 }),
      neuronFanOut: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      weightBits: fc.integer({ min: 4, max: 9 }),
      weightLevels: fc.option(fc.integer({ min: 2, max: 8 }), { nil: undefined }),
      perChip: fc.integer({ min: 2, max: 16 }),
      chips: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      strategy: fc.constantFrom('fill', 'traffic'),
      listMode: fc.boolean(),
    });
    let valid = 0,
      invalid = 0;
    fc.assert(
      fc.property(arbNet, arbLim, (net, o) => {
        const e = (v: unknown) => ({ value: v, source: 'test', confidence: 'assumption' });
        const prof = parseProfile(
          JSON.stringify({
            format: 'ipvae.profile',
            version: 1,
            name: 'prop',
            chip: { cores_per_chip: e(o.perChip), ...(o.chips ? { chips: e(o.chips) } : {}) },
            core: {
              neurons: e(o.neurons),
              fan_in_axons: e(o.fanIn),
              fan_out_axons: e(o.fanOutMul * o.fanIn),
              synapse_memory_bytes: e(o.memBytes),
              axon_entry_bits: e(o.axonBits),
              synapse_encoding: e(o.encoding),
              synapses: e(o.synapses),
              ...(o.neuronFanOut ? { neuron_fan_out: e(o.neuronFanOut) } : {}),
            },
            precision: {
              weight_bits: e(o.weightBits),
              ...(o.weightLevels ? { weight_levels: e(o.weightLevels) } : {}),
            },
            spikes: { kind: e('graded'), payload_bits: e(16) },
          }),
          'prop.json',
        );
        const lim: Lim = {
          neurons: o.neurons,
          fanIn: o.fanIn,
          fanOut: o.fanOutMul * o.fanIn,
          memBytes: o.memBytes,
          neuronFanOut: o.neuronFanOut ?? Infinity,
          axonBits: o.axonBits,
          encoding: o.encoding as Lim['encoding'],
          synapses: o.synapses,
          weightBits: o.weightBits,
          weightLevels: o.weightLevels ?? Infinity,
          maxCores: o.chips ? o.chips * o.perChip : Infinity,
        };
        const m = mapNetwork(net, prof, {
          strategy: o.strategy as 'fill' | 'traffic',
          maxTable: o.listMode ? 0 : undefined,
        });
        const d = roundTrip(net, m);
        const broken = verify(net, d, lim);
        if (m.violations.length === 0) {
          expect(broken).toEqual([]);
          valid++;
        } else {
          // A failed axon-type search is not a proof of impossibility (the search has a budget), so only the
          // other constraints must show up in the independent check.
          if (m.violations.some((v) => v.constraint !== 'precision.axon_types'))
            expect(broken.length, m.violations.map((v) => v.message).join('; ')).toBeGreaterThan(0);
          invalid++;
        }
        // Placement and storage hold either way.
        expect(broken.filter((b) => /placed|synapses stored|without its target/.test(b))).toEqual([]);
        expect(d.totals.interCoreSpikesPerStep).toBeCloseTo(bruteTraffic(net, d), 9);
        // Hops of every route: the Manhattan distance between its cores' tiles.
        for (const r of d.routes) {
          if (r.src < 0) continue;
          const a = d.cores[r.src],
            b = d.cores[r.dst];
          expect([r.hopsX, r.hopsY, r.hops]).toEqual([
            Math.abs(a.x - b.x),
            Math.abs(a.y - b.y),
            Math.abs(a.x - b.x) + Math.abs(a.y - b.y),
          ]);
        }
        // No two cores share a slot.
        expect(new Set(d.cores.map((c: { slot: number }) => c.slot)).size).toBe(d.cores.length);
      }),
      { numRuns: 150 },
    );
    // Both branches were exercised.
    expect(valid).toBeGreaterThan(10);
    expect(invalid).toBeGreaterThan(10);
  });

  it('property: traffic never moves more spikes between cores than fill; both pin-count tables agree', () => {
    fc.assert(
      fc.property(arbNet, fc.integer({ min: 2, max: 30 }), (net, n) => {
        const prof = profile({ neurons: n, fan_in_axons: 1000 });
        const f = mapNetwork(net, prof, { strategy: 'fill' }),
          t = mapNetwork(net, prof, { strategy: 'traffic' });
        expect(t.totals.interCoreSpikesPerStep).toBeLessThanOrEqual(f.totals.interCoreSpikesPerStep + 1e-9);
        // Dense segments and per-net lists are two stores of the same counts: the same moves, the same result.
        const l = mapNetwork(net, prof, { strategy: 'traffic', maxTable: 0 });
        expect(Array.from(l.part)).toEqual(Array.from(t.part));
      }),
      { numRuns: 40 },
    );
  });

  it('traffic never breaks more placement limits than fill (a fan-out limit that fill breaks, one chip)', () => {
    const net = clusteredNetwork({ neurons: 400, clusters: 4, fanIn: 8, pWithin: 0.5, seed: 1 });
    const prof = profile({ neurons: 100, fan_out_axons: 150 });
    const lim: Lim = {
      neurons: 100,
      fanIn: Infinity,
      fanOut: 150,
      memBytes: Infinity,
      neuronFanOut: Infinity,
      axonBits: 0,
      encoding: 'sparse',
      synapses: Infinity,
      weightBits: 9,
      weightLevels: Infinity,
      maxCores: 16,
    };
    const one = parseProfile(
      JSON.stringify({
        ...JSON.parse(JSON.stringify({ format: 'ipvae.profile', version: 1, name: 'one' })),
        chip: {
          cores_per_chip: { value: 4, source: 't', confidence: 'assumption' },
          chips: { value: 1, source: 't', confidence: 'assumption' },
        },
        core: {
          neurons: { value: 100, source: 't', confidence: 'assumption' },
          fan_out_axons: { value: 150, source: 't', confidence: 'assumption' },
        },
      }),
      'one.json',
    );
    for (const p of [prof, one]) {
      const f = mapNetwork(net, p, { strategy: 'fill' }),
        t = mapNetwork(net, p, { strategy: 'traffic' });
      const maxCores = p === one ? 4 : 16;
      const bf = verify(net, roundTrip(net, f), { ...lim, maxCores }),
        bt = verify(net, roundTrip(net, t), { ...lim, maxCores });
      expect(bf.length).toBeGreaterThan(0); // fill's chop breaks the fan-out limit
      expect(bt.length).toBeLessThanOrEqual(bf.length);
      if (bt.length === bf.length)
        expect(t.totals.interCoreSpikesPerStep).toBeLessThanOrEqual(f.totals.interCoreSpikesPerStep);
    }
  });

  it('property: decode(encode(x)) = x, and the same input gives the same bytes', () => {
    fc.assert(
      fc.property(arbNet, fc.constantFrom('fill', 'traffic'), (net, s) => {
        const m = mapNetwork(net, profile({ neurons: 8 }), { strategy: s as 'fill' | 'traffic' });
        const obj = deploymentObject(net, m, 'spikes');
        const bytes = encodeDeployment(obj);
        const back = decodeDeployment(bytes, 'mem.pb');
        expect(back.checksum).toMatch(/^[A-Za-z0-9+/]{43}=$/); // 32 bytes, base64
        expect({ ...back, checksum: '' }).toEqual(JSON.parse(JSON.stringify(obj)));
        const again = encodeDeployment(
          deploymentObject(
            net,
            mapNetwork(net, profile({ neurons: 8 }), { strategy: s as 'fill' | 'traffic' }),
            'spikes',
          ),
        );
        expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('random test networks refuse parameters that cannot be met instead of looping', () => {
    expect(() => clusteredNetwork({ neurons: 100, clusters: 50, fanIn: 8, pWithin: 1, seed: 0 })).toThrow(
      /more than fanIn/,
    );
    expect(() => clusteredNetwork({ neurons: 100, clusters: 0, fanIn: 8, pWithin: 0.5, seed: 0 })).toThrow(/clusters/);
    expect(() => clusteredNetwork({ neurons: 100, clusters: 4, fanIn: 8, pWithin: 1.5, seed: 0 })).toThrow(/pWithin/);
  });

  it('a truncated or corrupted deployment is refused with one line', () => {
    const net = clusteredNetwork({ neurons: 200, clusters: 4, fanIn: 8, pWithin: 0.9, seed: 3 });
    const bytes = encodeDeployment(
      deploymentObject(net, mapNetwork(net, profile({ neurons: 64 }), { strategy: 'fill' }), 'spikes'),
    );
    const cases: [Uint8Array, RegExp][] = [
      [bytes.subarray(0, bytes.length >> 1), /checksum/],
      [bytes.subarray(0, bytes.length - 1), /checksum/],
      [Uint8Array.from(bytes, (b, i) => (i === 100 ? b ^ 1 : b)), /checksum mismatch/],
      [new Uint8Array(0), /too short/],
      [new TextEncoder().encode('{"format": "ipvae.network", "version": 1, "populations": []}'), /checksum/],
    ];
    for (const [b, re] of cases) {
      let err: unknown;
      try {
        decodeDeployment(b, 'bad.pb');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).toMatch(/^bad\.pb: /);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('traffic moves at least 30 % fewer spikes than fill on a clustered random network (loihi1)', () => {
    const net = clusteredNetwork({ neurons: 4096, clusters: 32, fanIn: 32, pWithin: 0.9, seed: 1 });
    const prof = loihi1();
    const f = mapNetwork(net, prof, { strategy: 'fill' }),
      t = mapNetwork(net, prof, { strategy: 'traffic' });
    expect(f.violations).toEqual([]);
    expect(t.violations).toEqual([]);
    const ratio = t.totals.interCoreSpikesPerStep / f.totals.interCoreSpikesPerStep;
    expect(ratio).toBeLessThan(0.7);
    expect(t.totals.hopWeightedTraffic).toBeLessThanOrEqual(f.totals.hopWeightedTraffic);
  });

  it('the bundled iP-VAEs: on loihi1 traffic moves no more spikes than fill (fewer for D=256); on loihi2 one core, none', () => {
    for (const [file, fewer] of [
      ['patches-k512.safetensors', true],
      ['mnist-k512.safetensors', false],
    ] as const) {
      const { net } = fromIpVae(loadModel(join(MODELS, file)));
      const f = mapNetwork(net, loihi1(), { strategy: 'fill' }),
        t = mapNetwork(net, loihi1(), { strategy: 'traffic' });
      expect(f.violations).toEqual([]);
      expect(t.totals.interCoreSpikesPerStep).toBeLessThanOrEqual(f.totals.interCoreSpikesPerStep);
      if (fewer) expect(t.totals.interCoreSpikesPerStep).toBeLessThan(f.totals.interCoreSpikesPerStep);
      expect(t.totals.hopWeightedTraffic).toBeLessThan(f.totals.hopWeightedTraffic);
      // MNIST on loihi1: every z neuron reaches every core under both strategies, and 13 cores is the fewest
      // the synapse memory allows (12.1 cores' worth), so fill is already optimal in spikes between cores.
      if (!fewer) {
        expect(f.totals.cores).toBe(13);
        const bits = Array.from(f.cores.memoryBits).reduce((a, b) => a + b, 0);
        expect(Math.ceil(bits / f.limits.memoryBits)).toBe(13);
      }
      // Loihi 2 holds a whole iP-VAE per core once populations may share one: nothing leaves the core.
      const f2 = mapNetwork(net, loadProfile('loihi2'), { strategy: 'fill' }),
        t2 = mapNetwork(net, loadProfile('loihi2'), { strategy: 'traffic' });
      expect(f2.totals.interCoreSpikesPerStep).toBe(512);
      expect(t2.totals.cores).toBe(1);
      expect(t2.totals.interCoreSpikesPerStep).toBe(0);
    }
  });

  it("TrueNorth axon types: 4 weights per neuron is not enough when an axon's type must serve all its targets", () => {
    // Neuron 0 takes weights 1, 2, 3, 4, 1 from axons 0-4, so axons 0 and 4 share a type; neuron 1 takes 5 and 6
    // from axons 0 and 4: impossible with 4 types on one core, though each neuron has at most 4 distinct weights.
    const W = [1, 2, 3, 4, 1, /* neuron 1 */ 5, 0, 0, 0, 6];
    const mk = (w: number[]): Network => ({
      name: 'tn',
      meta: {},
      populations: [{ name: 'in', model: 'input', size: 5, params: {}, formats: {} }, lif('a', 2)],
      projections: [testProjection('p', 'in', 'a', w, 2, 5)],
    });
    const tn = profile(
      { neurons: 256, fan_in_axons: 256 },
      { precision: { weight_levels: { value: 4, source: 'test', confidence: 'assumption' } } },
    );
    const bad = mapNetwork(mk(W), tn, { strategy: 'fill' });
    expect(bad.violations.map((v) => v.constraint)).toEqual(['precision.axon_types']);
    // With neuron 1 taking 5 from both axons 0 and 4 a type assignment exists.
    expect(mapNetwork(mk([1, 2, 3, 4, 1, 5, 0, 0, 0, 5]), tn, { strategy: 'fill' }).violations).toEqual([]);
  });

  it('an iP-VAE does not fit TrueNorth: each violated constraint is named with its numbers', () => {
    const { net } = fromIpVae(loadModel(join(MODELS, 'patches-k512.safetensors')));
    const m = mapNetwork(net, loadProfile('truenorth'), { strategy: 'traffic' });
    const names = m.violations.map((v) => v.constraint);
    expect(names).toContain('core.fan_in_axons');
    expect(names).toContain('precision.weight_levels');
    const fi = m.violations.find((v) => v.constraint === 'core.fan_in_axons' && v.where === 'population z')!;
    expect(fi.limit).toBe(256);
    expect(fi.value).toBeGreaterThan(256);
    expect(fi.message).toMatch(/> 256 on truenorth/);
  });
});

let L1: Profile | undefined;
const loihi1 = () => (L1 ??= loadProfile('loihi1'));

describe('the library with its documented defaults', () => {
  it('mapNetwork(net, profile) without options maps with the traffic strategy (it used to throw a TypeError)', () => {
    const net = clusteredNetwork({ neurons: 400, clusters: 4, fanIn: 8, pWithin: 0.5, seed: 1 });
    const d = mapNetwork(net, loihi1()),
      t = mapNetwork(net, loihi1(), { strategy: 'traffic' }),
      f = mapNetwork(net, loihi1(), { strategy: 'fill' });
    expect(Array.from(d.part)).toEqual(Array.from(t.part));
    expect(d.strategy).toBe('traffic');
    expect(d.totals).toEqual(t.totals);
    expect(f.strategy).toBe('fill');
  });
});

describe('unchecked limits, for the headline', () => {
  it('a profile that does not state a limit lists it, in a word (loihi2: memory, fan-in, fan-out)', () => {
    expect(limitsOf(loadProfile('loihi2')).unchecked).toEqual(['memory', 'fan-in', 'fan-out']);
    expect(limitsOf(loadProfile('loihi1')).unchecked).toEqual(['synapses']);
  });
});
