/**
 * The mapping graph of a Network: every neuron gets an index over all populations ("all" ids); neurons of
 * non-input populations are placed on cores ("placed" ids), input populations stay on the host. A spike of
 * source s travels once to every core that holds at least one of its targets, whatever the projection, so the
 * unit of traffic is the net of s: its distinct placed targets over all projections (a hypergraph edge).
 * Typed arrays only: CSR of nets (source -> distinct targets) and its transpose (target -> distinct sources).
 */
import type { Network, Population } from '../net/network.js';
import { neuronModel } from '../sim/registry.js';

export interface GraphPop {
  name: string;
  model: Population['model'];
  size: number;
  /** Input populations live on the host (their spikes enter the chip from outside). */
  host: boolean;
  /** First all-id of the population. */
  offset: number;
  /** First placed id, or -1 for a host population. */
  placedOffset: number;
  /** Widest weight of the projections into this population (for dense synapse storage). */
  maxWeightBits: number;
}

export interface MapGraph {
  pops: GraphPop[];
  nAll: number;
  nPlaced: number;
  /** placed id -> all id, and all id -> placed id (-1 on the host). */
  allOf: Int32Array;
  placedOf: Int32Array;
  /** all id -> population index. */
  popOf: Int32Array;
  /** Nets: distinct placed targets of each all-id source. */
  netPtr: Int32Array;
  netTgt: Int32Array;
  /** Transpose: distinct all-id sources of each placed neuron. */
  inPtr: Int32Array;
  inSrc: Int32Array;
  /** Synapses into each placed neuron, over all projections (duplicates across projections count). */
  inSyn: Int32Array;
  /** Sum of weight bits of the synapses into each placed neuron. */
  inWeightBits: Float64Array;
  synapses: number;
  /** (source population, target population) of every projection into a placed population. */
  edges: [number, number][];
  /**
   * Splitter copies (map --splitters, src/hardware/splitters.ts): placed ids from nPlaced - copyOf.length on
   * (and all ids from nAll - copyOf.length on) are copies, copyOf[k] the placed id of the neuron copy k
   * duplicates. Absent without copies. `synapses` stays the network's count (copies' inputs not included).
   */
  copyOf?: Int32Array;
}

/** Placed neurons of the network (copies excluded). */
export const originals = (g: MapGraph): number => g.nPlaced - (g.copyOf?.length ?? 0);

/**
 * Every placed neuron of the network and its copies (CSR over the originals' placed ids): the neuron first,
 * then its copies in the order they were made. Without copies, each neuron alone.
 */
export function instancesOf(g: MapGraph): { ptr: Int32Array; inst: Int32Array } {
  const n = originals(g),
    K = g.copyOf?.length ?? 0;
  const ptr = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) ptr[v + 1] = 1;
  for (let k = 0; k < K; k++) ptr[g.copyOf![k] + 1]++;
  for (let v = 0; v < n; v++) ptr[v + 1] += ptr[v];
  const inst = new Int32Array(n + K),
    at = ptr.slice(0, n);
  for (let v = 0; v < n; v++) inst[at[v]++] = v;
  for (let k = 0; k < K; k++) inst[at[g.copyOf![k]]++] = n + k;
  return { ptr, inst };
}

/** Transpose of nets (all-id source -> placed targets): the distinct sources of each placed neuron. */
export function transposeNets(
  nAll: number,
  nPlaced: number,
  netPtr: Int32Array,
  netTgt: Int32Array,
): { inPtr: Int32Array; inSrc: Int32Array } {
  const inPtr = new Int32Array(nPlaced + 1);
  for (let j = 0; j < netTgt.length; j++) inPtr[netTgt[j] + 1]++;
  for (let v = 0; v < nPlaced; v++) inPtr[v + 1] += inPtr[v];
  const inSrc = new Int32Array(netTgt.length),
    at = inPtr.slice(0, nPlaced);
  for (let s = 0; s < nAll; s++) for (let j = netPtr[s]; j < netPtr[s + 1]; j++) inSrc[at[netTgt[j]]++] = s;
  return { inPtr, inSrc };
}

