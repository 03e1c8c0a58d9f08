/**
 * The Network IR: what every integer tool (simulator, quantiser output, mapper, exporters) reads and writes.
 * Populations (a neuron model, a size, integer parameters and fixed-point formats) and projections (integer
 * weights in CSR by source row, one shared power-of-two exponent, a delay in steps, a payload kind). Plain data:
 * typed arrays in memory, a versioned JSON image on disk (see toJson / fromJson).
 */
import type { QFormat } from '../fixed/q.js';

export const NETWORK_FORMAT = 'ipvae.network';
export const NETWORK_VERSION = 1;

/** A registered neuron model's name (src/sim/models/; `ipvae neurons` lists them). */
export type NeuronModel = string;

export interface Population {
  name: string;
  model: NeuronModel;
  size: number;
  /** Integer parameters, scalar (shared) or one per neuron (length = size), as the model's spec declares. */
  params: Record<string, number | Int32Array>;
  /** Fixed-point formats of the state variables and parameters (e.g. u, v, rate). */
  formats: Record<string, QFormat>;
}

export interface Projection {
  name: string;
  source: string;
  target: string;
  /** CSR by source neuron: targets of source i are indices[indptr[i] .. indptr[i+1]). */
  indptr: Int32Array;
  indices: Int32Array;
  /** Integer weight mantissas within weightBits (signed); the real weight is value * 2^exponent. */
  weights: Int32Array;
  weightBits: number;
  exponent: number;
  /** Steps between a spike and its effect (>= 1); static projections are applied once per input instead. */
  delay: number;
  /** 'binary': a spike carries 1; 'graded': it carries an integer count (payloadBits wide). */
  payload: 'binary' | 'graded';
  payloadBits: number;
  /** A projection from an input population applied once per input (e.g. W_ff x, held as a drive). */
  static: boolean;
}

export interface Network {
  name: string;
  populations: Population[];
  projections: Projection[];
  /** Metadata (provenance, quantisation report, sampler description). */
  meta: Record<string, unknown>;
}

export function population(net: Network, name: string): Population {
  const p = net.populations.find((q) => q.name === name);
  if (!p) throw new Error(`network: no population named "${name}"`);
  return p;
}

/** The number of synapses of a projection. */
export const synapses = (p: Projection): number => p.indices.length;

/** Dense (target x source) float64 view of a projection's real weights, for tests and small networks. */
export function denseWeights(net: Network, p: Projection): Float64Array {
  const nS = population(net, p.source).size,
    nT = population(net, p.target).size;
  const out = new Float64Array(nT * nS),
    f = 2 ** p.exponent;
  for (let i = 0; i < nS; i++)
    for (let j = p.indptr[i]; j < p.indptr[i + 1]; j++) out[p.indices[j] * nS + i] += p.weights[j] * f;
  return out;
}

/** Build CSR from a dense integer matrix W[target][source] (row-major, nT x nS), dropping zeros. */
export function csrFromDense(
  W: ArrayLike<number>,
  nT: number,
  nS: number,
): { indptr: Int32Array; indices: Int32Array; weights: Int32Array } {
  let nnz = 0;
  for (let i = 0; i < W.length; i++) if (W[i] !== 0) nnz++;
  const indptr = new Int32Array(nS + 1),
    indices = new Int32Array(nnz),
    weights = new Int32Array(nnz);
  let n = 0;
  for (let s = 0; s < nS; s++) {
    indptr[s] = n;
    for (let t = 0; t < nT; t++) {
      const v = W[t * nS + s];
      if (v !== 0) {
        indices[n] = t;
        weights[n] = v;
        n++;
      }
    }
  }
  indptr[nS] = n;
  return { indptr, indices, weights };
}
