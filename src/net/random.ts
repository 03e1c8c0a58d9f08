/**
 * Random test networks for the mapper, from the counter-based generator (same seed, same network):
 * clusteredNetwork draws a recurrent LIF population whose neurons belong to clusters scattered over the index
 * range (a random permutation), each neuron taking most of its inputs from its own cluster.
 */
import { threefry2x32 } from '../rng/threefry.js';
import type { Network } from './network.js';
import { DEFAULTS, withDefaults } from '../defaults.js';

export interface ClusteredOptions {
  neurons: number;
  clusters: number;
  /** Synapses into each neuron (distinct sources). */
  fanIn: number;
  /** Probability that a source is drawn from the neuron's own cluster. */
  pWithin: number;
  /** Seed of the draws (default 0). */
  seed?: number;
  /** Signed weight width (default 8, as the CLI's --weight-bits); weights are nonzero in [-(2^(b-1) - 1), 2^(b-1) - 1]. */
  weightBits?: number;
}

const STREAM = 0x6d6170; // "map"

/** A uniform integer in [0, n) from word (i, j) of the stream. */
function draw(seed: number, i: number, j: number, n: number): number {
  const w = threefry2x32(seed, STREAM, i, j);
  return Math.floor(((w[0] * 4294967296 + w[1]) / 18446744073709551616) * n);
}

