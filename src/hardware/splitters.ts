/**
 * Splitter copies, for chips whose neurons reach few cores. On TrueNorth a neuron's spike goes to one axon of
 * one core (Merolla et al., Science 345, 2014: the profile's core.neuron_fan_out = 1), so a neuron whose
 * targets sit on c cores needs c - 1 copies: neurons with its parameters, fed by the same input axons, so they
 * integrate the same inputs and fire in the same tick, each sending to another of those cores (the neuron
 * copies Esser et al. use to give a TrueNorth neuron's output to several cores, PNAS 113(41), 2016). With a
 * limit of F cores per neuron, ceil(c / F) - 1 copies, each taking up to F of the cores.
 *
 * Where a copy goes: on its neuron's own core while that core has room (its input axons are already there,
 * and it keeps the core's axon types); else on an added core already holding a copy of the neuron; else on the
 * open added core (of the 8 opened last) that needs the fewest new input axons; else on a new added core. An
 * added core must take the copy within every per-core limit (neurons, synapses, synapse memory, input axons:
 * the union of its copies' sources) and, on a chip with axon types, keep one type per axon (each copy brings
 * the types of its neuron's core, so the types stay valid without a new search). Free slots of the
 * partition's other cores are not used. The copies' sources must now reach the added cores too, so they may
 * need copies in turn: the plan repeats until no neuron needs another copy (a fixed point: a feed-forward
 * network settles within its depth), or gives up when it would need more than 16 times the partition's cores
 * plus 64, or after 256 rounds. A population feeding itself densely across several cores never settles: every
 * copy needs the same recurrent inputs, so each of its N neurons needs an instance on about every core, and
 * the cores must hold N times as many instances as there are cores (more than they can when N exceeds the
 * neurons of a core).
 * No copy adds a tick: every spike still crosses one core boundary, from a neuron or a copy firing in the
 * same tick.
 */
import { coreFits, type Limits } from './check.js';
import { instancesOf, transposeNets, type MapGraph } from './graph.js';
import type { CoreLoads } from './partition.js';

/** The axon types of a mapping: key source all-id x cores + core; `failed` cores found none. */
export interface AxonTypes {
  failed: number[];
  types: Map<number, number>;
}

export interface CopyPlan {
  /** Every neuron reaches at most the limit's cores with its copies (false: gave up, see the module comment). */
  settled: boolean;
  rounds: number;
  /** Copies in the order made: the placed id of the neuron each duplicates, and its core. */
  of: Int32Array;
  core: Int32Array;
  /** Cores of the partition plus the added ones. */
  cores: number;
  /** Per added core (index - partition's cores): the core whose neurons' copies it holds, -1 for several. */
  homeOf: Int32Array;
  /** Per added core: its input axons (source all-ids) and their types (-1: none), on a chip with axon types. */
  addedAxons: Int32Array[];
  addedAxonTypes: Int32Array[];
  /** Copies placed on their neuron's own core. */
  onOwnCore: number;
}

/** A growable Int32Array. */
class Ints {
  a = new Int32Array(16);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
  get view(): Int32Array {
    return this.a.subarray(0, this.n);
  }
}

/** A growable Float64Array. */
class Reals {
  a: Float64Array;
  n: number;
  constructor(init: ArrayLike<number>) {
    this.a = new Float64Array(Math.max(64, init.length * 2));
    this.a.set(init);
    this.n = init.length;
  }
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
}

/**
 * The copies a partition needs under the neuron fan-out limit L.neuronFanOut, placed as the module comment
 * says. `loads` are the partition's per-core loads; `types` its axon types (chips with weight levels).
 */
