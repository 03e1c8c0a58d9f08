/**
 * Running an integer iP-VAE Network on a data set: quantise each input to the net's input format, reset, step,
 * and measure what the float evaluator measures (model-spec section 5) from the integer counts: R^2 via spikes
 * with the dequantised decoder (the Phi projection), PZ, spikes; plus the engine's op counters and the spike
 * digest. Samples are keyed by their index (sampleOffset + i), so any split of the samples gives the same
 * counts.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Simulator, combineDigests, type Counters, type EngineKind } from './engine.js';
import { denseWeights, population, type Network, type Population } from '../net/network.js';
import { toQ, satCounter } from '../fixed/q.js';
import { UserError } from '../errors.js';
import { recordSteps } from '../model/evaluate.js';

export interface NetMetrics {
  t: number;
  r2: number;
  pz: number;
  spikes: number;
}

export interface NetRunResult {
  metrics: NetMetrics[];
  counters: Counters;
  spikes_sha256: string;
  /** Per-input digests (32 bytes each), in input order. */
  digests: Uint8Array[];
  /** Per input and recorded step: r2, pz, spikes (N x record x 3). */
  perSample: Float64Array;
  inputSaturations: number;
  /** Final integer rates exp(u_T) (N x K, float), for comparisons with the float model. */
  finalRates?: Float64Array;
  finalCounts?: Int32Array;
  /** With o.rates: per non-input population, per neuron, summed over inputs and steps: spikes (counts) and events (steps with a nonzero count). */
  rates?: Record<string, { spikes: Float64Array; events: Float64Array }>;
}

export interface NetRunOptions {
  steps: number;
  seed: number;
  engine: EngineKind;
  record?: number[];
  sampleOffset?: number;
  keepFinal?: boolean;
  /** Sum every neuron's spikes and events (for the mapper's --rates). */
  rates?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Worker threads (runIpVaeNetParallel); results are identical for any number. */
  workers?: number;
}

export interface SimJob {
  net: Network;
  X: Float32Array;
  n: number;
  opts: Omit<NetRunOptions, 'onProgress' | 'workers'>;
}

/** The iP-VAE shape of a Network: input x (D), latents z (K), decoder z -> xhat. */
export function ipvaeShape(net: Network): { D: number; K: number; phi: Float64Array } {
  const x = net.populations.find((p) => p.model === 'input'),
    z = net.populations.find((p) => p.model === 'ipvae');
  const dec = net.projections.find((p) => z && p.source === z.name && population(net, p.target).model === 'readout');
  if (!x || !z || !dec)
    throw new UserError(
      'network: not an iP-VAE network (needs an input, an ipvae and a readout population with a decoder projection)',
    );
  const D = x.size,
    K = z.size;
  const W = denseWeights(net, dec); // D x K (target x source)
  return { D, K, phi: W };
}

/** The input population the data feeds (exactly one). */
export function inputPopulation(net: Network): Population {
  const ins = net.populations.filter((p) => p.model === 'input');
  if (ins.length !== 1)
    throw new UserError(`network: ${ins.length} input populations; running on data needs exactly one`);
  return ins[0];
}

/**
 * Run a Network with one input population on the rows of X (the input's size wide). iP-VAE networks also get
 * the evaluation metrics; any network gets the counters and spikes_sha256.
 */
