/**
 * Running an integer iP-VAE Network on a data set: quantise each input to the net's input format, reset, step,
 * and measure what the float evaluator measures (model-spec section 5) from the integer counts: R^2 via spikes
 * with the dequantised decoder (the Phi projection), PZ, spikes; plus the engine's op counters and the spike
 * digest. Samples are keyed by their index (sampleOffset + i), so any split of the samples gives the same
 * counts.
 */
import { Simulator, type Counters, type EngineKind } from './engine.js';
import { denseWeights, population, type Network } from '../net/network.js';
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
  inputSaturations: number;
  /** Final integer rates exp(u_T) (N x K, float), for comparisons with the float model. */
  finalRates?: Float64Array;
  finalCounts?: Int32Array;
}

export interface NetRunOptions {
  steps: number;
  seed: number;
  engine: EngineKind;
  record?: number[];
  sampleOffset?: number;
  keepFinal?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** The iP-VAE shape of a Network: input x (D), latents z (K), decoder z -> xhat. */
export function ipvaeShape(net: Network): { D: number; K: number; phi: Float64Array } {
  const x = net.populations.find((p) => p.model === 'input'), z = net.populations.find((p) => p.model === 'ipvae');
  const dec = net.projections.find((p) => z && p.source === z.name && population(net, p.target).model === 'readout');
  if (!x || !z || !dec) throw new UserError('network: not an iP-VAE network (needs an input, an ipvae and a readout population with a decoder projection)');
  const D = x.size, K = z.size;
  const W = denseWeights(net, dec); // D x K (target x source)
  return { D, K, phi: W };
}

export function runIpVaeNet(net: Network, X: Float32Array, N: number, o: NetRunOptions): NetRunResult {
  const { D, K, phi } = ipvaeShape(net);
  const xPop = net.populations.find((p) => p.model === 'input')!, zPop = net.populations.find((p) => p.model === 'ipvae')!;
  if (X.length < N * D) throw new UserError(`data: ${X.length / D} samples of D=${D}, asked for ${N}`);
  const xf = xPop.formats.x;
  const rec = o.record ?? recordSteps(o.steps);
  const sim = new Simulator(net, { engine: o.engine, seed: o.seed, hash: true });
  const acc = rec.map((t) => ({ t, r2: 0, pz: 0, spikes: 0 }));
  const inSat = satCounter(), xq = new Int32Array(D), xhat = new Float64Array(D);
  const finalRates = o.keepFinal ? new Float64Array(N * K) : undefined, finalCounts = o.keepFinal ? new Int32Array(N * K) : undefined;
  const zp = sim.pop(zPop.name);
  const fu = zPop.formats.u.frac;
  for (let n = 0; n < N; n++) {
    const x = X.subarray(n * D, (n + 1) * D);
    for (let d = 0; d < D; d++) xq[d] = toQ(x[d], xf, inSat);
    sim.setInput(xPop.name, xq);
    sim.reset((o.sampleOffset ?? 0) + n);
    let mean = 0, sst = 0;
    for (let d = 0; d < D; d++) mean += x[d];
    mean /= D;
    for (let d = 0; d < D; d++) sst += (x[d] - mean) ** 2;
    let ri = 0;
    for (let t = 1; t <= o.steps; t++) {
      sim.step();
      if (ri < rec.length && rec[ri] === t) {
        const z = zp.out;
        xhat.fill(0);
        let zeros = 0, spikes = 0;
        for (let k = 0; k < K; k++) {
          const c = z[k];
          if (c === 0) { zeros++; continue; }
          spikes += c;
          for (let d = 0; d < D; d++) xhat[d] += phi[d * K + k] * c;
        }
        let sse = 0;
        for (let d = 0; d < D; d++) sse += (x[d] - xhat[d]) ** 2;
        acc[ri].r2 += sst > 0 ? 1 - sse / sst : 0;
        acc[ri].pz += zeros / K;
        acc[ri].spikes += spikes;
        ri++;
      }
    }
    if (finalRates && finalCounts) {
      for (let k = 0; k < K; k++) { finalRates[n * K + k] = Math.exp(zp.u[k] / 2 ** fu); finalCounts[n * K + k] = zp.out[k]; }
    }
    o.onProgress?.(n + 1, N);
  }
  return {
    metrics: acc.map((a) => ({ t: a.t, r2: a.r2 / N, pz: a.pz / N, spikes: a.spikes / N })),
    counters: sim.counters, spikes_sha256: sim.digest(), inputSaturations: inSat[0], finalRates, finalCounts,
  };
}