export function planCopies(
  g: MapGraph,
  L: Limits,
  part: Int32Array,
  C: number,
  loads: CoreLoads,
  types?: AxonTypes,
): CopyPlan {
  const F = L.neuronFanOut,
    nP = g.nPlaced;
  const guard = 16 * C + 64,
    maxRounds = 256,
    window = 8;
  // per-core loads, growing with the added cores
  const neurons = new Reals(loads.neurons),
    syn = new Reals(loads.synapses),
    wbits = new Reals(loads.wbits),
    fanIn = new Reals(loads.fanIn),
    maxWB = new Reals(loads.maxWeightBits);
  // per added core: its axons and their types, and the core whose copies it holds (-1: several)
  const axons: Ints[] = [],
    axonTypes: Ints[] = [],
    home = new Ints();
  const failedHome = new Uint8Array(C);
  for (const c of types?.failed ?? []) failedHome[c] = 1;
  // the axons of one added core at a time, stamped: markCore[s] === k when source s has an axon on core k
  const markCore = new Int32Array(g.nAll).fill(-1),
    markType = new Int32Array(g.nAll);
  let marked = -1;
  const mark = (k: number): void => {
    if (marked === k) return;
    const ax = axons[k - C],
      ty = axonTypes[k - C];
    for (let i = 0; i < ax.n; i++) {
      markCore[ax.a[i]] = k;
      markType[ax.a[i]] = ty.a[i];
    }
    marked = k;
  };
  const typeAt = (s: number, h: number): number => types?.types.get(s * C + h) ?? -1;
  const open: number[] = [];
  let cores = C,
    onOwn = 0;
  const m = new Int32Array(nP).fill(1); // instances of every neuron (itself and its copies)
  const last = new Int32Array(nP).fill(-1); // the added core of each neuron's latest copy
  const copyOf = new Ints(),
    copyCore = new Ints();
  const popWB = (v: number) => g.pops[g.popOf[g.allOf[v]]].maxWeightBits;
  // neurons with more on-chip sources keep their copies at home first: elsewhere those sources must follow
  const onChipIn = new Int32Array(nP);
  for (let v = 0; v < nP; v++)
    for (let j = g.inPtr[v]; j < g.inPtr[v + 1]; j++) if (g.placedOf[g.inSrc[j]] >= 0) onChipIn[v]++;

  const fits = (c: number, v: number, newAxons: number): boolean =>
    coreFits(
      L,
      neurons.a[c] + 1,
      syn.a[c] + g.inSyn[v],
      wbits.a[c] + g.inWeightBits[v],
      fanIn.a[c] + newAxons,
      Math.max(maxWB.a[c], popWB(v)),
    );
  /** Input axons a copy of v (of core h) would add to added core k, or -1 when an axon's type would clash. */
  const newAxons = (k: number, v: number, h: number): number => {
    if (types) {
      const kh = home.a[k - C];
      // copies of a core whose type search failed stay among themselves
      if ((failedHome[h] || (kh >= 0 && failedHome[kh])) && kh !== h) return -1;
    }
    mark(k);
    let n = 0;
    for (let j = g.inPtr[v]; j < g.inPtr[v + 1]; j++) {
      const s = g.inSrc[j];
      if (markCore[s] !== k) n++;
      else if (types) {
        const t = typeAt(s, h);
        if (t >= 0 && markType[s] >= 0 && t !== markType[s]) return -1;
      }
    }
    return n;
  };
  const add = (c: number, v: number, h: number): void => {
    neurons.a[c]++;
    syn.a[c] += g.inSyn[v];
    wbits.a[c] += g.inWeightBits[v];
    maxWB.a[c] = Math.max(maxWB.a[c], popWB(v));
    if (c >= C) {
      mark(c);
      const ax = axons[c - C],
        ty = axonTypes[c - C];
      for (let j = g.inPtr[v]; j < g.inPtr[v + 1]; j++) {
        const s = g.inSrc[j],
          t = typeAt(s, h);
        if (markCore[s] !== c) {
          markCore[s] = c;
          markType[s] = t;
          ax.push(s);
          ty.push(t);
          fanIn.a[c]++;
        } else if (t >= 0 && markType[s] < 0) {
          // the axon had no type yet (zero weights only): it takes this copy's
          markType[s] = t;
          for (let i = 0; i < ax.n; i++) if (ax.a[i] === s) ty.a[i] = t;
        }
      }
      if (home.a[c - C] !== h) home.a[c - C] = -1;
    } else onOwn++;
    copyOf.push(v);
    copyCore.push(c);
  };
  const openCore = (h: number): number => {
    const c = cores++;
    for (const r of [neurons, syn, wbits, fanIn, maxWB]) r.push(0);
    axons.push(new Ints());
    axonTypes.push(new Ints());
    home.push(h);
    open.push(c);
    return c;
  };

  let settled = false,
    rounds = 0;
  const pending = new Ints(),
    nth = new Ints(); // which copy of its neuron (1, 2, ...)
  placing: while (true) {
    rounds++;
    // the distinct cores, other than its own, that hold copies of each neuron (CSR)
    const K = copyOf.n,
      byV = new Int32Array(nP + 1);
    for (let k = 0; k < K; k++) byV[copyOf.a[k] + 1]++;
    for (let v = 0; v < nP; v++) byV[v + 1] += byV[v];
    const list = new Int32Array(K),
      at = byV.slice(0, nP);
    for (let k = 0; k < K; k++) list[at[copyOf.a[k]]++] = copyCore.a[k];
    const xPtr = new Int32Array(nP + 1),
      xCores = new Ints(),
      seen = new Int32Array(cores).fill(-1);
    for (let v = 0; v < nP; v++) {
      seen[part[v]] = v;
      for (let i = byV[v]; i < byV[v + 1]; i++)
        if (seen[list[i]] !== v) {
          seen[list[i]] = v;
          xCores.push(list[i]);
        }
      xPtr[v + 1] = xCores.n;
    }
    // what each neuron needs: ceil(cores its targets (and their copies) occupy / F) instances
    pending.n = 0;
    nth.n = 0;
    const stamp = new Int32Array(cores).fill(-1);
    for (let s = 0; s < g.nAll; s++) {
      const ps = g.placedOf[s];
      if (ps < 0) continue; // a host source is no neuron of the chip
      let d = 0;
      for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) {
        const t = g.netTgt[k];
        if (stamp[part[t]] !== s) {
          stamp[part[t]] = s;
          d++;
        }
        for (let i = xPtr[t]; i < xPtr[t + 1]; i++)
          if (stamp[xCores.a[i]] !== s) {
            stamp[xCores.a[i]] = s;
            d++;
          }
      }
      for (const need = Math.ceil(d / F); m[ps] < need; m[ps]++) {
        pending.push(ps);
        nth.push(m[ps]);
      }
    }
    if (pending.n === 0) {
      settled = true;
      break;
    }
    if (rounds > maxRounds) break;
    // by home core; within one, the neurons with the most on-chip sources first, first copies before second ones
    const order = Int32Array.from({ length: pending.n }, (_, i) => i).sort((i, j) => {
      const a = pending.a[i],
        b = pending.a[j];
      return part[a] - part[b] || onChipIn[b] - onChipIn[a] || nth.a[i] - nth.a[j] || a - b;
    });
    for (const i of order) {
      const v = pending.a[i],
        h = part[v];
      if (fits(h, v, 0)) {
        add(h, v, h);
        continue;
      }
      // an added core already holding a copy of v: its sources reach it already
      let c = -1;
      const mine = (k: number) => newAxons(k, v, h) === 0 && fits(k, v, 0);
      if (last[v] >= 0 && mine(last[v])) c = last[v];
      for (let i = xPtr[v]; i < xPtr[v + 1] && c < 0; i++) if (xCores.a[i] >= C && mine(xCores.a[i])) c = xCores.a[i];
      // else the open added core where it needs the fewest new input axons (the fewest sources must follow)
      if (c < 0) {
        let best = Infinity;
        for (let i = open.length - 1, tried = 0; i >= 0 && tried < window && best > 0; i--) {
          const k = open[i];
          if (neurons.a[k] >= L.neurons) {
            open.splice(i, 1);
            continue;
          }
          tried++;
          const n = newAxons(k, v, h);
          if (n >= 0 && n < best && fits(k, v, n)) {
            best = n;
            c = k;
          }
        }
      }
      if (c < 0) {
        if (cores >= guard) break placing;
        c = openCore(h);
      }
      last[v] = c;
      add(c, v, h);
    }
  }
  return {
    settled,
    rounds,
    of: copyOf.view.slice(),
    core: copyCore.view.slice(),
    cores,
    homeOf: home.view.slice(),
    addedAxons: axons.map((x) => x.view.slice()),
    addedAxonTypes: axonTypes.map((x) => x.view.slice()),
    onOwnCore: onOwn,
  };
}

