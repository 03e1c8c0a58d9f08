/**
 * Random test networks for the mapper, from the counter-based generator (same seed, same network):
 * clusteredNetwork draws a recurrent LIF population whose neurons belong to clusters scattered over the index
 * range (a random permutation), each neuron taking most of its inputs from its own cluster.
 */
import { threefry2x32 } from '../rng/threefry.js';
import type { Network } from './network.js';

export interface ClusteredOptions {
  neurons: number;
  clusters: number;
  /** Synapses into each neuron (distinct sources). */
  fanIn: number;
  /** Probability that a source is drawn from the neuron's own cluster. */
  pWithin: number;
  seed: number;
  weightBits?: number;
}

const STREAM = 0x6d6170; // "map"

/** A uniform integer in [0, n) from word (i, j) of the stream. */
function draw(seed: number, i: number, j: number, n: number): number {
  const w = threefry2x32(seed, STREAM, i, j);
  return Math.floor(((w[0] * 4294967296 + w[1]) / 18446744073709551616) * n);
}

export function clusteredNetwork(o: ClusteredOptions): Network {
  const N = o.neurons,
    K = o.clusters,
    bits = o.weightBits ?? 8,
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