export function clusteredNetwork(options: ClusteredOptions): Network {
  const o = withDefaults(
    { seed: DEFAULTS.seed, weightBits: DEFAULTS.weightBits } as Required<ClusteredOptions>,
    options,
  );
  const N = o.neurons,
    K = o.clusters,
    bits = o.weightBits,
    wmax = 2 ** (bits - 1) - 1;
  if (!Number.isInteger(N) || N < 2) throw new RangeError('clusteredNetwork: neurons must be an integer >= 2');
  if (!Number.isInteger(K) || K < 1 || K > N)
    throw new RangeError('clusteredNetwork: clusters must be an integer in [1, neurons]');
  if (!Number.isInteger(o.fanIn) || o.fanIn < 1 || o.fanIn >= N)
    throw new RangeError('clusteredNetwork: fanIn must be an integer in [1, neurons)');
  if (!(o.pWithin >= 0 && o.pWithin <= 1)) throw new RangeError('clusteredNetwork: pWithin must be in [0, 1]');
  if (o.pWithin === 1 && Math.floor(N / K) - 1 < o.fanIn)
    throw new RangeError('clusteredNetwork: with pWithin 1 every cluster needs more than fanIn neurons');
  // Cluster c holds the neurons perm[c], perm[c + K], perm[c + 2K], ...: scattered over the indices.
  const perm = Int32Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = draw(o.seed, 0x7fffffff, i, i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const clusterOf = new Int32Array(N);
  for (let r = 0; r < N; r++) clusterOf[perm[r]] = r % K;
  const size = (c: number) => Math.floor((N - 1 - c) / K) + 1;
  // Sources of each target (distinct), then CSR by source.
  const src = new Int32Array(N * o.fanIn),
    w = new Int32Array(N * o.fanIn);
  const mark = new Int32Array(N).fill(-1);
  for (let t = 0; t < N; t++) {
    const c = clusterOf[t];
    let n = 0;
    for (let a = 0; n < o.fanIn; a++) {
      if (a > 1000 * o.fanIn)
        throw new RangeError(`clusteredNetwork: cannot find ${o.fanIn} distinct sources for neuron ${t}`);
      const within = draw(o.seed, t, 3 * a, 1 << 30) < o.pWithin * (1 << 30);
      const s = within ? perm[c + K * draw(o.seed, t, 3 * a + 1, size(c))] : draw(o.seed, t, 3 * a + 1, N);
      if (s === t || mark[s] === t) continue;
      mark[s] = t;
      src[t * o.fanIn + n] = s;
      const m = draw(o.seed, t, 3 * a + 2, 2 * wmax) - wmax;
      w[t * o.fanIn + n] = m >= 0 ? m + 1 : m; // nonzero in [-wmax, wmax]
      n++;
    }
  }
  const indptr = new Int32Array(N + 1);
  for (const s of src) indptr[s + 1]++;
  for (let s = 0; s < N; s++) indptr[s + 1] += indptr[s];
  const at = indptr.slice(0, N),
    indices = new Int32Array(src.length),
    weights = new Int32Array(src.length);
  for (let t = 0; t < N; t++)
    for (let j = 0; j < o.fanIn; j++) {
      const s = src[t * o.fanIn + j],
        k = at[s]++;
      indices[k] = t;
      weights[k] = w[t * o.fanIn + j];
    }
  return {
    name: `clustered-${N}x${o.fanIn}-k${K}`,
    populations: [
      {
        name: 'lif',
        model: 'lif',
        size: N,
        params: { du: 410, dv: 410, vth: 64, bias_mant: 0, bias_exp: 0 },
        formats: {},
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
        weightBits: bits,
        exponent: 0,
        delay: 1,
        payload: 'binary',
        payloadBits: 1,
        static: false,
      },
    ],
    meta: { generator: 'clusteredNetwork', ...o },
  };
}

export interface DrivenOptions {
  /** Input neurons (a host population "in" that the drive feeds, binary spikes). */
  inputs: number;
  /** Integrate-and-fire neurons (population "if"). */
  neurons: number;
  /** Synapses from the inputs into each neuron (distinct sources; weights in [1, wmax]). */
  fanInInput: number;
  /** Recurrent synapses into each neuron (distinct sources, not itself; weights nonzero in [-wmax, wmax]). */
  fanInRecurrent: number;
  /** Steps of the drive, and each input's spike probability per step. */
  steps: number;
  pSpike: number;
  /** Threshold (in weight units: a neuron fires when its summed input exceeds it). */
  vth: number;
  /** Seed of the draws (default 0). */
  seed?: number;
  /** Signed weight width (default 8, as the CLI's --weight-bits). */
  weightBits?: number;
}

/** Distinct sources for each of `nT` targets from `nS` sources (CSR by source), weights from `weight(t, a)`. */
function randomCsr(
  seed: number,
  stream: number,
  nS: number,
  nT: number,
  fanIn: number,
  self: boolean,
  weight: (t: number, a: number) => number,
): { indptr: Int32Array; indices: Int32Array; weights: Int32Array } {
  if (fanIn > nS - (self ? 0 : 1)) throw new RangeError('randomDrivenNetwork: fan-in larger than the sources');
  const src = new Int32Array(nT * fanIn),
    w = new Int32Array(nT * fanIn),
    mark = new Int32Array(nS).fill(-1);
  for (let t = 0; t < nT; t++)
    for (let a = 0, n = 0; n < fanIn; a++) {
      const s = draw(seed, stream + t, 2 * a, nS);
      if ((!self && s === t) || mark[s] === t) continue;
      mark[s] = t;
      src[t * fanIn + n] = s;
      w[t * fanIn + n] = weight(t, a);
      n++;
    }
  const indptr = new Int32Array(nS + 1);
  for (const s of src) indptr[s + 1]++;
  for (let s = 0; s < nS; s++) indptr[s + 1] += indptr[s];
  const at = indptr.slice(0, nS),
    indices = new Int32Array(src.length),
    weights = new Int32Array(src.length);
  for (let t = 0; t < nT; t++)
    for (let j = 0; j < fanIn; j++) {
      const k = at[src[t * fanIn + j]]++;
      indices[k] = t;
      weights[k] = w[t * fanIn + j];
    }
  return { indptr, indices, weights };
}

/**
 * A random integrate-and-fire network driven by random input spike trains (same seed, same network and drive):
 * inputs -> if (excitatory) and if -> if (mixed signs), binary spikes, delay 1, exponent 0. Made to compare
 * ipvae's event counts and prices with another simulator's (SANA-FE) on the same network.
 */
export function randomDrivenNetwork(options: DrivenOptions): { net: Network; drive: number[][] } {
  const o = withDefaults({ seed: DEFAULTS.seed, weightBits: DEFAULTS.weightBits } as Required<DrivenOptions>, options);
  const bits = o.weightBits,
    wmax = 2 ** (bits - 1) - 1;
  for (const k of ['inputs', 'neurons', 'steps', 'vth'] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new RangeError(`randomDrivenNetwork: ${k} must be an integer >= 1`);
  if (!(o.pSpike >= 0 && o.pSpike <= 1)) throw new RangeError('randomDrivenNetwork: pSpike must be in [0, 1]');
  const ff = randomCsr(o.seed, 0x10000000, o.inputs, o.neurons, o.fanInInput, true, (t, a) =>
    Math.max(1, draw(o.seed, 0x10000000 + t, 2 * a + 1, wmax + 1)),
  );
  const rec = randomCsr(o.seed, 0x20000000, o.neurons, o.neurons, o.fanInRecurrent, false, (t, a) => {
    const m = draw(o.seed, 0x20000000 + t, 2 * a + 1, 2 * wmax) - wmax;
    return m >= 0 ? m + 1 : m;
  });
  const drive = Array.from({ length: o.steps }, (_, t) =>
    Array.from({ length: o.inputs }, (_, i) => +(draw(o.seed, 0x30000000 + t, i, 1 << 30) < o.pSpike * (1 << 30))),
  );
  const proj = (name: string, source: string, c: typeof ff) => ({
    name,
    source,
    target: 'if',
    ...c,
    weightBits: bits,
    exponent: 0,
    delay: 1,
    payload: 'binary' as const,
    payloadBits: 1,
    static: false,
  });
  return {
    net: {
      name: `driven-${o.inputs}-${o.neurons}`,
      populations: [
        { name: 'in', model: 'input', size: o.inputs, params: {}, formats: { x: { bits: 2, frac: 0, signed: true } } },
        { name: 'if', model: 'if', size: o.neurons, params: { vth: o.vth, bias_mant: 0, bias_exp: 0 }, formats: {} },
      ],
      projections: [proj('in_if', 'in', ff), proj('if_if', 'if', rec)],
      meta: { generator: 'randomDrivenNetwork', ...o },
    },
    drive,
  };
}