/**
 * The mapping graph with a settled plan's copies as placed neurons of their own (after the originals), each
 * neuron's targets split between it and its copies: every core its targets and their copies occupy goes to
 * exactly one of them (a copy on such a core takes its own core first, then the rest in core order, F each),
 * so every synapse, and each copy's inputs, is delivered once. Returns the graph and the core of every placed
 * neuron.
 */
export function withCopies(
  g: MapGraph,
  part: Int32Array,
  plan: CopyPlan,
  F: number,
): { g: MapGraph; part: Int32Array } {
  const K = plan.of.length,
    nP = g.nPlaced,
    nA = g.nAll,
    nP2 = nP + K,
    nA2 = nA + K;
  const allOf = new Int32Array(nP2),
    placedOf = new Int32Array(nA2),
    popOf = new Int32Array(nA2),
    part2 = new Int32Array(nP2),
    inSyn = new Int32Array(nP2),
    inWeightBits = new Float64Array(nP2);
  allOf.set(g.allOf);
  placedOf.set(g.placedOf);
  popOf.set(g.popOf);
  part2.set(part);
  inSyn.set(g.inSyn);
  inWeightBits.set(g.inWeightBits);
  for (let k = 0; k < K; k++) {
    const v = plan.of[k];
    allOf[nP + k] = nA + k;
    placedOf[nA + k] = nP + k;
    popOf[nA + k] = g.popOf[g.allOf[v]];
    part2[nP + k] = plan.core[k];
    inSyn[nP + k] = g.inSyn[v];
    inWeightBits[nP + k] = g.inWeightBits[v];
  }
  const I = instancesOf({ ...g, nPlaced: nP2, copyOf: plan.of });
  // (source all id, target placed id) pairs, then grouped by source
  const src = new Ints(),
    tgt = new Ints();
  const inD = new Int32Array(plan.cores).fill(-1),
    owner = new Int32Array(plan.cores);
  const D: number[] = [];
  for (let s = 0; s < nA; s++) {
    const ps = g.placedOf[s];
    if (ps < 0) {
      for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) {
        const t = g.netTgt[k];
        for (let i = I.ptr[t]; i < I.ptr[t + 1]; i++) {
          src.push(s);
          tgt.push(I.inst[i]);
        }
      }
      continue;
    }
    D.length = 0;
    for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) {
      const t = g.netTgt[k];
      for (let i = I.ptr[t]; i < I.ptr[t + 1]; i++) {
        const c = part2[I.inst[i]];
        if (inD[c] !== s) {
          inD[c] = s;
          owner[c] = -1;
          D.push(c);
        }
      }
    }
    D.sort((a, b) => a - b);
    const i0 = I.ptr[ps],
      m = I.ptr[ps + 1] - i0,
      taken = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const c = part2[I.inst[i0 + i]];
      if (inD[c] === s && owner[c] < 0 && taken[i] < F) {
        owner[c] = i;
        taken[i]++;
      }
    }
    let next = 0;
    for (const c of D) {
      if (owner[c] >= 0) continue;
      while (taken[next] >= F) next++; // the plan made ceil(|D| / F) instances: there is room
      owner[c] = next;
      taken[next]++;
    }
    for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) {
      const t = g.netTgt[k];
      for (let i = I.ptr[t]; i < I.ptr[t + 1]; i++) {
        const u = I.inst[i];
        src.push(allOf[I.inst[i0 + owner[part2[u]]]]);
        tgt.push(u);
      }
    }
  }
  const netPtr = new Int32Array(nA2 + 1);
  for (let i = 0; i < src.n; i++) netPtr[src.a[i] + 1]++;
  for (let s = 0; s < nA2; s++) netPtr[s + 1] += netPtr[s];
  const netTgt = new Int32Array(src.n),
    fill = netPtr.slice(0, nA2);
  for (let i = 0; i < src.n; i++) netTgt[fill[src.a[i]]++] = tgt.a[i];
  const { inPtr, inSrc } = transposeNets(nA2, nP2, netPtr, netTgt);
  return {
    g: {
      ...g,
      nAll: nA2,
      nPlaced: nP2,
      allOf,
      placedOf,
      popOf,
      netPtr,
      netTgt,
      inPtr,
      inSrc,
      inSyn,
      inWeightBits,
      copyOf: plan.of,
    },
    part: part2,
  };
}
