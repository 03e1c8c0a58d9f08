/**
 * Integer simulator speed and memory: synaptic events per second (sum over spikes of count x fan-out) and
 * bytes of simulator state per synapse (every array the engine holds, over the synapses), one thread.
 * (a) the integer iP-VAE (K = 512; D = 256 with the bundled patch model, D = 784 with the MNIST model, on
 *     held-out inputs, 8-bit weights);
 * (b) a random LIF network: 10,000 neurons x 100 synapses each (fixed fan-out, random targets), 1-step delays,
 *     int8 weights, heterogeneous bias currents giving 10-20 spikes per 1000 steps (10-20 Hz at 1 ms per step).
 *
 * Each as event-driven in WebAssembly (the default backend), event-driven in JavaScript and clock-driven.
 *   npm run bench -- sim [--steps 2000] [--samples 4] [--only lif|ipvae]
 */
import { Simulator, type EngineKind, type SimBackend } from '../src/sim/engine.js';
import type { Network } from '../src/net/network.js';
import { fromIpVae, inputFormat, DEFAULT_QUANT } from '../src/frontends/ipvae.js';
import { loadModel } from '../src/io/safetensors.js';
import { loadData } from '../src/data/datasets.js';
import { bestModel } from '../src/cli/models.js';
import { toQ } from '../src/fixed/q.js';
import { evaluate } from '../src/model/evaluate.js';
import { prepare } from '../src/model/params.js';
import { report, type BenchRecord } from './common.js';

/**
 * Brian2 2.5.1's C++ standalone mode on the same random LIF network, one thread, on this machine: the best of 5
 * runs of `PYENV_VERSION=system python3 bench/brian2/lif.py` (Debian's python3-brian), 2026-12-01.
 */
const BRIAN2_EVENTS_PER_S = 279.2e6;

const args = process.argv.slice(2);
const opt = (k: string, d: number) => (args.includes(k) ? Number(args[args.indexOf(k) + 1]) : d);
const STEPS = opt('--steps', 2000),
  SAMPLES = opt('--samples', 4);
/** Alternating rounds of the float and integer iP-VAE runs (the best of each is compared: the machine is shared). */
const ROUNDS = 7;
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : '';
const rows: BenchRecord[] = [];

/** Simulator state bytes per synapse: every typed array the engine holds, over the synapse count. */
function bytesPerSynapse(sim: Simulator): number {
  let bytes = 0,
    syn = 0;
  for (const p of sim.projs) {
    if (p.isStatic) continue;
    syn += p.indptr[p.nS];
    bytes +=
      p.idx.byteLength +
      p.w.byteLength +
      p.indptr.byteLength +
      p.ring.byteLength +
      p.hist.byteLength +
      p.nnzRow.byteLength +
      (p.matrix?.byteLength ?? 0) +
      (p.consecutive?.byteLength ?? 0);
    if (p.tptr) bytes += p.tptr.byteLength + p.tsrc!.byteLength + p.tw!.byteLength;
  }
  for (const P of sim.pops)
    bytes +=
      P.out.byteLength +
      P.inp.byteLength +
      P.drive.byteLength +
      P.ext.byteLength +
      Object.values(P.state).reduce((a, s) => a + s.byteLength, 0);
  return bytes / syn;
}

function lifNet(n: number, fanOut: number, seed: number): Network {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const indptr = new Int32Array(n + 1),
    indices = new Int32Array(n * fanOut),
    weights = new Int32Array(n * fanOut);
  for (let i = 0; i < n; i++) {
    indptr[i + 1] = (i + 1) * fanOut;
    for (let j = 0; j < fanOut; j++) {
      indices[i * fanOut + j] = Math.floor(rnd() * n);
      weights[i * fanOut + j] = Math.floor(rnd() * 41) - 20;
    }
  }
  return {
    name: 'random-lif',
    meta: {},
    populations: [
      {
        name: 'lif',
        model: 'lif',
        size: n,
        formats: {},
        // no leak on v, one-step current; v rises by bias_mant * 64 per step to vth * 64 = 64,000: 50-100 steps
        params: {
          du: 4095,
          dv: 0,
          vth: 1000,
          bias_exp: 6,
          bias_mant: Int32Array.from({ length: n }, () => 10 + Math.floor(rnd() * 11)),
        },
      },
    ],
    projections: [
      {
        name: 'rec',
        source: 'lif',
        target: 'lif',
        indptr,
        indices,
        weights,
        weightBits: 8,
        exponent: 0,
        delay: 1,
        payload: 'binary',
        payloadBits: 1,
        static: false,
      },
    ],
  };
}