export function runIpVaeNet(net: Network, X: Float32Array, N: number, o: NetRunOptions): NetRunResult {
  const xPop = inputPopulation(net),
    D = xPop.size;
  const isIpVae =
    net.populations.some((p) => p.model === 'ipvae') && net.populations.some((p) => p.model === 'readout');
  const { K, phi } = isIpVae ? ipvaeShape(net) : { K: 0, phi: new Float64Array(0) };
  const zPop = net.populations.find((p) => p.model === 'ipvae');
  if (X.length < N * D) throw new UserError(`data: ${X.length / D} samples of D=${D}, asked for ${N}`);
  const xf = xPop.formats.x ?? { bits: 32, frac: 0, signed: true };
  const rec = isIpVae ? (o.record ?? recordSteps(o.steps)) : [];
  const sim = new Simulator(net, { engine: o.engine, seed: o.seed, hash: true });
  const R = rec.length,
    per = new Float64Array(N * R * 3);
  const inSat = satCounter(),
    xq = new Int32Array(D),
    xhat = new Float64Array(D);
  const finalRates = o.keepFinal ? new Float64Array(N * K) : undefined,
    finalCounts = o.keepFinal ? new Int32Array(N * K) : undefined;
  const zp = zPop ? sim.pop(zPop.name) : undefined;
  const fu = zPop?.formats.u.frac ?? 0;
  const tally = (): void => {
    for (const r of tallies)
      for (let j = 0; j < r.out.length; j++) {
        const c = r.out[j];
        if (c !== 0) {
          r.spikes[j] += c;
          r.events[j]++;
        }
      }
  };
  const tallies = o.rates
    ? net.populations
        .filter((p) => p.model !== 'input')
        .map((p) => ({
          name: p.name,
          out: sim.pop(p.name).out,
          spikes: new Float64Array(p.size),
          events: new Float64Array(p.size),
        }))
    : [];
  for (let n = 0; n < N; n++) {
    const x = X.subarray(n * D, (n + 1) * D);
    for (let d = 0; d < D; d++) xq[d] = toQ(x[d], xf, inSat);
    sim.setInput(xPop.name, xq);
    sim.reset((o.sampleOffset ?? 0) + n);
    tally(); // the first emission (from u0) is sent too
    let mean = 0,
      sst = 0;
    for (let d = 0; d < D; d++) mean += x[d];
    mean /= D;
    for (let d = 0; d < D; d++) sst += (x[d] - mean) ** 2;
    let ri = 0;
    for (let t = 1; t <= o.steps; t++) {
      sim.step();
      tally();
      if (ri < rec.length && rec[ri] === t) {
        const z = zp!.out;
        xhat.fill(0);
        let zeros = 0,
          spikes = 0;
        for (let k = 0; k < K; k++) {
          const c = z[k];
          if (c === 0) {
            zeros++;
            continue;
          }
          spikes += c;
          for (let d = 0; d < D; d++) xhat[d] += phi[d * K + k] * c;
        }
        let sse = 0;
        for (let d = 0; d < D; d++) sse += (x[d] - xhat[d]) ** 2;
        const o3 = (n * R + ri) * 3;
        per[o3] = sst > 0 ? 1 - sse / sst : 0;
        per[o3 + 1] = zeros / K;
        per[o3 + 2] = spikes;
        ri++;
      }
    }
    if (finalRates && finalCounts && zp) {
      for (let k = 0; k < K; k++) {
        finalRates[n * K + k] = Math.exp(zp.u[k] / 2 ** fu);
        finalCounts[n * K + k] = zp.out[k];
      }
    }
    o.onProgress?.(n + 1, N);
  }
  return {
    metrics: metricsOf(per, N, rec),
    perSample: per,
    counters: sim.counters,
    spikes_sha256: sim.digest(),
    digests: sim.digests(),
    inputSaturations: inSat[0],
    finalRates,
    finalCounts,
    rates: o.rates
      ? Object.fromEntries(tallies.map((r) => [r.name, { spikes: r.spikes, events: r.events }]))
      : undefined,
  };
}

/** Means over inputs, summed in input order (the same bits for any split over workers). */
function metricsOf(per: Float64Array, N: number, rec: number[]): NetMetrics[] {
  const R = rec.length;
  return rec.map((t, ri) => {
    let a = 0,
      b = 0,
      c = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * R + ri) * 3;
      a += per[o];
      b += per[o + 1];
      c += per[o + 2];
    }
    return { t, r2: a / N, pz: b / N, spikes: c / N };
  });
}

function workerUrl(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./sim-worker.js', import.meta.url);
  return new URL('../../dist/src/sim/sim-worker.js', import.meta.url);
}

/**
 * runIpVaeNet over `workers` threads, each taking a contiguous range of inputs. Every draw is keyed by the
 * input's index, so metrics, counters and spikes_sha256 are identical for any number of workers.
 */