export function buildGraph(net: Network): MapGraph {
  const pops: GraphPop[] = [];
  let nAll = 0,
    nPlaced = 0;
  for (const p of net.populations) {
    const host = neuronModel(p.model).host;
    pops.push({
      name: p.name,
      model: p.model,
      size: p.size,
      host,
      offset: nAll,
      placedOffset: host ? -1 : nPlaced,
      maxWeightBits: 0,
    });
    nAll += p.size;
    if (!host) nPlaced += p.size;
  }
  const popIndex = new Map(pops.map((p, i) => [p.name, i]));
  const popOf = new Int32Array(nAll),
    allOf = new Int32Array(nPlaced),
    placedOf = new Int32Array(nAll).fill(-1);
  for (let i = 0; i < pops.length; i++) {
    const p = pops[i];
    popOf.fill(i, p.offset, p.offset + p.size);
    if (!p.host)
      for (let j = 0; j < p.size; j++) {
        allOf[p.placedOffset + j] = p.offset + j;
        placedOf[p.offset + j] = p.placedOffset + j;
      }
  }
  const projs = net.projections.map((q) => ({ q, s: popIndex.get(q.source)!, t: popIndex.get(q.target)! }));
  const inSyn = new Int32Array(nPlaced),
    inWeightBits = new Float64Array(nPlaced);
  let synapses = 0;
  for (const { q, t } of projs) {
    const T = pops[t];
    if (T.host) continue; // synapses into the host are not stored on chip
    T.maxWeightBits = Math.max(T.maxWeightBits, q.weightBits);
    for (let j = 0; j < q.indices.length; j++) {
      const v = T.placedOffset + q.indices[j];
      inSyn[v]++;
      inWeightBits[v] += q.weightBits;
    }
    synapses += q.indices.length;
  }
  // Nets: two passes with a stamp array to drop a target reached by two projections.
  const stamp = new Int32Array(nPlaced).fill(-1);
  const bySource: (typeof projs)[] = pops.map(() => []);
  for (const e of projs) if (!pops[e.t].host) bySource[e.s].push(e);
  const netPtr = new Int32Array(nAll + 1);
  const walk = (emit: (s: number, v: number) => void): void => {
    stamp.fill(-1);
    for (let pi = 0; pi < pops.length; pi++) {
      const P = pops[pi];
      for (let i = 0; i < P.size; i++) {
        const s = P.offset + i;
        for (const { q, t } of bySource[pi]) {
          const base = pops[t].placedOffset;
          for (let j = q.indptr[i]; j < q.indptr[i + 1]; j++) {
            const v = base + q.indices[j];
            if (stamp[v] !== s) {
              stamp[v] = s;
              emit(s, v);
            }
          }
        }
      }
    }
  };
  walk((s) => {
    netPtr[s + 1]++;
  });
  for (let s = 0; s < nAll; s++) netPtr[s + 1] += netPtr[s];
  const netTgt = new Int32Array(netPtr[nAll]),
    fillAt = netPtr.slice(0, nAll);
  walk((s, v) => {
    netTgt[fillAt[s]++] = v;
  });
  const { inPtr, inSrc } = transposeNets(nAll, nPlaced, netPtr, netTgt);
  return {
    pops,
    nAll,
    nPlaced,
    allOf,
    placedOf,
    popOf,
    netPtr,
    netTgt,
    inPtr,
    inSrc,
    inSyn,
    inWeightBits,
    synapses,
    edges: projs.filter((e) => !pops[e.t].host).map((e) => [e.s, e.t] as [number, number]),
  };
}

/** Distinct nonzero real weights (mantissa x 2^exponent) into each placed neuron: TrueNorth's weight levels. */
export function weightLevels(net: Network, g: MapGraph): Int32Array {
  const out = new Int32Array(g.nPlaced),
    levels: (Set<number> | undefined)[] = [];
  for (const q of net.projections) {
    const T = g.pops.find((p) => p.name === q.target)!;
    if (T.host) continue;
    const f = 2 ** q.exponent;
    for (let j = 0; j < q.indices.length; j++) {
      if (q.weights[j] === 0) continue;
      const v = T.placedOffset + q.indices[j];
      (levels[v] ??= new Set()).add(q.weights[j] * f);
    }
  }
  for (let v = 0; v < g.nPlaced; v++) out[v] = levels[v]?.size ?? 0;
  return out;
}