/** event in WebAssembly (the default), event in JavaScript (the reference), clock in JavaScript (the check). */
const CONFIGS: [EngineKind, SimBackend][] = [
  ['event', 'wasm'],
  ['event', 'js'],
  ['clock', 'js'],
];

for (const [engine, backend] of ONLY === 'ipvae' ? [] : CONFIGS) {
  const net = lifNet(10_000, 100, 7);
  const sim = new Simulator(net, { engine, seed: 0, backend });
  sim.reset(0);
  for (let t = 0; t < 200; t++) sim.step(); // warm-up (rates settle, JIT)
  const c0 = sim.counters.synapticEvents,
    s0 = sim.counters.spikes;
  const t0 = performance.now();
  for (let t = 0; t < STEPS; t++) sim.step();
  const sec = (performance.now() - t0) / 1000;
  const ev = sim.counters.synapticEvents - c0,
    rate = ((sim.counters.spikes - s0) / 10_000 / STEPS) * 1000;
  const name = `random LIF 10k x 100, delay 1, ${engine} ${backend}`;
  console.error(
    `${name}: ${(ev / sec / 1e6).toFixed(1)} M synaptic events/s at ${rate.toFixed(1)} spikes per 1000 steps per neuron`,
  );
  rows.push({ case: name, metric: 'synaptic events per second', value: ev / sec, unit: '1/s' });
  if (backend === 'wasm' && engine === 'event')
    rows.push({
      case: name,
      metric: 'vs Brian2 C++ standalone (recorded)',
      value: ev / sec / BRIAN2_EVENTS_PER_S,
      unit: 'x',
    });
  rows.push({ case: name, metric: 'mean rate', value: rate, unit: 'Hz at 1 ms/step' });
  rows.push({ case: name, metric: 'state per synapse', value: bytesPerSynapse(sim), unit: 'B' });
}