export async function runIpVaeNetParallel(
  net: Network,
  X: Float32Array,
  N: number,
  o: NetRunOptions,
): Promise<NetRunResult> {
  const W = Math.max(1, Math.min(o.workers ?? 1, N));
  if (W === 1) return runIpVaeNet(net, X, N, o);
  const D = inputPopulation(net).size;
  const { onProgress, workers: _w, ...opts } = o;
  const done = new Array<number>(W).fill(0);
  const parts = await Promise.all(
    Array.from({ length: W }, (_, w) => {
      const i0 = Math.floor((w * N) / W),
        i1 = Math.floor(((w + 1) * N) / W);
      const job: SimJob = {
        net,
        X: X.slice(i0 * D, i1 * D),
        n: i1 - i0,
        opts: { ...opts, sampleOffset: (o.sampleOffset ?? 0) + i0 },
      };
      return new Promise<NetRunResult>((resolve, reject) => {
        const wk = new Worker(workerUrl(), { workerData: job });
        wk.on('message', (m: { progress?: number; result?: NetRunResult }) => {
          if (m.progress !== undefined) {
            done[w] = m.progress;
            onProgress?.(
              done.reduce((a, b) => a + b, 0),
              N,
            );
          }
          if (m.result) {
            resolve(m.result);
            void wk.terminate();
          }
        });
        wk.once('error', reject);
        wk.once('exit', (code) => {
          if (code !== 0 && code !== 1) reject(new Error(`simulation worker exited with code ${code}`));
        });
      });
    }),
  );
  const c0 = parts[0].counters;
  const counters: Counters = {
    ...c0,
    perProjection: c0.perProjection.map((p) => ({ name: p.name, messages: 0, synEvents: 0 })),
  };
  for (const k of [
    'spikes',
    'events',
    'synEvents',
    'effSynOps',
    'denseSynOps',
    'neuronUpdates',
    'saturations',
  ] as const) {
    counters[k] = parts.reduce((a, p) => a + p.counters[k], 0);
  }
  counters.steps = parts.reduce((a, p) => a + p.counters.steps, 0);
  for (const p of parts)
    p.counters.perProjection.forEach((q, j) => {
      counters.perProjection[j].messages += q.messages;
      counters.perProjection[j].synEvents += q.synEvents;
    });
  const perSample = new Float64Array(parts.reduce((a, p) => a + p.perSample.length, 0));
  let off0 = 0;
  for (const p of parts) {
    perSample.set(p.perSample, off0);
    off0 += p.perSample.length;
  }
  const metrics = metricsOf(
    perSample,
    N,
    parts[0].metrics.map((m) => m.t),
  );
  const digests = parts.flatMap((p) => p.digests);
  const cat = (k: 'finalRates' | 'finalCounts') => {
    if (!parts[0][k]) return undefined;
    const out =
      k === 'finalRates'
        ? new Float64Array(parts.reduce((a, p) => a + p[k]!.length, 0))
        : new Int32Array(parts.reduce((a, p) => a + p[k]!.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p[k]! as never, off);
      off += p[k]!.length;
    }
    return out;
  };
  let rates: NetRunResult['rates'];
  if (parts[0].rates) {
    rates = {};
    for (const [name, r0] of Object.entries(parts[0].rates)) {
      const spikes = new Float64Array(r0.spikes.length),
        events = new Float64Array(r0.events.length);
      for (const p of parts) {
        const r = p.rates![name];
        for (let j = 0; j < spikes.length; j++) {
          spikes[j] += r.spikes[j];
          events[j] += r.events[j];
        }
      }
      rates[name] = { spikes, events };
    }
  }
  return {
    rates,
    metrics,
    perSample,
    counters,
    digests,
    spikes_sha256: combineDigests(digests),
    inputSaturations: parts.reduce((a, p) => a + p.inputSaturations, 0),
    finalRates: cat('finalRates') as Float64Array | undefined,
    finalCounts: cat('finalCounts') as Int32Array | undefined,
  };
}