// 10 M synapses (50,000 neurons x 200, 16-bit target indices): speed and memory in the WebAssembly backend
if (ONLY !== 'ipvae') {
  const m0 = process.memoryUsage();
  const net = lifNet(50_000, 200, 11);
  const m1 = process.memoryUsage();
  const sim = new Simulator(net, { engine: 'event', seed: 0, backend: 'wasm' });
  sim.reset(0);
  for (let t = 0; t < 100; t++) sim.step();
  const c0 = sim.counters.synapticEvents;
  const t0 = performance.now();
  for (let t = 0; t < Math.min(STEPS, 500); t++) sim.step();
  const sec = (performance.now() - t0) / 1000;
  const m2 = process.memoryUsage();
  const name = 'random LIF 50k x 200 (10 M synapses), event wasm';
  const simBytes = sim.wasm!.x.memory.buffer.byteLength;
  console.error(
    `${name}: ${((sim.counters.synapticEvents - c0) / sec / 1e6).toFixed(1)} M synaptic events/s; the simulator's memory ${(simBytes / 2 ** 20).toFixed(0)} MiB, the network's arrays ${((m1.arrayBuffers - m0.arrayBuffers) / 2 ** 20).toFixed(0)} MiB, heap ${(m2.heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
  rows.push({
    case: name,
    metric: 'synaptic events per second',
    value: (sim.counters.synapticEvents - c0) / sec,
    unit: '1/s',
  });
  rows.push({ case: name, metric: 'state per synapse', value: bytesPerSynapse(sim), unit: 'B' });
  rows.push({ case: name, metric: "simulator's memory (WebAssembly)", value: simBytes / 2 ** 20, unit: 'MiB' });
  rows.push({
    case: name,
    metric: "the Network's own arrays (input)",
    value: (m1.arrayBuffers - m0.arrayBuffers) / 2 ** 20,
    unit: 'MiB',
  });
  rows.push({ case: name, metric: 'JS heap used', value: m2.heapUsed / 2 ** 20, unit: 'MiB' });
  rows.push({ case: name, metric: 'resident set', value: m2.rss / 2 ** 20, unit: 'MiB' });
}

for (const data of (ONLY === 'lif' ? [] : ['patches', 'mnist']) as ('patches' | 'mnist')[]) {
  const m = bestModel(data);
  const p = loadModel(m.path);
  const { net } = fromIpVae(p);
  const va = loadData(data, 'test');
  const xf = inputFormat(DEFAULT_QUANT);
  const steps = Math.min(STEPS, 1000);
  /** One timed run of the integer network on SAMPLES held-out inputs: throughput, and the simulator. */
  const integer = (engine: EngineKind, backend: SimBackend) => {
    // the decoder readout is read after the last step only, as the float path computes its reconstruction, and
    // the input (static projections only) at none
    const readout = net.populations.find((q) => q.model === 'readout')!.name,
      input = net.populations.find((q) => q.model === 'input')!.name;
    const sim = new Simulator(net, { engine, seed: 0, backend, reads: { [readout]: [steps], [input]: [] } });
    const t0 = performance.now();
    for (let n = 0; n < SAMPLES; n++) {
      sim.setInput(
        'x',
        Array.from(va.X.subarray(n * p.D, (n + 1) * p.D), (v) => toQ(v, xf)),
      );
      sim.reset(n);
      for (let t = 0; t < steps; t++) sim.step();
    }
    return { rate: (SAMPLES * steps) / ((performance.now() - t0) / 1000), sim };
  };
  // the float model, WebAssembly event-driven, one thread (npm run bench -- infer's row), on the same inputs and
  // steps, alternating with the integer WebAssembly engine ROUNDS times: the best of each (the machine is shared)
  const prep = prepare(p, true); // W_rec once, as npm run bench -- infer does
  const float = async () => {
    const t0 = performance.now();
    await evaluate(prep, va.X, SAMPLES, {
      steps,
      seed: 0,
      backend: 'wasm',
      mode: 'event',
      workers: 1,
      record: [steps],
    });
    return (SAMPLES * steps) / ((performance.now() - t0) / 1000);
  };
  await float(); // warm-up
  integer('event', 'wasm');
  let floatRate = 0,
    best = { rate: 0, sim: undefined as Simulator | undefined };
  for (let r = 0; r < ROUNDS; r++) {
    floatRate = Math.max(floatRate, await float());
    const i = integer('event', 'wasm');
    if (i.rate > best.rate) best = i;
  }
  const fname = `iP-VAE D ${p.D} K ${p.K} (${m.label}), float WebAssembly event`;
  console.error(`${fname}: ${floatRate.toFixed(0)} samples x steps/s (best of ${ROUNDS})`);
  rows.push({ case: fname, metric: 'samples x steps per second', value: floatRate, unit: '1/s' });
  for (const [engine, backend] of CONFIGS) {
    const { rate, sim } =
      engine === 'event' && backend === 'wasm' ? (best as { rate: number; sim: Simulator }) : integer(engine, backend);
    const name = `iP-VAE D ${p.D} K ${p.K} (${m.label}), ${engine} ${backend}`;
    const ev = (sim.counters.synapticEvents / (SAMPLES * steps)) * rate;
    console.error(`${name}: ${(ev / 1e6).toFixed(1)} M synaptic events/s, ${rate.toFixed(0)} samples x steps/s`);
    rows.push({ case: name, metric: 'synaptic events per second', value: ev, unit: '1/s' });
    rows.push({ case: name, metric: 'samples x steps per second', value: rate, unit: '1/s' });
    if (backend === 'wasm')
      rows.push({
        case: name,
        metric: `vs the float WebAssembly event path (best of ${ROUNDS} each)`,
        value: rate / floatRate,
        unit: 'x',
      });
    rows.push({ case: name, metric: 'state per synapse', value: bytesPerSynapse(sim), unit: 'B' });
  }
}
report('sim', rows);
